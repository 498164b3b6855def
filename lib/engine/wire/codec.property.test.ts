import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WireError } from '../errors.ts';
import { bencodeishBytes, onlyThrows, params } from '../fixtures/property.ts';
import { LIMITS } from '../limits.ts';
import { WireDecoder, type Decoded } from './decoder.ts';
import { decodeExtendedHandshake } from './extension.ts';
import { cut, sameMessages } from './fixtures/samples.ts';
import { encodeMessage, type WireMessage } from './messages.ts';
import { decodeUtMetadata } from './ut-metadata.ts';

/**
 * Property tests of the peer wire codec (BEP 3, 6, 10): every message written decodes to
 * itself however the stream is cut, and a hostile stream ends in WireError, nothing else.
 */

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const block = fc.record({
  index: u32,
  begin: u32,
  length: fc.integer({ min: 1, max: LIMITS.maxBlockLength }),
});
const message: fc.Arbitrary<WireMessage> = fc.oneof(
  fc.constantFrom<WireMessage>(
    { type: 'keep-alive' },
    { type: 'choke' },
    { type: 'unchoke' },
    { type: 'interested' },
    { type: 'not-interested' },
    { type: 'have-all' },
    { type: 'have-none' },
  ),
  u32.map((index): WireMessage => ({ type: 'have', index })),
  u32.map((index): WireMessage => ({ type: 'suggest', index })),
  u32.map((index): WireMessage => ({ type: 'allowed-fast', index })),
  fc.uint8Array({ maxLength: 64 }).map((bytes): WireMessage => ({ type: 'bitfield', bytes })),
  block.map((b): WireMessage => ({ type: 'request', ...b })),
  block.map((b): WireMessage => ({ type: 'cancel', ...b })),
  block.map((b): WireMessage => ({ type: 'reject', ...b })),
  fc.integer({ min: 0, max: 0xffff }).map((port): WireMessage => ({ type: 'port', port })),
  fc
    .record({ index: u32, begin: u32, block: fc.uint8Array({ minLength: 1, maxLength: 300 }) })
    .map((p): WireMessage => ({ type: 'piece', ...p })),
  fc
    .record({ id: fc.integer({ min: 0, max: 255 }), payload: fc.uint8Array({ maxLength: 64 }) })
    .map((e): WireMessage => ({ type: 'extended', ...e })),
);

/** Decodes `chunks` without a handshake; only WireError may be thrown. */
function decode(chunks: readonly Uint8Array[]): { messages: Decoded[]; error?: WireError } {
  const decoder = new WireDecoder({ handshake: false });
  const messages: Decoded[] = [];
  const error = onlyThrows(WireError, () => {
    for (const chunk of chunks) messages.push(...decoder.push(chunk));
  });
  return { messages, error: error as WireError | undefined };
}

describe('wire codec: properties', () => {
  it('decodes every message stream to itself, however it is cut', () => {
    fc.assert(
      fc.property(
        fc.array(message, { maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 40 })),
        (msgs, sizes) => {
          const bytes = Buffer.concat(msgs.map(encodeMessage));
          const whole = decode([bytes]);
          const pieces = decode(cut(bytes, sizes));
          expect(whole.error).toBeUndefined();
          expect(pieces.error).toBeUndefined();
          expect(sameMessages(whole.messages, msgs)).toBe(true);
          expect(sameMessages(pieces.messages, msgs)).toBe(true);
        },
      ),
      params(300),
    );
  });

  it('ends any byte stream in messages or a WireError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, handshake) => {
        const decoder = new WireDecoder({ handshake });
        onlyThrows(WireError, () => decoder.push(bytes));
      }),
      params(2000),
    );
  });

  it('reads extended handshakes and ut_metadata headers, or says WireError', () => {
    fc.assert(
      fc.property(bencodeishBytes(120), (payload) => {
        onlyThrows(WireError, () => decodeExtendedHandshake(payload));
        onlyThrows(WireError, () => decodeUtMetadata(payload));
      }),
      params(2000),
    );
  });
});

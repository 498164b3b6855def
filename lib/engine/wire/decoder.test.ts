import { describe, expect, it } from 'vitest';
import { WireError } from '../errors.ts';
import { LIMITS } from '../limits.ts';
import { mulberry32 } from '../random.ts';
import { WireDecoder, maxMessageLengthFor, type Decoded } from './decoder.ts';
import {
  HANDSHAKE,
  SAMPLE_MESSAGES,
  concat,
  cut,
  feed,
  randomCut,
  sameMessages,
} from './fixtures/samples.ts';
import { encodeHandshake } from './handshake.ts';
import { MESSAGE_ID, encodeMessage, writeUint32 } from './messages.ts';

const STREAM = concat([encodeHandshake(HANDSHAKE), ...SAMPLE_MESSAGES.map(encodeMessage)]);
const EXPECTED: Decoded[] = [{ type: 'handshake', ...HANDSHAKE }, ...SAMPLE_MESSAGES];

/** A frame with an arbitrary length prefix and id, and `payload` zero bytes. */
function rawFrame(length: number, id: number, payload = Math.max(0, length - 1)): Uint8Array {
  const out = new Uint8Array(5 + payload);
  writeUint32(out, 0, length);
  out[4] = id;
  return out;
}

/** Deep equality, checked cheaply first (the samples hold a 16 KiB block). */
function expectMessages(got: readonly Decoded[], expected: readonly Decoded[]): void {
  if (!sameMessages(got, expected)) expect(got).toEqual(expected);
}

function errorOf(fn: () => unknown): WireError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(WireError);
    return err as WireError;
  }
  throw new Error('expected a WireError');
}

describe('WireDecoder: round trip and chunking', () => {
  it('decodes every message type encoded by encodeMessage', () => {
    for (const msg of SAMPLE_MESSAGES) {
      expect(new WireDecoder({ handshake: false }).push(encodeMessage(msg))).toEqual([msg]);
    }
  });

  it('decodes the handshake and all messages from one chunk', () => {
    const decoder = new WireDecoder();
    expect(decoder.push(STREAM)).toEqual(EXPECTED);
    expect(decoder.midMessage).toBe(false);
  });

  it('decodes the same whatever single point the stream is split at', () => {
    for (let at = 0; at <= STREAM.length; at++) {
      const decoder = new WireDecoder();
      const got = feed(decoder, [STREAM.subarray(0, at), STREAM.subarray(at)]);
      expectMessages(got, EXPECTED);
    }
  });

  it('decodes each message split at every byte boundary', () => {
    for (const msg of SAMPLE_MESSAGES) {
      const bytes = encodeMessage(msg);
      for (let at = 0; at <= bytes.length; at++) {
        const decoder = new WireDecoder({ handshake: false });
        const first = decoder.push(bytes.subarray(0, at));
        expect(decoder.midMessage).toBe(at > 0 && at < bytes.length);
        const second = decoder.push(bytes.subarray(at));
        expectMessages(at === bytes.length ? first : second, [msg]);
        expect(at === bytes.length ? second : first).toEqual([]);
      }
    }
  });

  it('decodes the stream fed one byte at a time, each message when its last byte lands', () => {
    const decoder = new WireDecoder();
    const got: Decoded[] = [];
    let emptyPushes = 0;
    for (const chunk of cut(STREAM, Array<number>(STREAM.length).fill(1))) {
      const out = decoder.push(chunk);
      if (out.length === 0) emptyPushes++;
      got.push(...out);
    }
    expectMessages(got, EXPECTED);
    expect(emptyPushes).toBe(STREAM.length - EXPECTED.length);
  });

  it('decodes the handshake split at every point', () => {
    const bytes = encodeHandshake(HANDSHAKE);
    for (let a = 0; a <= bytes.length; a++) {
      for (let b = a; b <= bytes.length; b++) {
        const parts = [bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b)];
        expect(feed(new WireDecoder(), parts)).toEqual([{ type: 'handshake', ...HANDSHAKE }]);
      }
    }
  });

  it('decodes many messages merged in random chunks (seeded)', () => {
    const random = mulberry32(1);
    const many = Array.from({ length: 400 }, () => SAMPLE_MESSAGES[Math.floor(random() * 26)]!);
    const bytes = concat([encodeHandshake(HANDSHAKE), ...many.map(encodeMessage)]);
    for (const maxChunk of [1, 7, 64, 5000, 100_000]) {
      const got = feed(new WireDecoder(), randomCut(bytes, random, maxChunk));
      expectMessages(got, [{ type: 'handshake', ...HANDSHAKE }, ...many]);
    }
  });

  it('accepts an empty chunk anywhere', () => {
    const decoder = new WireDecoder();
    expect(decoder.push(new Uint8Array(0))).toEqual([]);
    expect(feed(decoder, [STREAM.subarray(0, 30), new Uint8Array(0), STREAM.subarray(30)])).toEqual(
      EXPECTED,
    );
  });
});

describe('WireDecoder: ownership of decoded bytes', () => {
  it('never aliases the input: the caller may overwrite its chunk', () => {
    const input = STREAM.slice();
    const got = new WireDecoder().push(input);
    input.fill(0xee);
    expect(got).toEqual(EXPECTED);
  });

  it('gives each piece block its own exactly-sized ArrayBuffer', () => {
    const block = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);
    const bytes = encodeMessage({ type: 'piece', index: 0, begin: 0, block });
    for (const chunks of [[bytes], cut(bytes, [3, 10, 500])]) {
      const [msg] = feed(new WireDecoder({ handshake: false }), chunks);
      if (msg?.type !== 'piece') throw new Error('expected a piece');
      expect(msg.block).toEqual(block);
      expect(msg.block.byteOffset).toBe(0);
      expect(msg.block.buffer.byteLength).toBe(1000);
    }
  });
});

describe('WireDecoder: viewBlocks', () => {
  it('a block that came whole in one chunk is a view into it; one cut across chunks, a copy', () => {
    const block = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);
    const bytes = encodeMessage({ type: 'piece', index: 0, begin: 0, block });
    const one = bytes.slice();
    const [whole] = new WireDecoder({ handshake: false, viewBlocks: true }).push(one);
    if (whole?.type !== 'piece') throw new Error('expected a piece');
    expect(whole.block).toEqual(block);
    expect(whole.block.buffer).toBe(one.buffer);
    // Header in one chunk, block in the next: still a view.
    const d = new WireDecoder({ handshake: false, viewBlocks: true });
    expect(d.push(bytes.slice(0, 13))).toEqual([]);
    const rest = bytes.slice(13);
    const [second] = d.push(rest);
    expect(second?.type === 'piece' && second.block.buffer).toBe(rest.buffer);
    const [cutMsg] = feed(
      new WireDecoder({ handshake: false, viewBlocks: true }),
      cut(bytes, [500]),
    );
    if (cutMsg?.type !== 'piece') throw new Error('expected a piece');
    expect(cutMsg.block).toEqual(block);
    expect(cutMsg.block.buffer.byteLength).toBe(1000);
  });

  it('decodes the same stream the same, whatever single point it is split at', () => {
    for (let at = 0; at <= STREAM.length; at++) {
      const got = feed(new WireDecoder({ viewBlocks: true }), cut(STREAM, [at]));
      expectMessages(got, EXPECTED);
    }
  });
});

describe('WireDecoder: validation', () => {
  it('rejects a length prefix over maxMessageLength before any body arrives', () => {
    const decoder = new WireDecoder({ handshake: false, maxMessageLength: 100 });
    expect(decoder.push(rawFrame(100, 0x30).subarray(0, 105))).toHaveLength(1); // at the limit
    const err = errorOf(() => decoder.push(rawFrame(101, 0x30).subarray(0, 4)));
    expect(err.message).toMatch(/101 is over the limit of 100/);
  });

  it('rejects a 4 GiB length prefix at once, with the default limit', () => {
    const decoder = new WireDecoder({ handshake: false });
    expect(() => decoder.push(Uint8Array.of(0xff, 0xff, 0xff, 0xff))).toThrow(WireError);
  });

  it('rejects a wrong length for a fixed-size message as soon as the id arrives', () => {
    const fixed: [number, number][] = [
      [MESSAGE_ID.choke, 0],
      [MESSAGE_ID.unchoke, 0],
      [MESSAGE_ID.interested, 0],
      [MESSAGE_ID.notInterested, 0],
      [MESSAGE_ID.have, 4],
      [MESSAGE_ID.request, 12],
      [MESSAGE_ID.cancel, 12],
      [MESSAGE_ID.port, 2],
      [MESSAGE_ID.suggest, 4],
      [MESSAGE_ID.haveAll, 0],
      [MESSAGE_ID.haveNone, 0],
      [MESSAGE_ID.reject, 12],
      [MESSAGE_ID.allowedFast, 4],
    ];
    for (const [id, payload] of fixed) {
      for (const wrong of [payload - 1, payload + 1, payload + 100].filter((n) => n >= 0)) {
        const header = rawFrame(1 + wrong, id).subarray(0, 5);
        expect(() => new WireDecoder({ handshake: false }).push(header)).toThrow(WireError);
      }
    }
  });

  it('rejects a piece without a block, or with a block over maxBlockLength, from its header', () => {
    const bad = [rawFrame(9, MESSAGE_ID.piece), rawFrame(9 + LIMITS.maxBlockLength + 1, 7)];
    for (const frame of bad) {
      const err = errorOf(() => new WireDecoder({ handshake: false }).push(frame.subarray(0, 5)));
      expect(err.what).toBe('piece');
    }
    const small = new WireDecoder({ handshake: false, maxBlockLength: 10 });
    expect(() => small.push(rawFrame(9 + 11, MESSAGE_ID.piece).subarray(0, 5))).toThrow(/over 10/);
  });

  it('rejects request, cancel and reject lengths of 0 or over maxBlockLength', () => {
    for (const type of ['request', 'cancel', 'reject'] as const) {
      for (const length of [0, LIMITS.maxBlockLength + 1, 0xffffffff]) {
        const bytes = encodeMessage({ type, index: 0, begin: 0, length });
        expect(() => new WireDecoder({ handshake: false }).push(bytes)).toThrow(WireError);
      }
    }
  });

  it('rejects an extended message without its extended id, or over its cap', () => {
    const decoder = () => new WireDecoder({ handshake: false, maxMessageLength: 1 << 20 });
    expect(() => decoder().push(rawFrame(1, MESSAGE_ID.extended))).toThrow(WireError);
    const over = rawFrame(2 + LIMITS.maxExtendedMessageLength + 1, MESSAGE_ID.extended);
    expect(() => decoder().push(over.subarray(0, 5))).toThrow(WireError);
  });

  it('checks bitfield size, spare bits and piece indices once the piece count is known', () => {
    const d = (): WireDecoder => new WireDecoder({ handshake: false, pieceCount: 10 });
    const ok = encodeMessage({ type: 'bitfield', bytes: Uint8Array.of(0xff, 0xc0) });
    expect(d().push(ok)).toHaveLength(1);
    expect(() => d().push(encodeMessage({ type: 'bitfield', bytes: Uint8Array.of(0xff) }))).toThrow(
      /10 pieces/,
    );
    const spare = encodeMessage({ type: 'bitfield', bytes: Uint8Array.of(0xff, 0xe0) });
    expect(() => d().push(spare)).toThrow(/spare bits/);
    for (const type of ['have', 'suggest', 'allowed-fast'] as const) {
      expect(d().push(encodeMessage({ type, index: 9 }))).toHaveLength(1);
      expect(() => d().push(encodeMessage({ type, index: 10 }))).toThrow(WireError);
    }
    const request = encodeMessage({ type: 'request', index: 10, begin: 0, length: 1 });
    expect(() => d().push(request)).toThrow(/piece 10 of a torrent of 10/);
    const piece = encodeMessage({ type: 'piece', index: 10, begin: 0, block: new Uint8Array(9) });
    expect(() => d().push(piece.subarray(0, 13))).toThrow(WireError); // before the block
  });

  it('takes the piece count later (magnet links)', () => {
    const decoder = new WireDecoder({ handshake: false });
    expect(decoder.push(encodeMessage({ type: 'have', index: 1_000_000 }))).toHaveLength(1);
    decoder.setPieceCount(8);
    expect(() => decoder.push(encodeMessage({ type: 'have', index: 8 }))).toThrow(WireError);
  });

  it('rejects a bad pstrlen at the first byte and a bad protocol name at the 20th', () => {
    expect(() => new WireDecoder().push(Uint8Array.of(0))).toThrow(/length is 0/);
    const bytes = encodeHandshake(HANDSHAKE);
    bytes[19] = 0x78; // "BitTorrent protocox"
    const decoder = new WireDecoder();
    expect(decoder.push(bytes.subarray(0, 19))).toEqual([]);
    expect(() => decoder.push(bytes.subarray(19, 20))).toThrow(/BitTorrent protocol/);
  });

  it('treats a stream without a handshake as not BitTorrent, unless told there is none', () => {
    const bytes = encodeMessage({ type: 'interested' });
    expect(() => new WireDecoder().push(bytes)).toThrow(WireError);
    expect(new WireDecoder({ handshake: false }).push(bytes)).toEqual([{ type: 'interested' }]);
  });

  it('is spent after an error: every later push throws the same error', () => {
    const decoder = new WireDecoder({ handshake: false });
    const err = errorOf(() => decoder.push(rawFrame(2, MESSAGE_ID.choke)));
    expect(() => decoder.push(encodeMessage({ type: 'choke' }))).toThrow(err);
  });

  it('returns unknown ids with their payload rather than failing', () => {
    const decoder = new WireDecoder({ handshake: false });
    const payload = Uint8Array.of(1, 2, 3);
    const got = decoder.push(
      concat([rawFrame(4, 0x15, 0), payload, encodeMessage({ type: 'choke' })]),
    );
    expect(got).toEqual([{ type: 'unknown', id: 0x15, payload }, { type: 'choke' }]);
  });
});

describe('maxMessageLengthFor', () => {
  it('is the largest of a full piece message, a bitfield and an extended message', () => {
    const ext = 2 + LIMITS.maxExtendedMessageLength;
    expect(maxMessageLengthFor(1)).toBe(Math.max(9 + LIMITS.maxBlockLength, ext));
    expect(maxMessageLengthFor(8 * 1024 * 1024)).toBe(1 + 1024 * 1024);
    expect(maxMessageLengthFor(1, 1 << 20)).toBe(9 + (1 << 20));
  });

  it('is the default limit, for the largest torrent when the piece count is unknown', () => {
    const limit = maxMessageLengthFor(LIMITS.maxPieceCount);
    const decoder = new WireDecoder({ handshake: false });
    expect(decoder.push(rawFrame(limit, 0x30).subarray(0, 5))).toEqual([]);
    expect(() => new WireDecoder({ handshake: false }).push(rawFrame(limit + 1, 0x30))).toThrow(
      WireError,
    );
  });
});

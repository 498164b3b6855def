import { describe, expect, it } from 'vitest';
import { WireError } from '../errors.ts';
import { SAMPLE_MESSAGES, concat } from './fixtures/samples.ts';
import {
  MESSAGE_ID,
  PIECE_HEADER_LENGTH,
  encodeMessage,
  encodePieceHeader,
  isKnownMessageId,
  readUint32,
  type WireMessage,
} from './messages.ts';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('encodeMessage', () => {
  it.each([
    [{ type: 'keep-alive' }, '00000000'],
    [{ type: 'choke' }, '0000000100'],
    [{ type: 'unchoke' }, '0000000101'],
    [{ type: 'interested' }, '0000000102'],
    [{ type: 'not-interested' }, '0000000103'],
    [{ type: 'have', index: 0x01020304 }, '000000050401020304'],
    [{ type: 'bitfield', bytes: Uint8Array.of(0xa0, 0x01) }, '0000000305a001'],
    [
      { type: 'request', index: 1, begin: 0x4000, length: 0x4000 },
      '0000000d06000000010000400000004000',
    ],
    [
      { type: 'piece', index: 1, begin: 2, block: Uint8Array.of(9, 8) },
      '0000000b07000000010000000209' + '08',
    ],
    [
      { type: 'cancel', index: 1, begin: 0x4000, length: 0x4000 },
      '0000000d08000000010000400000004000',
    ],
    [{ type: 'port', port: 6881 }, '00000003091ae1'],
    [{ type: 'suggest', index: 7 }, '000000050d00000007'],
    [{ type: 'have-all' }, '000000010e'],
    [{ type: 'have-none' }, '000000010f'],
    [{ type: 'reject', index: 1, begin: 0, length: 5 }, '0000000d10000000010000000000000005'],
    [{ type: 'allowed-fast', index: 7 }, '000000051100000007'],
    [{ type: 'extended', id: 0, payload: Uint8Array.of(0x64, 0x65) }, '00000004140064' + '65'],
    [{ type: 'unknown', id: 0x30, payload: Uint8Array.of(1) }, '000000023001'],
  ] satisfies [WireMessage, string][])('%o encodes as %s', (msg, expected) => {
    expect(hex(encodeMessage(msg))).toBe(expected);
  });

  it('covers every message id (BEP 3, 5, 6, 10) in the samples', () => {
    const types = new Set(SAMPLE_MESSAGES.map((m) => m.type));
    expect(types.size).toBe(Object.keys(MESSAGE_ID).length + 2); // + keep-alive, unknown
  });

  it('prefixes every sample with its own length', () => {
    for (const msg of SAMPLE_MESSAGES) {
      const bytes = encodeMessage(msg);
      expect(readUint32(bytes, 0)).toBe(bytes.length - 4);
    }
  });

  it('encodes a piece as its header followed by the block, in one buffer', () => {
    const block = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    const msg = encodeMessage({ type: 'piece', index: 4, begin: 16384, block });
    const header = encodePieceHeader(4, 16384, block.length);
    expect(header.length).toBe(PIECE_HEADER_LENGTH);
    expect(msg).toEqual(concat([header, block]));
    expect(msg.buffer.byteLength).toBe(PIECE_HEADER_LENGTH + 300);
  });

  it.each([
    { type: 'have', index: -1 },
    { type: 'have', index: 2 ** 32 },
    { type: 'have', index: 1.5 },
    { type: 'have', index: Number.NaN },
    { type: 'request', index: 0, begin: -1, length: 1 },
    { type: 'cancel', index: 0, begin: 0, length: 2 ** 32 },
    { type: 'piece', index: 2 ** 32, begin: 0, block: new Uint8Array(1) },
    { type: 'port', port: 65536 },
    { type: 'extended', id: 256, payload: new Uint8Array(0) },
    { type: 'extended', id: -1, payload: new Uint8Array(0) },
    { type: 'unknown', id: MESSAGE_ID.piece, payload: new Uint8Array(0) },
    { type: 'unknown', id: 300, payload: new Uint8Array(0) },
  ] satisfies WireMessage[])('refuses %o with a WireError', (msg) => {
    expect(() => encodeMessage(msg)).toThrow(WireError);
  });

  it('knows exactly the ids of MESSAGE_ID', () => {
    const known = Array.from({ length: 256 }, (_, id) => id).filter(isKnownMessageId);
    expect(known).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 14, 15, 16, 17, 20]);
  });
});

import { describe, expect, it } from 'vitest';
import { WireError } from '../errors.ts';
import { LIMITS } from '../limits.ts';
import { decodeDontHave, encodeDontHave } from './lt-donthave.ts';
import {
  METADATA_PIECE,
  checkMetadataData,
  decodeUtMetadata,
  encodeUtMetadata,
  metadataPieceCount,
  metadataPieceLength,
  type UtMetadataMessage,
} from './ut-metadata.ts';

const b = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

describe('ut_metadata (BEP 9)', () => {
  it('encodes the examples of BEP 9', () => {
    expect(text(encodeUtMetadata({ type: 'request', piece: 0 }))).toBe('d8:msg_typei0e5:piecei0ee');
    expect(text(encodeUtMetadata({ type: 'reject', piece: 0 }))).toBe('d8:msg_typei2e5:piecei0ee');
    const data = new Uint8Array(3425).fill(0x78);
    expect(text(encodeUtMetadata({ type: 'data', piece: 0, totalSize: 3425, data }))).toBe(
      'd8:msg_typei1e5:piecei0e10:total_sizei3425ee' + 'x'.repeat(3425),
    );
  });

  it('round-trips each message type; data is a fresh copy', () => {
    const data = Uint8Array.from({ length: 100 }, (_, i) => i);
    const messages: UtMetadataMessage[] = [
      { type: 'request', piece: 3 },
      { type: 'reject', piece: 511 },
      { type: 'data', piece: 1, totalSize: METADATA_PIECE + 100, data },
    ];
    for (const msg of messages) {
      const payload = encodeUtMetadata(msg);
      const decoded = decodeUtMetadata(payload);
      payload.fill(0);
      expect(decoded).toEqual(msg);
    }
  });

  it('ends the dictionary at its first "ee", as WebTorrent parses it', () => {
    const data = new Uint8Array(METADATA_PIECE).fill(0x65); // "eeee…"
    const payload = encodeUtMetadata({ type: 'data', piece: 0, totalSize: 20000, data });
    const dictEnd = text(payload).indexOf('ee') + 2;
    expect(payload.subarray(dictEnd)).toEqual(data);
  });

  it('ignores an unknown msg_type (BEP 9), returning it as unknown', () => {
    expect(decodeUtMetadata(b('d8:msg_typei7e5:piecei0ee'))).toEqual({
      type: 'unknown',
      msgType: 7,
    });
    expect(decodeUtMetadata(b('d8:msg_typei7ee'))).toEqual({ type: 'unknown', msgType: 7 });
  });

  it.each([
    ['i1e', 'not a dictionary'],
    ['de', 'no msg_type'],
    ['d8:msg_type1:0e', 'msg_type not an integer'],
    ['d8:msg_typei0ee', 'no piece'],
    ['d8:msg_typei0e5:piece1:0e', 'piece not an integer'],
    ['d8:msg_typei0e5:piecei-1ee', 'negative piece'],
    ['d8:msg_typei0e5:piecei512ee', 'piece past maxMetadataSize'],
    ['d8:msg_typei0e5:piecei0eeX', 'bytes after a request'],
    ['d8:msg_typei2e5:piecei0eeX', 'bytes after a reject'],
    ['d8:msg_typei1e5:piecei0eexx', 'data without total_size'],
    ['d8:msg_typei1e5:piecei0e10:total_sizei3ee', 'data shorter than its piece'],
    ['d8:msg_typei1e5:piecei0e10:total_sizei3eexxxx', 'data longer than its piece'],
    ['d8:msg_typei1e5:piecei1e10:total_sizei3eexxx', 'a piece past total_size'],
    ['d8:msg_typei1e5:piecei0e10:total_sizei0ee', 'total_size 0'],
    ['d8:msg_typei1e5:piecei0e10:total_sizei8388609eex', 'total_size over the cap'],
    ['d8:msg_typei0e5:piecei0e', 'truncated'],
  ])('rejects %j (%s) with a WireError', (input) => {
    expect(() => decodeUtMetadata(b(input))).toThrow(WireError);
  });

  it('counts pieces and their lengths', () => {
    expect(metadataPieceCount(1)).toBe(1);
    expect(metadataPieceCount(METADATA_PIECE)).toBe(1);
    expect(metadataPieceCount(METADATA_PIECE + 1)).toBe(2);
    expect(metadataPieceCount(LIMITS.maxMetadataSize)).toBe(512);
    expect(metadataPieceLength(METADATA_PIECE + 1, 0)).toBe(METADATA_PIECE);
    expect(metadataPieceLength(METADATA_PIECE + 1, 1)).toBe(1);
    expect(() => metadataPieceLength(METADATA_PIECE + 1, 2)).toThrow(WireError);
    expect(() => metadataPieceCount(0)).toThrow(WireError);
    expect(() => metadataPieceCount(LIMITS.maxMetadataSize + 1)).toThrow(WireError);
  });

  it('checks a data message against the announced metadata_size', () => {
    const msg = { type: 'data', piece: 0, totalSize: 10, data: new Uint8Array(10) } as const;
    expect(() => checkMetadataData(msg, 10)).not.toThrow();
    expect(() => checkMetadataData(msg, 11)).toThrow(/announced metadata_size 11/);
    expect(() => checkMetadataData({ ...msg, data: new Uint8Array(9) })).toThrow(/not 10/);
  });

  it('refuses to encode a data message that does not fit its piece', () => {
    const data = new Uint8Array(METADATA_PIECE + 1);
    expect(() => encodeUtMetadata({ type: 'data', piece: 0, totalSize: 1 << 20, data })).toThrow(
      WireError,
    );
    expect(() => encodeUtMetadata({ type: 'request', piece: -1 })).toThrow(WireError);
  });
});

describe('lt_donthave', () => {
  it('is the piece index as 4 bytes big-endian', () => {
    expect(encodeDontHave(0x01020304)).toEqual(Uint8Array.of(1, 2, 3, 4));
    expect(decodeDontHave(Uint8Array.of(0xff, 0xff, 0xff, 0xff))).toBe(0xffffffff);
    expect(decodeDontHave(encodeDontHave(77))).toBe(77);
  });

  it('rejects any other payload length and indices that do not fit', () => {
    for (const n of [0, 3, 5, 8])
      expect(() => decodeDontHave(new Uint8Array(n))).toThrow(WireError);
    for (const i of [-1, 2 ** 32, 0.5]) expect(() => encodeDontHave(i)).toThrow(WireError);
  });
});

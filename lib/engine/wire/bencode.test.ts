import bencode from 'bencode';
import { describe, expect, it } from 'vitest';
import { WireError } from '../errors.ts';
import { decodeBencode, decodeBencodePrefix, encodeBencode, type BValue } from './bencode.ts';

const b = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('decodeBencode', () => {
  it('decodes integers, strings, lists and dictionaries', () => {
    expect(decodeBencode(b('i42e'), 't')).toBe(42);
    expect(decodeBencode(b('i-7e'), 't')).toBe(-7);
    expect(decodeBencode(b('i0e'), 't')).toBe(0);
    expect(decodeBencode(b('3:abc'), 't')).toEqual(b('abc'));
    expect(decodeBencode(b('0:'), 't')).toEqual(new Uint8Array(0));
    expect(decodeBencode(b('li1e1:xe'), 't')).toEqual([1, b('x')]);
    const dict = decodeBencode(b('d1:md11:ut_metadatai3ee1:v2:hie'), 't');
    expect(dict).toEqual(
      new Map<string, BValue>([
        ['m', new Map([['ut_metadata', 3]])],
        ['v', b('hi')],
      ]),
    );
  });

  it('keeps keys as binary strings and accepts keys out of order', () => {
    const dict = decodeBencode(
      Uint8Array.from([0x64, 0x31, 0x3a, 0xff, 0x69, 0x31, 0x65, 0x65]),
      't',
    );
    expect(dict).toEqual(new Map([['\xff', 1]]));
    expect(decodeBencode(b('d1:bi1e1:ai2ee'), 't')).toEqual(
      new Map([
        ['b', 1],
        ['a', 2],
      ]),
    );
  });

  it('returns where a value ends, for data that follows it', () => {
    expect(decodeBencodePrefix(b('d1:ai1eeTRAILER'), 't')).toEqual({
      value: new Map([['a', 1]]),
      end: 8,
    });
  });

  it.each([
    ['', 'empty input'],
    ['i01e', 'leading zero'],
    ['i-0e', 'negative zero'],
    ['i-e', 'minus alone'],
    ['ie', 'no digits'],
    ['i1', 'unterminated integer'],
    ['i12345678901234567e', 'too many digits'],
    ['i9007199254740993e', 'not a safe integer'],
    ['01:a', 'length with a leading zero'],
    ['5:abc', 'string past the end'],
    ['3abc', 'no colon'],
    ['-1:a', 'negative length'],
    ['l', 'unterminated list'],
    ['li1e', 'unterminated list after a value'],
    ['d1:a', 'key without a value'],
    ['di1ei2ee', 'integer key'],
    ['d1:ai1e1:ai2ee', 'duplicate key'],
    ['x', 'unknown type'],
    ['i1ei2e', 'trailing data'],
    ['d1:ai1eee', 'trailing end'],
  ])('rejects %j (%s) with a WireError', (input) => {
    expect(() => decodeBencode(b(input), 't')).toThrow(WireError);
  });

  it('caps nesting depth and the number of values', () => {
    expect(decodeBencode(b('llllllllee' + 'eeeeee'), 't', { maxDepth: 8 })).toBeTruthy();
    expect(() => decodeBencode(b('lllllllllee' + 'eeeeeee'), 't', { maxDepth: 8 })).toThrow(
      /deeper than 8/,
    );
    expect(() => decodeBencode(b('l' + 'i1e'.repeat(10) + 'e'), 't', { maxItems: 10 })).toThrow(
      /more than 10 values/,
    );
    expect(decodeBencode(b('l' + 'i1e'.repeat(9) + 'e'), 't', { maxItems: 10 })).toHaveLength(9);
    const deep = b('l'.repeat(100_000) + 'e'.repeat(100_000));
    expect(() => decodeBencode(deep, 't')).toThrow(WireError);
  });

  it('names what was being decoded', () => {
    expect(() => decodeBencode(b('x'), 'extended handshake')).toThrow(
      /^Peer wire: extended handshake: bencode: unexpected byte 0x78 at byte 0$/,
    );
  });
});

describe('encodeBencode', () => {
  it('sorts keys by bytes, skips undefined entries and writes strings as UTF-8', () => {
    const out = encodeBencode({
      v: 'é',
      m: new Map([
        ['ut_pex', 2],
        ['lt_donthave', 3],
      ]),
      p: undefined,
    });
    expect(text(out)).toBe('d1:md11:lt_donthavei3e6:ut_pexi2ee1:v2:ée');
  });

  it('writes what the bencode package writes', () => {
    const value = {
      m: { ut_metadata: 1, ut_pex: 2, lt_donthave: 3 },
      metadata_size: 31337,
      list: [1, -2, 'x', Uint8Array.of(0, 255)],
      yourip: Uint8Array.of(127, 0, 0, 1),
    };
    expect(encodeBencode(value)).toEqual(new Uint8Array(bencode.encode(value)));
  });

  it('round-trips through decodeBencode', () => {
    const bytes = encodeBencode({ a: [1, [2, new Map([['z', 'q']])]], b: 0 });
    expect(encodeBencode(decodeBencode(bytes, 't'))).toEqual(bytes);
  });

  it('refuses numbers bencode cannot carry and keys that are not binary', () => {
    expect(() => encodeBencode(1.5)).toThrow(WireError);
    expect(() => encodeBencode(2 ** 53)).toThrow(WireError);
    expect(() => encodeBencode({ 'ü€': 1 })).toThrow(WireError);
  });
});

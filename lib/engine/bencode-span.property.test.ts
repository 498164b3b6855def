import bencode from 'bencode';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { binaryString } from './bencode-keys.ts';
import { decodeTree, type BencodeTree } from './bencode-span.ts';
import { MetainfoError } from './errors.ts';
import { bencodeishBytes, onlyThrows, params } from './fixtures/property.ts';
import { encodeBencode, type BInput } from './wire/bencode.ts';

/** Property tests of the `.torrent` decoder: exact, strict, and only MetainfoError escapes. */

type Value = number | Uint8Array | Value[] | Map<string, Value>;

/** Bencode values; keys are binary strings, sometimes with a BOM or bytes not UTF-8. */
const value: fc.Arbitrary<Value> = fc.letrec<{ v: Value }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.maxSafeInteger(),
    fc.uint8Array({ maxLength: 24 }),
    fc.array(tie('v'), { maxLength: 5 }),
    fc
      .array(
        fc.tuple(
          fc.oneof(
            fc.string({ maxLength: 6 }),
            fc.constantFrom('info', '\xef\xbb\xbfinfo', '\xff', 'ff', 'é', '\xc3\xa9'),
          ),
          tie('v'),
        ),
        { maxLength: 5 },
      )
      .map((entries) => new Map(entries.map(([k, v]) => [latin1Key(k), v]))),
  ),
})).v;

/** A key's bytes as a binary string (UTF-16 units above 0xff become their UTF-8). */
function latin1Key(k: string): string {
  return [...k].every((c) => c.charCodeAt(0) <= 0xff)
    ? k
    : binaryString(new TextEncoder().encode(k), 0, new TextEncoder().encode(k).length);
}

/** Reads node `n` back into a Value. */
function read(tree: BencodeTree, n: number): Value {
  switch (tree.kind(n)) {
    case 'int':
      return tree.int(n)!;
    case 'bytes':
      return tree.bytesOf(n)!.slice();
    case 'list':
      return tree.children(n).map((c) => read(tree, c));
    default:
      return new Map([...tree.entries(n)].map(([k, v]) => [k, read(tree, v)]));
  }
}

/** What the bencode package (WebTorrent) reads a key as: text, or hex when not UTF-8. */
function theirKey(k: string): string {
  const bytes = Uint8Array.from(k, (c) => c.charCodeAt(0));
  const text = new TextDecoder().decode(bytes);
  return text.includes('\uFFFD') ? Buffer.from(bytes).toString('hex') : text;
}

/** Whether some dictionary in `v` has two keys that the bencode package reads the same. */
function ambiguous(v: Value): boolean {
  if (v instanceof Map) {
    const seen = new Set([...v.keys()].map(theirKey));
    return seen.size < v.size || [...v.values()].some(ambiguous);
  }
  return Array.isArray(v) && v.some(ambiguous);
}

describe('decodeTree: properties', () => {
  it('decodes what is encoded, value for value and byte for byte, unless keys read alike', () => {
    fc.assert(
      fc.property(value, (v) => {
        const bytes = encodeBencode(v as BInput);
        const err = onlyThrows(MetainfoError, () => {
          const { tree, end } = decodeTree(bytes);
          expect(end).toBe(bytes.length);
          expect(read(tree, 0)).toEqual(v);
          if (tree.kind(0) === 'dict' || tree.kind(0) === 'list') {
            expect(tree.span(0)).toEqual({ start: 0, end: bytes.length });
          }
        });
        // Refused exactly when two keys of one dictionary read as the same text elsewhere.
        expect(err !== undefined).toBe(ambiguous(v));
      }),
      params(300),
    );
  });

  it('never lets anything but MetainfoError out, whatever the bytes', () => {
    fc.assert(
      fc.property(bencodeishBytes(200), (bytes) => {
        onlyThrows(MetainfoError, () => decodeTree(bytes));
      }),
      params(2000),
    );
  });

  it('agrees with the bencode package on every dictionary it accepts', () => {
    fc.assert(
      fc.property(value, (v) => {
        fc.pre(v instanceof Map && !ambiguous(v));
        const bytes = encodeBencode(v as BInput);
        const theirs = bencode.decode(bytes) as Record<string, unknown>;
        const { tree } = decodeTree(bytes);
        // Same number of keys: nothing the other decoder would merge or drop.
        expect(Object.keys(theirs).length).toBe(tree.entries(0).size);
      }),
      params(200),
    );
  });
});

import { describe, expect, it } from 'vitest';
import { binaryString } from './bencode-keys.ts';
import { decodeTorrent, decodeTree, type ByteSpan } from './bencode-span.ts';
import { MetainfoError } from './errors.ts';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (b: Uint8Array): string => binaryString(b, 0, b.length);

const findInfoSpan = (file: Uint8Array): ByteSpan => {
  const { tree, info } = decodeTorrent(file);
  return tree.span(info);
};
const scanBencode = (input: Uint8Array, field?: string, maxDepth?: number) =>
  decodeTree(input, field, { maxDepth });

function errorOf(fn: () => unknown): MetainfoError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MetainfoError);
    return err as MetainfoError;
  }
  throw new Error('expected a MetainfoError');
}

describe('findInfoSpan', () => {
  it('returns the exact bytes of the info dictionary', () => {
    const file = bytes('d8:announce3:url4:infod4:name1:a6:lengthi1ee7:comment2:hie');
    const span = findInfoSpan(file);
    expect(text(file.subarray(span.start, span.end))).toBe('d4:name1:a6:lengthi1ee');
  });

  it('keeps keys in the order written and extra keys', () => {
    const info = 'd6:pieces0:4:name1:z5:x-foold1:ei-3eeee';
    const file = bytes(`d4:info${info}e`);
    const span = findInfoSpan(file);
    expect(text(file.subarray(span.start, span.end))).toBe(info);
  });

  it('is not fooled by "4:info" inside a string or a nested dictionary', () => {
    const file = bytes('d7:comment11:4:infodxyze5:outerd4:infod1:ai1eee4:infod1:bi2eee');
    const span = findInfoSpan(file);
    expect(text(file.subarray(span.start, span.end))).toBe('d1:bi2ee');
  });

  it('handles strings containing structural bytes', () => {
    const file = bytes('d4:infod6:pieces4:deil4:name1:eee');
    const span = findInfoSpan(file);
    expect(text(file.subarray(span.start, span.end))).toBe('d6:pieces4:deil4:name1:ee');
  });

  it('tolerates trailing whitespace but not trailing data', () => {
    expect(findInfoSpan(bytes('d4:infodee\r\n'))).toEqual({ start: 7, end: 9 });
    expect(errorOf(() => findInfoSpan(bytes('d4:infodeex'))).field).toBe('torrent');
  });

  it.each([
    ['missing info', 'd3:fooi1ee', 'info'],
    ['info not a dictionary', 'd4:infoli1eee', 'info'],
    ['info a string', 'd4:info3:abce', 'info'],
    ['top level a list', 'l4:infoe', 'torrent'],
    ['top level an integer', 'i3e', 'torrent'],
  ])('rejects %s', (_, input, field) => {
    expect(errorOf(() => findInfoSpan(bytes(input))).field).toBe(field);
  });
});

describe('decodeTree', () => {
  it('reports where the first value ends (ut_metadata: dictionary then raw data)', () => {
    const msg = bytes('d8:msg_typei1e5:piecei0eeRAWDATA');
    const scan = scanBencode(msg);
    expect(scan.end).toBe(msg.length - 'RAWDATA'.length);
    expect([...scan.tree.entries(0).keys()]).toEqual(['msg_type', 'piece']);
  });

  it('accepts every well-formed token', () => {
    for (const ok of ['i0e', 'i-12e', '0:', '3:abc', 'le', 'de', 'lli1eee', 'd1:ad1:bleee']) {
      expect(scanBencode(bytes(ok)).end).toBe(ok.length);
    }
  });

  it.each([
    ['empty input', ''],
    ['truncated string', 'd4:info5:abce'],
    ['truncated dictionary', 'd4:infod'],
    ['truncated integer', 'i12'],
    ['negative string length', 'd4:info-3:abce'],
    ['string length with a leading zero', '03:abc'],
    ['integer with a leading zero', 'i03e'],
    ['negative zero', 'i-0e'],
    ['integer without digits', 'ie'],
    ['integer with a plus sign', 'i+1e'],
    ['float', 'i1.5e'],
    ['huge integer', `i${'9'.repeat(30)}e`],
    ['huge string length', `${'9'.repeat(30)}:x`],
    ['non-string key', 'di1ei2ee'],
    ['key without value', 'd1:ae'],
    ['duplicate key', 'd1:ai1e1:ai2ee'],
    ['stray end', 'e'],
    ['unknown byte', 'x'],
    ['string without colon', '3abc'],
  ])('rejects %s', (_, input) => {
    expect(errorOf(() => scanBencode(bytes(input))).field).toBe('torrent');
  });

  it('rejects nesting beyond the limit without recursing', () => {
    const deep = bytes(`d4:info${'l'.repeat(200_000)}`);
    const err = errorOf(() => scanBencode(deep));
    expect(err.reason).toMatch(/nested deeper/);
    expect(scanBencode(bytes('lllleeee'), 'x', 4).end).toBe(8);
    expect(errorOf(() => scanBencode(bytes('llllleeeee'), 'x', 4)).field).toBe('x');
  });

  it('never reads past a string that claims more bytes than there are', () => {
    expect(errorOf(() => scanBencode(bytes('10:abc'))).reason).toMatch(/past the end/);
  });
});

describe('decodeTree: values', () => {
  it('reads integers, byte strings, lists and dictionaries with their spans', () => {
    const input = bytes('d1:ai-42e1:bl3:xyzi7ee1:cdee');
    const { tree } = decodeTree(input);
    const root = tree.entries(0);
    expect(tree.int(root.get('a'))).toBe(-42);
    const list = root.get('b')!;
    expect(tree.isList(list)).toBe(true);
    const [s, n] = tree.children(list);
    expect(text(tree.bytesOf(s)!)).toBe('xyz');
    expect(tree.int(n)).toBe(7);
    expect(tree.bytesOf(n)).toBeUndefined();
    const c = root.get('c')!;
    expect(tree.kind(c)).toBe('dict');
    expect(text(input.subarray(tree.span(c).start, tree.span(c).end))).toBe('de');
    expect(text(input.subarray(tree.span(list).start, tree.span(list).end))).toBe('l3:xyzi7ee');
  });

  it('finds `info` by its exact bytes: a BOM-prefixed key alone is not it', () => {
    const bom = Uint8Array.from('d7:\xef\xbb\xbfinfod1:ai1eee', (c) => c.charCodeAt(0));
    expect(errorOf(() => decodeTorrent(bom)).reason).toBe('missing');
  });
});

describe('decodeTree: keys that read as the same text', () => {
  const latin1 = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

  it('rejects a BOM-prefixed key next to the plain key (TextDecoder drops the BOM)', () => {
    // `\xEF\xBB\xBFinfo` sorts after `info`, and the other way round when listed first.
    for (const input of [
      'd4:infod1:ai1ee7:\xef\xbb\xbfinfod1:bi2eee',
      'd7:\xef\xbb\xbfinfod1:bi2ee4:infod1:ai1eee',
      'd4:infod4:name1:a7:\xef\xbb\xbfname1:bee',
    ]) {
      const err = errorOf(() => decodeTree(latin1(input)));
      expect(err.reason).toMatch(/two dictionary keys read as the same text "(info|name)"/);
    }
  });

  it('rejects a key that is not UTF-8 next to the hex the bencode package reads it as', () => {
    const err = errorOf(() => decodeTree(latin1('d1:\xffi1e2:ffi2ee')));
    expect(err.reason).toMatch(/same text/);
    // Binary keys of their own (v2 `piece layers`) are fine.
    const ok = decodeTree(latin1('d1:\xffi1e1:\xfei2e2:abi3ee'));
    expect(ok.tree.entries(0).size).toBe(3);
  });

  it('finds duplicates among keys out of order, and accepts keys out of order', () => {
    expect(errorOf(() => decodeTree(latin1('d1:bi1e1:ai1e1:ci1e1:bi2ee'))).reason).toMatch(
      /duplicate dictionary key at byte 19/,
    );
    expect([...decodeTree(latin1('d1:bi1e1:ai1e1:ci1ee')).tree.entries(0).keys()]).toEqual([
      'b',
      'a',
      'c',
    ]);
  });

  it('accepts distinct UTF-8 keys and a BOM key alone', () => {
    const ok = decodeTree(latin1('d7:\xef\xbb\xbfinfoi1e2:\xc3\xa9i2e2:\xc3\xaai3ee'));
    expect([...ok.tree.entries(0).keys()]).toEqual(['\xef\xbb\xbfinfo', '\xc3\xa9', '\xc3\xaa']);
  });
});

describe('decodeTree: bounded cost', () => {
  it('caps the values built, the items of one list and one dictionary', () => {
    const list = (n: number): Uint8Array => bytes(`l${'0:'.repeat(n)}e`);
    expect(decodeTree(list(10), 'x', { maxItems: 10 }).tree.children(0)).toHaveLength(10);
    expect(errorOf(() => decodeTree(list(11), 'x', { maxItems: 10 })).reason).toMatch(
      /more than 10 items in one list/,
    );
    const dict = bytes(
      `d${Array.from({ length: 11 }, (_, i) => `1:${'abcdefghijk'[i]}0:`).join('')}e`,
    );
    expect(errorOf(() => decodeTree(dict, 'x', { maxItems: 10 })).reason).toMatch(
      /more than 10 items in one dictionary/,
    );
    const nested = bytes(`l${'l0:0:e'.repeat(4)}e`);
    expect(decodeTree(nested, 'x', { maxValues: 13 }).tree.children(0)).toHaveLength(4);
    expect(errorOf(() => decodeTree(nested, 'x', { maxValues: 12 })).reason).toMatch(
      /more than 12 values/,
    );
  });
});

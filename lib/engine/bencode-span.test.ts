import { describe, expect, it } from 'vitest';
import { binaryString, findInfoSpan, scanBencode } from './bencode-span.ts';
import { MetainfoError } from './errors.ts';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (b: Uint8Array): string => binaryString(b, 0, b.length);

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

describe('scanBencode', () => {
  it('reports where the first value ends (ut_metadata: dictionary then raw data)', () => {
    const msg = bytes('d8:msg_typei1e5:piecei0eeRAWDATA');
    const scan = scanBencode(msg);
    expect(scan.end).toBe(msg.length - 'RAWDATA'.length);
    expect([...(scan.entries?.keys() ?? [])]).toEqual(['msg_type', 'piece']);
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

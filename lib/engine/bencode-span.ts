import { binaryString, compareSpans, isPlainKey, keyIdentity } from './bencode-keys.ts';
import { MetainfoError } from './errors.ts';
import { LIMITS } from './limits.ts';

/**
 * A strict, non-recursive bencode (BEP 3) decoder for `.torrent` files. One pass over the
 * bytes builds a compact tree of spans (typed arrays, no object per value): every value
 * knows where it lies in the input, so the infohash is the SHA-1 of the very bytes that
 * every field is then read from, and nothing is re-encoded.
 *
 * Untrusted input is bounded (limits.ts): nesting depth, total values, items in one list or
 * dictionary. Dictionary keys are compared as exact bytes, and two keys of one dictionary
 * that would decode to the same text (a leading UTF-8 BOM is dropped by TextDecoder, and the
 * `bencode` package WebTorrent uses turns keys that are not UTF-8 into hex) are an error:
 * otherwise the torrent could mean one thing to us and another to other clients.
 */

/** A half-open byte range `[start, end)`. */
export interface ByteSpan {
  readonly start: number;
  readonly end: number;
}

export type BencodeKind = 'int' | 'bytes' | 'list' | 'dict';

export interface BencodeLimits {
  readonly maxDepth?: number;
  readonly maxValues?: number;
  readonly maxItems?: number;
}

const INT = 0x69; // i
const LIST = 0x6c; // l
const DICT = 0x64; // d
const END = 0x65; // e
const COLON = 0x3a;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;
/** Integers beyond 64 bits and strings beyond 2^53 bytes are not bencode we can use. */
const MAX_INT_DIGITS = 19;
const MAX_LENGTH_DIGITS = 15;
const KINDS: readonly BencodeKind[] = ['int', 'bytes', 'list', 'dict'];
const K_INT = 0;
const K_BYTES = 1;
const K_LIST = 2;
const K_DICT = 3;

const isDigit = (b: number | undefined): boolean => b !== undefined && b >= ZERO && b <= NINE;

const textDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * The decoded tree. Nodes are numbered in document order (a dictionary's keys are nodes
 * too, each followed by its value); node 0 is the root.
 */
export class BencodeTree {
  constructor(
    readonly bytes: Uint8Array,
    private readonly kinds: Uint8Array,
    /** Byte strings: their data; integers: their digits; containers: the whole token. */
    private readonly starts: Int32Array,
    private readonly ends: Int32Array,
    /** The node just after this node's subtree. */
    private readonly afters: Int32Array,
  ) {}

  kind(node: number): BencodeKind {
    return KINDS[this.kinds[node]!]!;
  }

  /** The bytes a list or dictionary was read from, exactly as in the input. */
  span(node: number): ByteSpan {
    return { start: this.starts[node]!, end: this.ends[node]! };
  }

  /** A byte string's data (a view into the input), or undefined for other kinds. */
  bytesOf(node: number | undefined): Uint8Array | undefined {
    if (node === undefined || this.kinds[node] !== K_BYTES) return undefined;
    return this.bytes.subarray(this.starts[node], this.ends[node]);
  }

  /**
   * A byte string's UTF-8 text (bad sequences as U+FFFD, a BOM kept), or undefined when it
   * is longer than `maxBytes`. Short ASCII, most names, is read without a decoder.
   */
  text(node: number, maxBytes: number): string | undefined {
    const start = this.starts[node]!;
    const end = this.ends[node]!;
    if (end - start > maxBytes) return undefined;
    if (end - start <= 32) {
      let ascii = true;
      for (let i = start; i < end && ascii; i++) ascii = this.bytes[i]! < 0x80;
      if (ascii) return binaryString(this.bytes, start, end);
    }
    return textDecoder.decode(this.bytes.subarray(start, end));
  }

  /** An integer's value (beyond 2^53 it is not a safe integer), or undefined. */
  int(node: number | undefined): number | undefined {
    if (node === undefined || this.kinds[node] !== K_INT) return undefined;
    let i = this.starts[node]!;
    const end = this.ends[node]!;
    const negative = this.bytes[i] === MINUS;
    if (negative) i++;
    let n = 0;
    for (; i < end; i++) n = n * 10 + (this.bytes[i]! - ZERO);
    return negative ? -n : n;
  }

  isList(node: number | undefined): node is number {
    return node !== undefined && this.kinds[node] === K_LIST;
  }

  isDict(node: number | undefined): node is number {
    return node !== undefined && this.kinds[node] === K_DICT;
  }

  /** A list's items, or a dictionary's keys and values alternating. */
  children(node: number): number[] {
    const out: number[] = [];
    const after = this.afters[node]!;
    for (let c = node + 1; c < after; c = this.afters[c]!) out.push(c);
    return out;
  }

  /** The value of `key` (a binary string) in dictionary `node`: the first key of those bytes. */
  get(node: number, key: string): number | undefined {
    const after = this.afters[node]!;
    const { bytes, starts, ends, afters } = this;
    for (let k = node + 1; k < after; k = afters[afters[k]!]!) {
      const start = starts[k]!;
      if (ends[k]! - start !== key.length) continue;
      let i = 0;
      while (i < key.length && bytes[start + i] === key.charCodeAt(i)) i++;
      if (i === key.length) return afters[k];
    }
    return undefined;
  }

  /** A dictionary's entries in the order written, by key (a binary string of its bytes). */
  entries(node: number): Map<string, number> {
    const out = new Map<string, number>();
    const after = this.afters[node]!;
    for (let key = node + 1; key < after;) {
      const value = this.afters[key]!;
      out.set(binaryString(this.bytes, this.starts[key]!, this.ends[key]!), value);
      key = this.afters[value]!;
    }
    return out;
  }
}

interface Frame {
  readonly node: number;
  readonly dict: boolean;
  items: number;
  /** Dictionaries: whether the next token is a key. */
  expectKey: boolean;
  /**
   * Dictionaries whose keys so far are plain and in byte order (BEP 3 wants them sorted):
   * the last key's node; no two can read the same. Else -1, and `keys` maps the identity
   * of every key seen to its bytes.
   */
  lastKey: number;
  keys: Map<string, string> | null;
}

/**
 * Decodes the first bencoded value of `bytes`; returns the tree and the offset just past
 * that value (callers decide what may follow). Throws MetainfoError naming `field` on
 * anything malformed or over a limit.
 */
export function decodeTree(
  bytes: Uint8Array,
  field = 'torrent',
  limits: BencodeLimits = {},
): { tree: BencodeTree; end: number } {
  const maxDepth = limits.maxDepth ?? LIMITS.maxBencodeDepth;
  const maxValues = limits.maxValues ?? LIMITS.maxBencodeValues;
  const maxItems = limits.maxItems ?? LIMITS.maxBencodeItems;
  const fail = (reason: string, at: number): never => {
    throw new MetainfoError(field, `${reason} at byte ${at}`);
  };

  let capacity = Math.min(maxValues, 1024);
  let kinds = new Uint8Array(capacity);
  let starts = new Int32Array(capacity);
  let ends = new Int32Array(capacity);
  let afters = new Int32Array(capacity);
  let count = 0;
  const add = (kind: number, start: number, end: number, at: number): number => {
    if (count >= maxValues) fail(`more than ${maxValues} values`, at);
    if (count === capacity) {
      capacity = Math.min(maxValues, capacity * 2);
      const grow = <T extends Uint8Array | Int32Array>(a: T, b: T): T => (b.set(a), b);
      kinds = grow(kinds, new Uint8Array(capacity));
      starts = grow(starts, new Int32Array(capacity));
      ends = grow(ends, new Int32Array(capacity));
      afters = grow(afters, new Int32Array(capacity));
    }
    kinds[count] = kind;
    starts[count] = start;
    ends[count] = end;
    afters[count] = count + 1;
    return count++;
  };

  /** Reads `<length>:<bytes>` at `pos`; returns [dataStart, dataEnd]. */
  const readString = (pos: number): [number, number] => {
    let i = pos;
    let length = 0;
    while (isDigit(bytes[i])) {
      if (i - pos >= MAX_LENGTH_DIGITS) fail('string length too large', pos);
      length = length * 10 + (bytes[i]! - ZERO);
      i++;
    }
    if (i === pos) fail('expected a string length', pos);
    if (i >= bytes.length) fail('unexpected end of data', i);
    if (bytes[i] !== COLON) fail('expected ":" after a string length', i);
    if (bytes[pos] === ZERO && i - pos > 1) fail('string length has a leading zero', pos);
    const start = i + 1;
    if (length > bytes.length - start) fail('string runs past the end of data', pos);
    return [start, start + length];
  };

  /** Reads `i<digits>e` at `pos`; returns the offset of its `e`. */
  const readInteger = (pos: number): number => {
    let i = pos + 1;
    if (bytes[i] === MINUS) i++;
    const digitsStart = i;
    while (isDigit(bytes[i])) {
      if (i - digitsStart >= MAX_INT_DIGITS) fail('integer out of range', pos);
      i++;
    }
    if (i >= bytes.length) fail('unexpected end of data', i);
    if (i === digitsStart) fail('integer has no digits', pos);
    if (bytes[i] !== END) fail('expected "e" after an integer', i);
    if (bytes[digitsStart] === ZERO && (i - digitsStart > 1 || digitsStart > pos + 1)) {
      fail('integer has a leading zero or is negative zero', pos);
    }
    return i;
  };

  const stack: Frame[] = [];
  let pos = 0;
  /** A list item or a dictionary key starts at `pos`: its parent counts it. */
  const counted = (): void => {
    const parent = stack[stack.length - 1];
    if (!parent || (parent.dict && !parent.expectKey)) return;
    if (++parent.items > maxItems) {
      fail(`more than ${maxItems} items in one ${parent.dict ? 'dictionary' : 'list'}`, pos);
    }
  };
  /** A value ended: its parent dictionary (if any) now expects a key. */
  const valueDone = (): void => {
    const parent = stack[stack.length - 1];
    if (parent?.dict) parent.expectKey = true;
  };

  do {
    if (pos >= bytes.length) fail('unexpected end of data', pos);
    const byte = bytes[pos]!;
    const frame = stack[stack.length - 1];

    if (frame && byte === END) {
      if (frame.dict && !frame.expectKey) fail('dictionary key has no value', pos);
      stack.pop();
      pos++;
      ends[frame.node] = pos;
      afters[frame.node] = count;
      valueDone();
      continue;
    }

    if (frame?.dict && frame.expectKey) {
      if (!isDigit(byte)) fail('dictionary key is not a byte string', pos);
      counted();
      const [start, end] = readString(pos);
      const key = add(K_BYTES, start, end, pos);
      if (!frame.keys) {
        const last = frame.lastKey;
        const inOrder = last < 0 || compareSpans(bytes, starts[last]!, ends[last]!, start, end) < 0;
        if (inOrder && isPlainKey(bytes, start, end)) {
          frame.lastKey = key;
          frame.expectKey = false;
          pos = end;
          continue;
        }
        frame.keys = new Map();
        for (let k = frame.node + 1; k < key; k = afters[afters[k]!]!) {
          const raw = binaryString(bytes, starts[k]!, ends[k]!);
          frame.keys.set(keyIdentity(bytes, starts[k]!, ends[k]!, raw), raw);
        }
      }
      const raw = binaryString(bytes, start, end);
      const identity = keyIdentity(bytes, start, end, raw);
      const earlier = frame.keys.get(identity);
      if (earlier === raw) fail('duplicate dictionary key', pos);
      if (earlier !== undefined) {
        const text = new TextDecoder().decode(bytes.subarray(start, end));
        fail(`two dictionary keys read as the same text ${JSON.stringify(text)}`, pos);
      }
      frame.keys.set(identity, raw);
      frame.expectKey = false;
      pos = end;
      continue;
    }

    counted();
    if (byte === LIST || byte === DICT) {
      if (stack.length >= maxDepth) fail(`nested deeper than ${maxDepth} levels`, pos);
      const dict = byte === DICT;
      const node = add(dict ? K_DICT : K_LIST, pos, pos, pos);
      stack.push({ node, dict, items: 0, expectKey: dict, lastKey: -1, keys: null });
      pos++;
      continue;
    }

    if (byte === INT) {
      const e = readInteger(pos);
      add(K_INT, pos + 1, e, pos);
      pos = e + 1;
    } else if (isDigit(byte)) {
      const [start, end] = readString(pos);
      add(K_BYTES, start, end, pos);
      pos = end;
    } else fail(`unexpected byte 0x${byte.toString(16).padStart(2, '0')}`, pos);
    valueDone();
  } while (stack.length > 0);

  const trim = <T extends Uint8Array | Int32Array>(a: T): T => a.subarray(0, count) as T;
  return {
    tree: new BencodeTree(bytes, trim(kinds), trim(starts), trim(ends), trim(afters)),
    end: pos,
  };
}

const isWhitespace = (b: number): boolean => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

/**
 * A `.torrent` file decoded: the whole file must be one well-formed bencoded dictionary
 * (trailing whitespace is tolerated) with an `info` dictionary (its key exactly `info`).
 */
export function decodeTorrent(bytes: Uint8Array): { tree: BencodeTree; info: number } {
  const { tree, end } = decodeTree(bytes);
  if (!tree.isDict(0)) throw new MetainfoError('torrent', 'not a dictionary');
  for (let i = end; i < bytes.length; i++) {
    if (!isWhitespace(bytes[i]!)) {
      throw new MetainfoError('torrent', `unexpected data after the end at byte ${i}`);
    }
  }
  const info = tree.get(0, 'info');
  if (info === undefined) throw new MetainfoError('info', 'missing');
  if (!tree.isDict(info)) throw new MetainfoError('info', 'not a dictionary');
  return { tree, info };
}

import { WireError } from '../errors.ts';
import { LIMITS } from '../limits.ts';

/**
 * A small strict bencode (BEP 3) decoder and encoder for the little dictionaries peers send
 * (BEP 10 extended handshake, BEP 9 ut_metadata headers). The input is untrusted: nesting
 * and the number of values are capped, integers must be safe integers, and anything
 * malformed throws WireError and nothing else.
 *
 * Strict: no leading zeros, no `-0`, no duplicate keys, keys must be byte strings. Keys
 * out of order are accepted (some clients send them so; nothing here hashes these bytes).
 */

/** Byte strings are views into the input; dictionary keys are binary strings (a char a byte). */
export type BValue = number | Uint8Array | readonly BValue[] | BDict;
export type BDict = ReadonlyMap<string, BValue>;

/** What `encodeBencode` takes: strings are written as UTF-8, keys as binary strings. */
export type BInput =
  | number
  | string
  | Uint8Array
  | readonly BInput[]
  | ReadonlyMap<string, BInput>
  | { readonly [key: string]: BInput | undefined };

export interface BencodeLimits {
  readonly maxDepth?: number;
  readonly maxItems?: number;
}

const INT = 0x69; // i
const LIST = 0x6c; // l
const DICT = 0x64; // d
const END = 0x65; // e
const COLON = 0x3a;
const MINUS = 0x2d;
const ZERO = 0x30;
const isDigit = (b: number | undefined): boolean => b !== undefined && b >= 0x30 && b <= 0x39;
/** Longer than this cannot be a safe integer or a length that fits in a wire message. */
const MAX_DIGITS = 16;

export function isDict(value: BValue | undefined): value is BDict {
  return value instanceof Map;
}

/** `bytes[start, end)` as a binary string. Callers keep `end - start` small (a key). */
function binary(bytes: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

/**
 * Decodes the bencoded value at the start of `bytes` and returns it with the offset just
 * past it (what follows is the caller's business: BEP 9 data follows its dictionary).
 */
export function decodeBencodePrefix(
  bytes: Uint8Array,
  what: string,
  limits: BencodeLimits = {},
): { value: BValue; end: number } {
  const maxDepth = limits.maxDepth ?? LIMITS.maxWireBencodeDepth;
  const maxItems = limits.maxItems ?? LIMITS.maxWireBencodeItems;
  let pos = 0;
  let items = 0;
  const fail = (reason: string, at = pos): never => {
    throw new WireError(what, `bencode: ${reason} at byte ${at}`);
  };

  /** Digits at `pos` up to the byte `stop`; returns their value. */
  const digits = (stop: number, allowMinus: boolean): number => {
    const start = pos;
    const negative = allowMinus && bytes[pos] === MINUS;
    if (negative) pos++;
    const first = pos;
    while (isDigit(bytes[pos])) {
      if (pos - first >= MAX_DIGITS) fail('number too long', start);
      pos++;
    }
    if (pos === first) fail('expected digits', start);
    if (bytes[first] === ZERO && (pos - first > 1 || negative)) {
      fail('leading zero or negative zero', start);
    }
    if (pos >= bytes.length) fail('unexpected end of data');
    if (bytes[pos] !== stop) fail(`expected "${String.fromCharCode(stop)}"`);
    let n = 0;
    for (let i = first; i < pos; i++) n = n * 10 + (bytes[i]! - ZERO);
    pos++;
    if (!Number.isSafeInteger(n)) fail('integer out of range', start);
    return negative ? -n : n;
  };

  const string = (): Uint8Array => {
    const length = digits(COLON, false);
    if (length > bytes.length - pos) fail('string runs past the end of data');
    const out = bytes.subarray(pos, pos + length);
    pos += length;
    return out;
  };

  const value = (depth: number): BValue => {
    if (++items > maxItems) fail(`more than ${maxItems} values`);
    const byte = bytes[pos];
    if (byte === undefined) return fail('unexpected end of data');
    if (byte === INT) {
      pos++;
      return digits(END, true);
    }
    if (isDigit(byte)) return string();
    if (byte !== LIST && byte !== DICT) {
      return fail(`unexpected byte 0x${byte.toString(16).padStart(2, '0')}`);
    }
    if (depth >= maxDepth) fail(`nested deeper than ${maxDepth} levels`);
    pos++;
    if (byte === LIST) {
      const list: BValue[] = [];
      while (bytes[pos] !== END) {
        if (pos >= bytes.length) fail('unexpected end of data');
        list.push(value(depth + 1));
      }
      pos++;
      return list;
    }
    const dict = new Map<string, BValue>();
    while (bytes[pos] !== END) {
      if (pos >= bytes.length) fail('unexpected end of data');
      if (!isDigit(bytes[pos])) fail('dictionary key is not a byte string');
      const keyAt = pos;
      if (++items > maxItems) fail(`more than ${maxItems} values`);
      const raw = string();
      const key = binary(raw, 0, raw.length);
      if (dict.has(key)) fail('duplicate dictionary key', keyAt);
      dict.set(key, value(depth + 1));
    }
    pos++;
    return dict;
  };

  return { value: value(0), end: pos };
}

/** Decodes `bytes`, which must hold exactly one bencoded value. */
export function decodeBencode(bytes: Uint8Array, what: string, limits?: BencodeLimits): BValue {
  const { value, end } = decodeBencodePrefix(bytes, what, limits);
  if (end !== bytes.length) {
    throw new WireError(what, `bencode: unexpected data after the end at byte ${end}`);
  }
  return value;
}

const utf8 = new TextEncoder();
const ascii = (text: string): number[] => Array.from(text, (c) => c.charCodeAt(0));

function keyBytes(key: string): Uint8Array {
  const out = new Uint8Array(key.length);
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c > 0xff) throw new WireError('bencode', `key ${JSON.stringify(key)} is not binary`);
    out[i] = c;
  }
  return out;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length && i < b.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Bencodes `value`; dictionary keys are sorted by their bytes, `undefined` entries skipped. */
export function encodeBencode(value: BInput): Uint8Array {
  const parts: (Uint8Array | number[])[] = [];
  const bytesOf = (b: Uint8Array): void => {
    parts.push(ascii(`${b.length}:`), b);
  };
  const walk = (v: BInput): void => {
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v)) throw new WireError('bencode', `not a safe integer: ${v}`);
      parts.push(ascii(`i${v}e`));
    } else if (typeof v === 'string') {
      bytesOf(utf8.encode(v));
    } else if (v instanceof Uint8Array) {
      bytesOf(v);
    } else if (Array.isArray(v)) {
      parts.push([LIST]);
      (v as readonly BInput[]).forEach(walk);
      parts.push([END]);
    } else {
      const entries: [string, BInput | undefined][] =
        v instanceof Map ? [...(v as ReadonlyMap<string, BInput>)] : Object.entries(v);
      const keyed = entries
        .filter((e): e is [string, BInput] => e[1] !== undefined)
        .map(([k, item]) => [keyBytes(k), item] as const)
        .sort((a, b) => compareBytes(a[0], b[0]));
      parts.push([DICT]);
      for (const [k, item] of keyed) {
        bytesOf(k);
        walk(item);
      }
      parts.push([END]);
    }
  };
  walk(value);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

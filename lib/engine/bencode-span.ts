import { MetainfoError } from './errors.ts';
import { LIMITS } from './limits.ts';

/**
 * A strict, non-recursive walk over bencode tokens (BEP 3) that decodes nothing: it checks
 * that the input is well formed and reports where values lie. It runs before any decoder
 * sees untrusted bytes, so the decoder never meets a negative string length, a runaway
 * nesting depth or a truncated value.
 *
 * The infohash is the SHA-1 of the `info` value's bytes exactly as they appear in the
 * file, so `findInfoSpan` gives those bytes' position rather than anything re-encoded.
 */

/** A half-open byte range `[start, end)`. */
export interface ByteSpan {
  readonly start: number;
  readonly end: number;
}

export interface BencodeScan {
  /** Offset just past the first complete value; callers decide what may follow. */
  readonly end: number;
  /**
   * When that value is a dictionary: the span of each of its values, by key (the key's
   * bytes as a binary string, one char per byte). Otherwise null.
   */
  readonly entries: ReadonlyMap<string, ByteSpan> | null;
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

interface Frame {
  readonly dict: boolean;
  /** Dictionaries: whether the next token is a key. */
  expectKey: boolean;
  /** Dictionaries: keys seen so far (duplicates are ambiguous, so rejected). */
  readonly keys: Set<string> | null;
  /** Dictionaries: the last key and where its value starts. */
  key: string;
  valueStart: number;
}

const isDigit = (b: number | undefined): boolean => b !== undefined && b >= ZERO && b <= NINE;

/** The bytes `[start, end)` as a binary string (one UTF-16 unit per byte). */
export function binaryString(bytes: Uint8Array, start: number, end: number): string {
  let out = '';
  for (let i = start; i < end; i += 0x2000) {
    out += String.fromCharCode(...bytes.subarray(i, Math.min(end, i + 0x2000)));
  }
  return out;
}

/**
 * Walks the first bencoded value of `bytes` and returns where it ends. Throws
 * MetainfoError (naming `field`) on anything malformed: truncation, a bad integer or
 * string length, a non-string key, a duplicate key, nesting beyond `maxDepth`.
 */
export function scanBencode(
  bytes: Uint8Array,
  field = 'torrent',
  maxDepth: number = LIMITS.maxBencodeDepth,
): BencodeScan {
  const fail = (reason: string, at: number): never => {
    throw new MetainfoError(field, `${reason} at byte ${at}`);
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

  /** Reads `i<digits>e` at `pos`; returns the offset after it. */
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
    return i + 1;
  };

  const stack: Frame[] = [];
  let entries: Map<string, ByteSpan> | null = null;
  let pos = 0;

  /** A value ended at `pos`: its parent dictionary (if any) now expects a key. */
  const valueDone = (): void => {
    const parent = stack[stack.length - 1];
    if (!parent?.dict) return;
    parent.expectKey = true;
    if (stack.length === 1 && entries) {
      entries.set(parent.key, { start: parent.valueStart, end: pos });
    }
  };

  do {
    if (pos >= bytes.length) fail('unexpected end of data', pos);
    const byte = bytes[pos]!;
    const frame = stack[stack.length - 1];

    if (frame && byte === END) {
      if (frame.dict && !frame.expectKey) fail('dictionary key has no value', pos);
      stack.pop();
      pos++;
      valueDone();
      continue;
    }

    if (frame?.dict && frame.expectKey) {
      if (!isDigit(byte)) fail('dictionary key is not a byte string', pos);
      const [start, end] = readString(pos);
      const key = binaryString(bytes, start, end);
      if (frame.keys?.has(key)) fail('duplicate dictionary key', pos);
      frame.keys?.add(key);
      frame.key = key;
      frame.expectKey = false;
      frame.valueStart = end;
      pos = end;
      continue;
    }

    if (byte === LIST || byte === DICT) {
      if (stack.length >= maxDepth) fail(`nested deeper than ${maxDepth} levels`, pos);
      const dict = byte === DICT;
      if (dict && stack.length === 0) entries = new Map();
      stack.push({ dict, expectKey: dict, keys: dict ? new Set() : null, key: '', valueStart: 0 });
      pos++;
      continue;
    }

    if (byte === INT) pos = readInteger(pos);
    else if (isDigit(byte)) pos = readString(pos)[1];
    else fail(`unexpected byte 0x${byte.toString(16).padStart(2, '0')}`, pos);
    valueDone();
  } while (stack.length > 0);

  return { end: pos, entries };
}

const isWhitespace = (b: number): boolean => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

/**
 * The exact bytes of the top-level `info` dictionary of a `.torrent` file. The whole
 * file must be one well-formed bencoded dictionary (trailing whitespace is tolerated).
 */
export function findInfoSpan(bytes: Uint8Array): ByteSpan {
  const { end, entries } = scanBencode(bytes);
  if (!entries) throw new MetainfoError('torrent', 'not a dictionary');
  for (let i = end; i < bytes.length; i++) {
    if (!isWhitespace(bytes[i]!)) {
      throw new MetainfoError('torrent', `unexpected data after the end at byte ${i}`);
    }
  }
  const info = entries.get('info');
  if (!info) throw new MetainfoError('info', 'missing');
  if (bytes[info.start] !== DICT) throw new MetainfoError('info', 'not a dictionary');
  return info;
}

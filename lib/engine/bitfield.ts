/**
 * A set of piece indices as BitTorrent sends it (BEP 3 `bitfield`): bit 7 of byte 0 is
 * piece 0, bit 6 of byte 0 is piece 1, and so on; spare bits at the end are zero.
 * The count of set bits is kept as bits change, so `count()` and `full()` cost nothing.
 */

/** Set bits in each byte value. */
const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + (POPCOUNT[i >> 1] ?? 0);

function popcount(bytes: Uint8Array): number {
  let n = 0;
  for (const b of bytes) n += POPCOUNT[b] ?? 0;
  return n;
}

/** Bytes needed for `length` bits. */
export function bitfieldByteLength(length: number): number {
  return Math.ceil(length / 8);
}

function checkLength(length: number): void {
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(`Invalid bitfield length: ${length}`);
  }
}

/** Mask of the bits of the last byte that are past `length` (0 when none). */
function spareMask(length: number): number {
  const used = length % 8;
  return used === 0 ? 0 : 0xff >> used;
}

export class Bitfield {
  /** Number of bits (pieces). */
  readonly length: number;
  private readonly bytes: Uint8Array;
  private setCount: number;

  /**
   * An empty bitfield of `length` bits, or one holding a copy of `bytes`, which must be
   * exactly ceil(length / 8) bytes with no spare bit set (else RangeError).
   */
  constructor(length: number, bytes?: Uint8Array) {
    checkLength(length);
    this.length = length;
    const byteLength = bitfieldByteLength(length);
    if (bytes === undefined) {
      this.bytes = new Uint8Array(byteLength);
      this.setCount = 0;
      return;
    }
    if (bytes.length !== byteLength) {
      throw new RangeError(
        `Bitfield of ${length} bits needs ${byteLength} bytes, got ${bytes.length}`,
      );
    }
    if (byteLength > 0 && ((bytes[byteLength - 1] ?? 0) & spareMask(length)) !== 0) {
      throw new RangeError('Bitfield has spare bits set past its length');
    }
    this.bytes = bytes.slice();
    this.setCount = popcount(this.bytes);
  }

  /** A bitfield from bytes received from a peer; RangeError on a wrong length or spare bits. */
  static fromBytes(length: number, bytes: Uint8Array): Bitfield {
    return new Bitfield(length, bytes);
  }

  /** A bitfield of `length` bits, all set (a seed's). */
  static allSet(length: number): Bitfield {
    const field = new Bitfield(length);
    field.fill(true);
    return field;
  }

  private check(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) {
      throw new RangeError(`Bit ${i} out of range 0..${this.length - 1}`);
    }
  }

  get(i: number): boolean {
    this.check(i);
    return ((this.bytes[i >> 3] ?? 0) & (0x80 >> (i & 7))) !== 0;
  }

  /** Sets bit `i` to `v`; returns whether it changed. */
  set(i: number, v = true): boolean {
    this.check(i);
    const index = i >> 3;
    const mask = 0x80 >> (i & 7);
    const before = this.bytes[index] ?? 0;
    const after = v ? before | mask : before & ~mask;
    if (after === before) return false;
    this.bytes[index] = after;
    this.setCount += v ? 1 : -1;
    return true;
  }

  /** Sets or clears every bit. */
  fill(v: boolean): void {
    this.bytes.fill(v ? 0xff : 0);
    const last = this.bytes.length - 1;
    if (v && last >= 0) this.bytes[last] = 0xff & ~spareMask(this.length);
    this.setCount = v ? this.length : 0;
  }

  /** Number of set bits. */
  count(): number {
    return this.setCount;
  }

  /** Whether every bit is set (true for a zero-length bitfield). */
  full(): boolean {
    return this.setCount === this.length;
  }

  /** Whether no bit is set. */
  empty(): boolean {
    return this.setCount === 0;
  }

  /** A copy of the bytes, as sent on the wire. */
  toBytes(): Uint8Array {
    return this.bytes.slice();
  }

  clone(): Bitfield {
    return new Bitfield(this.length, this.bytes);
  }

  /** First index ≥ `from` whose bit equals `v`, or -1. Skips whole bytes that cannot match. */
  private firstEqual(v: boolean, from: number): number {
    const skip = v ? 0 : 0xff;
    let i = Math.max(0, Math.ceil(from));
    while (i < this.length) {
      if ((i & 7) === 0 && this.bytes[i >> 3] === skip) {
        i += 8;
        continue;
      }
      if (this.get(i) === v) return i;
      i++;
    }
    return -1;
  }

  /** First set bit at or after `from`, or -1. */
  firstSet(from = 0): number {
    return this.firstEqual(true, from);
  }

  /** First unset bit at or after `from`, or -1. */
  firstUnset(from = 0): number {
    return this.firstEqual(false, from);
  }

  /** Indices of the set bits, ascending. */
  *setIndices(): IterableIterator<number> {
    for (let i = this.firstSet(0); i >= 0; i = this.firstSet(i + 1)) yield i;
  }

  /** Indices of the unset bits, ascending. */
  *unsetIndices(): IterableIterator<number> {
    for (let i = this.firstUnset(0); i >= 0; i = this.firstUnset(i + 1)) yield i;
  }

  /**
   * Whether this has a bit set that `other` lacks (a peer has a piece we miss: interest).
   * RangeError if the lengths differ.
   */
  hasAnyNotIn(other: Bitfield): boolean {
    if (other.length !== this.length) {
      throw new RangeError(`Bitfield lengths differ: ${this.length} and ${other.length}`);
    }
    for (let b = 0; b < this.bytes.length; b++) {
      if (((this.bytes[b] ?? 0) & ~(other.bytes[b] ?? 0)) !== 0) return true;
    }
    return false;
  }
}

import { describe, it, expect } from 'vitest';
import { Bitfield, bitfieldByteLength } from './bitfield.ts';

describe('Bitfield', () => {
  it('uses BitTorrent bit order: bit 7 of byte 0 is piece 0', () => {
    const b = new Bitfield(10);
    b.set(0);
    b.set(7);
    b.set(9);
    expect([...b.toBytes()]).toEqual([0b1000_0001, 0b0100_0000]);
    expect(b.get(0)).toBe(true);
    expect(b.get(1)).toBe(false);
    expect(b.get(9)).toBe(true);
  });

  it('reads bytes in the same order', () => {
    const b = Bitfield.fromBytes(12, Uint8Array.of(0b1010_0000, 0b0001_0000));
    expect([...b.setIndices()]).toEqual([0, 2, 11]);
    expect(b.count()).toBe(3);
  });

  it('keeps a running count through set and clear', () => {
    const b = new Bitfield(100);
    expect(b.count()).toBe(0);
    expect(b.empty()).toBe(true);
    expect(b.set(5)).toBe(true);
    expect(b.set(5)).toBe(false);
    expect(b.set(6, true)).toBe(true);
    expect(b.count()).toBe(2);
    expect(b.set(5, false)).toBe(true);
    expect(b.set(5, false)).toBe(false);
    expect(b.count()).toBe(1);
    expect(b.get(5)).toBe(false);
    expect(b.get(6)).toBe(true);
  });

  it('is full when every bit is set', () => {
    const b = new Bitfield(9);
    for (let i = 0; i < 9; i++) {
      expect(b.full()).toBe(false);
      b.set(i);
    }
    expect(b.full()).toBe(true);
    expect([...b.toBytes()]).toEqual([0xff, 0x80]);
  });

  it('fills and clears without touching spare bits', () => {
    const b = Bitfield.allSet(11);
    expect(b.count()).toBe(11);
    expect(b.full()).toBe(true);
    expect([...b.toBytes()]).toEqual([0xff, 0b1110_0000]);
    b.fill(false);
    expect(b.count()).toBe(0);
    expect([...b.toBytes()]).toEqual([0, 0]);
    const exact = Bitfield.allSet(16);
    expect([...exact.toBytes()]).toEqual([0xff, 0xff]);
  });

  it('handles zero length', () => {
    const b = new Bitfield(0);
    expect(b.count()).toBe(0);
    expect(b.full()).toBe(true);
    expect(b.toBytes().length).toBe(0);
    expect(b.firstUnset()).toBe(-1);
    expect(Bitfield.fromBytes(0, new Uint8Array(0)).length).toBe(0);
    expect(Bitfield.allSet(0).full()).toBe(true);
  });

  it('counts the bits of given bytes', () => {
    const bytes = Uint8Array.of(0xff, 0x0f, 0xf0, 0b1000_0000);
    expect(new Bitfield(25, bytes).count()).toBe(17);
  });

  it('copies bytes in and out', () => {
    const source = Uint8Array.of(0x80);
    const b = Bitfield.fromBytes(8, source);
    source[0] = 0xff;
    expect(b.count()).toBe(1);
    const out = b.toBytes();
    out[0] = 0;
    expect(b.get(0)).toBe(true);
  });

  it('rejects a wrong byte length', () => {
    expect(() => Bitfield.fromBytes(9, new Uint8Array(1))).toThrow(RangeError);
    expect(() => Bitfield.fromBytes(9, new Uint8Array(3))).toThrow(RangeError);
    expect(() => Bitfield.fromBytes(8, new Uint8Array(0))).toThrow(RangeError);
    expect(() => new Bitfield(8, new Uint8Array(2))).toThrow(RangeError);
  });

  it('rejects spare bits set at the end', () => {
    expect(() => Bitfield.fromBytes(9, Uint8Array.of(0, 0b0100_0000))).toThrow(RangeError);
    expect(() => Bitfield.fromBytes(9, Uint8Array.of(0, 0b0000_0001))).toThrow(RangeError);
    expect(() => Bitfield.fromBytes(15, Uint8Array.of(0, 0b0000_0001))).toThrow(RangeError);
    expect(Bitfield.fromBytes(9, Uint8Array.of(0, 0b1000_0000)).get(8)).toBe(true);
    expect(Bitfield.fromBytes(16, Uint8Array.of(0, 1)).get(15)).toBe(true);
  });

  it('rejects invalid lengths and indices', () => {
    expect(() => new Bitfield(-1)).toThrow(RangeError);
    expect(() => new Bitfield(1.5)).toThrow(RangeError);
    expect(() => new Bitfield(Number.NaN)).toThrow(RangeError);
    const b = new Bitfield(8);
    expect(() => b.get(8)).toThrow(RangeError);
    expect(() => b.get(-1)).toThrow(RangeError);
    expect(() => b.set(8)).toThrow(RangeError);
    expect(() => b.get(0.5)).toThrow(RangeError);
  });

  it('finds the first set and unset bits from a position', () => {
    const b = new Bitfield(40);
    for (let i = 0; i < 20; i++) b.set(i);
    b.set(25);
    expect(b.firstUnset()).toBe(20);
    expect(b.firstUnset(21)).toBe(21);
    expect(b.firstUnset(25)).toBe(26);
    expect(b.firstSet()).toBe(0);
    expect(b.firstSet(20)).toBe(25);
    expect(b.firstSet(26)).toBe(-1);
    expect(b.firstUnset(40)).toBe(-1);
    b.fill(true);
    expect(b.firstUnset()).toBe(-1);
    expect(b.firstUnset(-5)).toBe(-1);
  });

  it('iterates set and unset indices', () => {
    const b = new Bitfield(10);
    for (const i of [1, 3, 9]) b.set(i);
    expect([...b.setIndices()]).toEqual([1, 3, 9]);
    expect([...b.unsetIndices()]).toEqual([0, 2, 4, 5, 6, 7, 8]);
  });

  it('tells whether it has a bit another lacks', () => {
    const peer = new Bitfield(20);
    const mine = new Bitfield(20);
    expect(peer.hasAnyNotIn(mine)).toBe(false);
    peer.set(17);
    expect(peer.hasAnyNotIn(mine)).toBe(true);
    mine.set(17);
    expect(peer.hasAnyNotIn(mine)).toBe(false);
    mine.set(3);
    expect(peer.hasAnyNotIn(mine)).toBe(false);
    expect(() => peer.hasAnyNotIn(new Bitfield(21))).toThrow(RangeError);
  });

  it('clones independently', () => {
    const a = new Bitfield(10);
    a.set(4);
    const c = a.clone();
    c.set(5);
    expect(a.get(5)).toBe(false);
    expect(c.count()).toBe(2);
  });

  it('computes byte lengths', () => {
    expect(bitfieldByteLength(0)).toBe(0);
    expect(bitfieldByteLength(1)).toBe(1);
    expect(bitfieldByteLength(8)).toBe(1);
    expect(bitfieldByteLength(9)).toBe(2);
  });

  it('agrees with a plain boolean array under random operations', () => {
    let seed = 12345;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const length = 1003;
    const b = new Bitfield(length);
    const model: boolean[] = new Array<boolean>(length).fill(false);
    for (let step = 0; step < 20_000; step++) {
      const i = Math.floor(next() * length);
      const v = next() < 0.6;
      b.set(i, v);
      model[i] = v;
    }
    expect(b.count()).toBe(model.filter(Boolean).length);
    expect([...b.setIndices()]).toEqual(model.flatMap((v, i) => (v ? [i] : [])));
    expect(b.firstUnset()).toBe(model.indexOf(false));
    const round = Bitfield.fromBytes(length, b.toBytes());
    expect(round.count()).toBe(b.count());
  });

  it('counts a large bitfield fast', () => {
    const length = 4_194_304;
    const b = Bitfield.allSet(length);
    const start = performance.now();
    for (let i = 0; i < 1_000_000; i++) b.count();
    expect(performance.now() - start).toBeLessThan(200);
    expect(Bitfield.fromBytes(length, b.toBytes()).full()).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { mulberry32 } from './random.ts';
import { rarestFirst } from './rarest-first.ts';

/** Availability from a string, one digit per piece. */
const avail = (s: string) => Uint16Array.from(s, Number);
const all = () => true;
/** A random source under which the last of tied pieces wins. */
const zero = () => 0;

describe('rarestFirst', () => {
  it('picks the candidate fewest peers have, from `from` on', () => {
    expect(rarestFirst(avail('3213'), 0, all, zero)).toBe(2);
    expect(rarestFirst(avail('3213'), 0, (i) => i !== 2, zero)).toBe(1);
    expect(rarestFirst(avail('1323'), 1, all, zero)).toBe(2);
    expect(rarestFirst(avail('111'), 0, () => false, zero)).toBeNull();
  });

  it('breaks ties at random, each tie about as likely', () => {
    const random = mulberry32(7);
    const counts = [0, 0, 0, 0];
    for (let n = 0; n < 4000; n++) counts[rarestFirst(avail('2222'), 0, all, random)!]!++;
    for (const c of counts) expect(c).toBeGreaterThan(800);
  });
});

import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../tests/fixtures/fake-clock.ts';
import { TokenBucket } from './token-bucket.ts';

const KiB = 1024;

describe('TokenBucket', () => {
  it('no limit: nothing ever waits', () => {
    const b = new TokenBucket(new FakeClock(false));
    expect(b.limited).toBe(false);
    expect(b.take(100 * 1024 * 1024)).toBe(0);
    expect(b.pass(1)).toBeUndefined();
  });

  it('holds the rate over time: 100 KiB/s moves 1 MiB in about 10 s, whatever the block size', () => {
    for (const block of [1 * KiB, 16 * KiB, 64 * KiB]) {
      const clock = new FakeClock(false);
      const b = new TokenBucket(clock, 100 * KiB);
      let moved = 0;
      while (moved < 1024 * KiB) {
        clock.time += b.delay(); // wait as a caller would, then move one block
        b.take(block);
        moved += block;
      }
      // The first burst (a quarter second) comes free; the rest at 100 KiB/s.
      const expected = ((1024 - 25) * 1000) / 100;
      expect(clock.time, `${block} B blocks`).toBeGreaterThanOrEqual(expected - 700);
      expect(clock.time, `${block} B blocks`).toBeLessThanOrEqual(expected + 700);
    }
  });

  it('a block larger than the balance goes through and its debt delays what follows', () => {
    const clock = new FakeClock(false);
    const b = new TokenBucket(clock, 16 * KiB);
    expect(b.take(16 * KiB)).toBe(0);
    expect(b.take(32 * KiB)).toBe(2000);
    clock.time += 1000;
    expect(b.delay()).toBe(1000);
    clock.time += 1000;
    expect(b.delay()).toBe(0);
  });

  it('idle time refills only up to the burst', () => {
    const clock = new FakeClock(false);
    const b = new TokenBucket(clock, 64 * KiB);
    clock.time += 60_000;
    expect(b.take(16 * KiB)).toBe(0); // burst: 16 KiB (a quarter second)
    expect(b.take(16 * KiB)).toBe(250);
  });

  it('a changed rate applies at once; switching the limit off frees everything', () => {
    const clock = new FakeClock(false);
    const b = new TokenBucket(clock, 16 * KiB);
    b.take(16 * KiB);
    expect(b.take(16 * KiB)).toBe(1000);
    b.setRate(32 * KiB);
    expect(b.delay()).toBe(500);
    b.setRate(0);
    expect(b.delay()).toBe(0);
    expect(b.limited).toBe(false);
  });

  it('pass resolves once the bytes are paid for', async () => {
    const clock = new FakeClock(false);
    const b = new TokenBucket(clock, 16 * KiB);
    b.take(16 * KiB);
    let done = false;
    const p = b.pass(8 * KiB)!.then(() => (done = true));
    expect(clock.delays).toEqual([500]);
    await Promise.resolve();
    expect(done).toBe(false);
    clock.fireAll();
    await p;
    expect(done).toBe(true);
  });
});

// The web seed's bandwidth limit: one token bucket shared by every /seed/ response.
import { performance } from 'node:perf_hooks';
import { setTimeout, clearTimeout } from 'node:timers';
import { KiB } from './units.mjs';

/** A token bucket shared by all /seed/ responses; 0 = unlimited. Adjustable while running. */
export function createTokenBucket(initialRate) {
  let rate = initialRate;
  let tokens = 0;
  let last = performance.now();
  /** @type {Set<() => void>} */
  const sleepers = new Set();

  // About 50 ms of burst: enough to keep the pipe full, small enough for short tests.
  const capacity = () => Math.max(KiB, rate / 20);
  function refill() {
    const now = performance.now();
    tokens = Math.min(capacity(), tokens + ((now - last) / 1000) * rate);
    last = now;
  }
  /** @param {number} ms */
  function sleep(ms) {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        sleepers.delete(wake);
        resolve(undefined);
      };
      const timer = setTimeout(wake, ms);
      sleepers.add(wake);
    });
  }
  const wakeAll = () => [...sleepers].forEach((wake) => wake());

  return {
    get limited() {
      return rate > 0;
    },
    /** Bytes per second; 0 = unlimited. */
    get rate() {
      return rate;
    },
    /** Slices small enough that a low rate still moves data smoothly. */
    sliceSize() {
      return rate > 0 ? Math.min(64 * KiB, Math.max(KiB, Math.floor(rate / 20))) : 64 * KiB;
    },
    /** @param {number} bytesPerSecond */
    setRate(bytesPerSecond) {
      refill();
      rate = Math.max(0, Number(bytesPerSecond) || 0);
      tokens = Math.min(tokens, capacity());
      wakeAll();
    },
    /** @param {number} n */
    async take(n) {
      while (rate > 0) {
        refill();
        // A slice larger than the bucket (the rate just dropped) goes into debt instead of waiting for ever.
        if (tokens >= Math.min(n, capacity())) {
          tokens -= n;
          return;
        }
        await sleep(((Math.min(n, capacity()) - tokens) / rate) * 1000);
      }
    },
    close: wakeAll,
  };
}

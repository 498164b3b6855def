/**
 * Bytes per second over the last few seconds, on the injected clock: a ring of one-second
 * buckets, so a rate falls to zero a few seconds after the bytes stop.
 */
import type { Clock } from './deps.ts';

const BUCKET_MS = 1000;
const BUCKETS = 5;

export class RateMeter {
  private readonly buckets = new Float64Array(BUCKETS);
  /** Index (time ÷ bucket) of the newest bucket. */
  private head = -1;
  private start = 0;
  total = 0;

  constructor(private readonly clock: Pick<Clock, 'now'>) {}

  add(n: number): void {
    this.roll();
    this.buckets[this.head % BUCKETS]! += n;
    this.total += n;
  }

  /** Bytes per second over the window (at most the last 4–5 s; since the first bytes, at least 1 s). */
  rate(): number {
    if (this.head < 0) return 0;
    this.roll();
    let sum = 0;
    for (const b of this.buckets) sum += b;
    const now = this.clock.now();
    const window = (BUCKETS - 1) * BUCKET_MS + (now % BUCKET_MS);
    const span = Math.max(BUCKET_MS, Math.min(window, now - this.start));
    return Math.round((sum * 1000) / span);
  }

  private roll(): void {
    const ms = this.clock.now();
    const now = Math.floor(ms / BUCKET_MS);
    if (this.head < 0) {
      this.head = now;
      this.start = ms;
    }
    if (now <= this.head) return;
    const steps = Math.min(BUCKETS, now - this.head);
    for (let k = 1; k <= steps; k++) this.buckets[(this.head + k) % BUCKETS] = 0;
    this.head = now;
  }
}

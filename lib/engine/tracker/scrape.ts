/** Callers waiting for one scrape response, which they share, with a timeout. */
import type { Clock } from '../deps.ts';
import type { TrackerError } from '../errors.ts';
import type { ScrapeCounts } from './messages.ts';

/** A scrape with no answer after this long fails (bittorrent-tracker's request timeout). */
export const SCRAPE_TIMEOUT_MS = 15_000;

export class ScrapeWaiters {
  private waiting: { resolve(c: ScrapeCounts): void; reject(e: TrackerError): void }[] = [];
  private timer: unknown;

  constructor(
    private readonly clock: Clock,
    /** Called when the request times out (the owner settles, and cleans up). */
    private readonly onTimeout: () => void,
    private readonly timeoutMs = SCRAPE_TIMEOUT_MS,
  ) {}

  get size(): number {
    return this.waiting.length;
  }

  /** A promise for the next result; `first` when no request is in flight (send one). */
  wait(): { promise: Promise<ScrapeCounts>; first: boolean } {
    const first = this.waiting.length === 0;
    const promise = new Promise<ScrapeCounts>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
    });
    if (first) {
      this.timer = this.clock.setTimeout(() => this.onTimeout(), this.timeoutMs);
    }
    return { promise, first };
  }

  /** Settles every waiter; false if there were none. */
  settle(result: ScrapeCounts | TrackerError): boolean {
    if (this.waiting.length === 0) return false;
    this.clock.clearTimeout(this.timer);
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) {
      if (result instanceof Error) w.reject(result);
      else w.resolve({ ...result });
    }
    return true;
  }
}

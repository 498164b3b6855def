/**
 * Speed limits: a token bucket per direction, shared by every torrent of a client (the
 * options page's global download and upload limits). Bytes are spent as they move; the
 * balance may go below zero (a block is never split), and the debt delays what follows,
 * so over any stretch longer than the burst the rate holds. Clock injected.
 */
import type { Clock } from './deps.ts';

/** At least a quarter of a second of bytes, and never less than one 16 KiB block. */
const BURST_SECONDS = 0.25;
const MIN_BURST = 16 * 1024;

export class TokenBucket {
  private rate = 0;
  private tokens = 0;
  private at: number;

  constructor(
    private readonly clock: Clock,
    bytesPerSecond = 0,
  ) {
    this.at = clock.now();
    this.setRate(bytesPerSecond);
  }

  /** Bytes per second; 0: no limit. Takes effect at once. */
  setRate(bytesPerSecond: number): void {
    this.refill();
    const was = this.rate;
    this.rate = Number.isFinite(bytesPerSecond) && bytesPerSecond > 0 ? bytesPerSecond : 0;
    // A limit switched on starts with a full burst, not with a debt of what moved unlimited.
    if (was === 0 && this.rate > 0) this.tokens = this.burst;
    this.tokens = Math.min(this.tokens, this.burst);
  }

  get limited(): boolean {
    return this.rate > 0;
  }

  private get burst(): number {
    return Math.max(this.rate * BURST_SECONDS, MIN_BURST);
  }

  private refill(): void {
    const now = this.clock.now();
    if (this.rate > 0) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) * this.rate) / 1000);
    }
    this.at = now;
  }

  /** Milliseconds until the balance is back at zero (0: bytes may move now). */
  delay(): number {
    if (!this.limited) return 0;
    this.refill();
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.rate);
  }

  /** Spends `n` bytes that moved; returns delay() after them. */
  take(n: number): number {
    if (!this.limited) return 0;
    this.refill();
    this.tokens -= n;
    return this.delay();
  }

  /** Spends `n` bytes and resolves once they are paid for (undefined: at once). */
  pass(n: number): Promise<void> | undefined {
    const ms = this.take(n);
    if (ms <= 0) return undefined;
    return new Promise((resolve) => this.clock.setTimeout(resolve, ms));
  }
}

/** The client's two limits. */
export interface RateLimits {
  download: TokenBucket;
  upload: TokenBucket;
}

/** One caller's wait for a bucket (a peer's requests, its uploads): one timer at most. */
export class LimitGate {
  private timer: unknown = null;

  constructor(
    private readonly clock: Clock,
    private readonly bucket: () => TokenBucket | undefined,
  ) {}

  /** True when the caller must wait: `retry` is called once the bucket is out of debt. */
  blocked(retry: () => void): boolean {
    if (this.timer !== null) return true;
    const ms = this.bucket()?.delay() ?? 0;
    if (ms <= 0) return false;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      retry();
    }, ms);
    return true;
  }

  clear(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}

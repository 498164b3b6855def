/** One pending timer on an injected clock: each `set` replaces the last. */
import type { Clock } from '../deps.ts';

export class OneTimer<Tag = undefined> {
  private handle: unknown;
  private at: number | undefined;
  private tagged: Tag | undefined;

  constructor(private readonly clock: Clock) {}

  /** When it fires (clock time), or undefined if none is pending. */
  get dueAt(): number | undefined {
    return this.at;
  }

  /** The tag given to the pending timer's `set`. */
  get tag(): Tag | undefined {
    return this.tagged;
  }

  set(delayMs: number, fn: () => void, tag?: Tag): void {
    this.clear();
    this.at = this.clock.now() + delayMs;
    this.tagged = tag;
    this.handle = this.clock.setTimeout(() => {
      this.handle = this.at = this.tagged = undefined;
      fn();
    }, delayMs);
  }

  clear(): void {
    if (this.at === undefined) return;
    this.clock.clearTimeout(this.handle);
    this.handle = this.at = this.tagged = undefined;
  }
}

import type { Clock } from './deps.ts';

/**
 * Aborts a request that waits longer than `ms` for its response or for the next bytes of
 * its body. Only time spent waiting on the server counts (`reading`), not time the body
 * waits for pieces to be stored.
 */
export class IdleWatch {
  private readonly ctrl = new AbortController();
  private timer: unknown = null;
  fired = false;
  private readonly onAbort = () => this.ctrl.abort();

  constructor(
    private readonly clock: Clock,
    private readonly ms: number,
    private readonly outer: AbortSignal,
  ) {
    if (outer.aborted) this.ctrl.abort();
    outer.addEventListener('abort', this.onAbort);
    this.reading(true);
  }

  get signal(): AbortSignal {
    return this.ctrl.signal;
  }

  /** Waiting on the server (`true`) or not. */
  reading(on: boolean): void {
    this.clock.clearTimeout(this.timer);
    this.timer = null;
    if (!on || !Number.isFinite(this.ms)) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.fired = true;
      this.ctrl.abort();
    }, this.ms);
  }

  stop(): void {
    this.reading(false);
    this.outer.removeEventListener('abort', this.onAbort);
  }
}

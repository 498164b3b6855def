/**
 * The sources of one torrent: web seeds and wire peers behind one interface. Starts and
 * stops them together, wakes idle ones when work comes back, and says when every source
 * has failed.
 */
import { problemOf } from '../errors.ts';
import type { Source, SourceView } from './source.ts';

export interface SourceSetHooks {
  /** A source changed state (the torrent re-checks whether it can go on). */
  changed(source: Source): void;
  /** Bytes of piece data arrived from a source. */
  bytes(n: number, source: Source): void;
  /** Whether there is work nobody does (so idle sources are worth waking). */
  hasUnclaimedWork(): boolean;
}

export class SourceSet {
  private sources: Source[] = [];
  /** What the sources last said when they were stopped by a failure (shown to the user). */
  private lastViews: SourceView[] = [];

  constructor(private readonly hooks: SourceSetHooks) {}

  get size(): number {
    return this.sources.length;
  }

  list(): readonly Source[] {
    return this.sources;
  }

  add(source: Source, start: boolean): void {
    this.sources.push(source);
    source.on('state', () => {
      if (source.state === 'stopped') this.drop(source);
      this.hooks.changed(source);
    });
    source.on('released', () => this.wakeIdle());
    source.on('bytes', (n) => this.hooks.bytes(n, source));
    if (start) source.start();
  }

  private drop(source: Source): void {
    this.sources = this.sources.filter((s) => s !== source);
  }

  /** Every source failed (there is at least one). */
  allFailed(): boolean {
    return this.sources.length > 0 && this.sources.every((s) => s.state === 'failed');
  }

  failureReasons(): string {
    return this.sources.map((s) => s.error?.message ?? 'failed').join('; ');
  }

  /** Wakes idle sources when there is work nobody is doing. */
  wakeIdle(): void {
    const idle = this.sources.filter((s) => s.state === 'idle');
    if (idle.length === 0 || !this.hooks.hasUnclaimedWork()) return;
    for (const s of idle) s.start();
  }

  startAll(): void {
    for (const s of this.sources) s.start();
  }

  /**
   * Destroys every source (or every one of `kind`); with `keepViews`, what they last said
   * stays visible.
   */
  stopAll(kind?: Source['kind'], keepViews = false): void {
    // Out of the list first: a source's last state change must not wake the others.
    const stopping = kind ? this.sources.filter((s) => s.kind === kind) : this.sources;
    this.sources = kind ? this.sources.filter((s) => s.kind !== kind) : [];
    this.lastViews = keepViews ? stopping.map(viewOf) : [];
    for (const s of stopping) s.destroy();
  }

  views(): SourceView[] {
    return this.sources.length > 0 ? this.sources.map(viewOf) : this.lastViews;
  }
}

/** A source's view, with its error's Problem (for the user's words). */
function viewOf(s: Source): SourceView {
  const v = s.view();
  return s.error ? { ...v, problem: problemOf(s.error) } : v;
}

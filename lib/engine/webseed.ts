/**
 * A BEP 19 web seed: an HTTP server holding the torrent's files, used as a peer like any
 * other. It asks the picker for runs of consecutive pieces, fetches each run with large
 * HTTP Range requests read as a stream, and delivers every piece as its bytes complete
 * (the torrent verifies and stores it). Measured costs behind the sizes: design.md.
 */
import type { Clock } from './deps.ts';
import { Emitter } from './emitter.ts';
import { WebSeedError, errorMessage } from './errors.ts';
import type { StorageLayout } from './piece-store.ts';
import type { Picker, Run } from './picker.ts';
import { PieceAssembler, pumpBody } from './piece-assembler.ts';
import { IdleWatch } from './idle-watch.ts';
import { RateMeter } from './rate.ts';
import type { Source, SourceEvents, SourceState, SourceView } from './sources/source.ts';
import { checkLength, checkResponse } from './webseed-response.ts';
import { webSeedFileUrl } from './webseed-url.ts';

export interface WebSeedTorrent extends StorageLayout {
  name: string;
  multiFile: boolean;
  files: readonly { path: readonly string[]; length: number; offset: number; pad: boolean }[];
}

export interface WebSeedContext {
  fetch: typeof fetch;
  clock: Clock;
  random(): number;
  picker: Picker;
  /** Verifies and stores a piece; false when its hash was wrong. Takes `data` over. */
  deliver(index: number, data: Uint8Array, from: Source): Promise<boolean>;
  /** A piece buffer (reused memory when the torrent has a pool). */
  alloc?(size: number): Uint8Array;
  /** How to take the next run, from the torrent's view of its swarm (default: alone). */
  runPolicy?(): RunPolicy;
  /** The download limit: resolves when `n` bytes read may be followed by more. */
  throttle?(n: number): Promise<void> | undefined;
}

/**
 * A request that receives nothing (no headers, or no body bytes) for this long is timed out
 * and retried: a server that stalls mid-body never holds a download up. Long enough for a
 * slow server under load, well short of how long a reader waits before giving up.
 */
export const WEBSEED_IDLE_TIMEOUT_MS = 15_000;

/** How a web seed takes its runs (see Picker.reserveRun and NOTES.md). */
export interface RunPolicy {
  /** Start at a random place in the largest free stretch (others may be fetching too). */
  spread: boolean;
  /** Take pieces that peers have or claim: they are not delivering (the download stalls). */
  anyway: boolean;
  /** Longest run in bytes (shorter while peers can supply pieces). */
  maxRunBytes: number;
  /**
   * Fetch a run in HTTP requests of about this many seconds of the seed's rate each (0:
   * one request for the whole run). Where peers may take a run's tail, a long request that
   * is cut short wastes what the server already sent (socket buffers: up to several MiB a
   * connection on loopback; measured in the offload scene, 26 MiB of 98 MiB served).
   */
  requestSeconds?: number;
  /** At most this many bytes per HTTP request (a reader that has not met its peers yet). */
  maxRequestBytes?: number;
}

export type WebSeedState = Exclude<SourceState, 'connecting'>;

export const WEBSEED_DEFAULTS = {
  /** Ranges in flight at once (Chromium opens at most 6 connections per host). */
  parallel: 3,
  minRunBytes: 1024 * 1024,
  maxRunBytes: 64 * 1024 * 1024,
  /** Smallest HTTP request of a run fetched in parts (RunPolicy.requestSeconds). */
  minRequestBytes: 1024 * 1024,
  maxAttempts: 5,
  backoffMs: 1000,
  maxBackoffMs: 30_000,
  /** Pieces failing verification before the seed counts as serving wrong bytes. */
  maxHashFailures: 3,
  /** No bytes for this long: the request is timed out (Infinity: never). */
  idleTimeoutMs: WEBSEED_IDLE_TIMEOUT_MS,
};

export type WebSeedOptions = typeof WEBSEED_DEFAULTS;

/**
 * Thrown by a run that found the server ignoring Range on a single-file torrent: not a
 * failure, the seed goes on reading the file as one stream (`sequential`).
 */
class SwitchToStream extends Error {}

export class WebSeed extends Emitter<SourceEvents> implements Source {
  readonly kind = 'webseed';
  /** A web seed has every piece. */
  readonly has = 'all';
  state: WebSeedState = 'idle';
  error: WebSeedError | null = null;
  private readonly abort = new AbortController();
  private workers = 0;
  private failures = 0;
  private hashFailures = 0;
  private retryTimer: unknown = null;
  /** Runs in flight, so destroy() can give their pieces back at once. */
  private readonly runs = new Set<PieceAssembler>();
  /** Bumped by each counted failure: a run started before it failed in the same outage. */
  private failureEpoch = 0;
  private readonly received: RateMeter;
  /**
   * The server ignores Range (answers 200 with the whole file) on a single-file torrent:
   * one run at a time, each read from the file's start as one stream, piece by piece.
   */
  private sequential = false;
  /** Runs taken since `sequential`: the others are given up when a 200 shows it. */
  private readonly streams = new WeakSet<object>();

  constructor(
    readonly url: string,
    private readonly torrent: WebSeedTorrent,
    private readonly ctx: WebSeedContext,
    private readonly options: WebSeedOptions = WEBSEED_DEFAULTS,
  ) {
    super();
    this.received = new RateMeter(ctx.clock);
  }

  view(): SourceView {
    return {
      id: this.id,
      kind: 'webseed',
      url: this.url,
      state: this.state,
      error: this.error?.message,
      downloadRate: this.received.rate(),
      uploadRate: 0,
      downloadedBytes: this.received.total,
      uploadedBytes: 0,
      seed: true,
    };
  }

  get id(): string {
    return 'webseed:' + this.url;
  }

  /** Starts fetching (again) whatever the picker hands out. */
  start(): void {
    if (this.state === 'failed' || this.state === 'stopped') return;
    // Count first: a worker that finds nothing to fetch exits synchronously, so looping
    // on `workers < parallel` would spawn it again for ever.
    const spawn = this.parallel - this.workers;
    for (let i = 0; i < spawn; i++) {
      this.workers++;
      void this.work();
    }
  }

  destroy(): void {
    this.abort.abort();
    if (this.retryTimer !== null) this.ctx.clock.clearTimeout(this.retryTimer);
    // Release what the runs reserved and did not deliver now, not when the aborted fetches
    // settle: a source started right after (pause then resume) must be able to take them.
    for (const run of this.runs) this.ctx.picker.endRun(run.run);
    this.runs.clear();
    this.setState('stopped');
    this.removeAllListeners();
  }

  private setState(state: WebSeedState): void {
    if (this.state === state || this.state === 'stopped') return;
    this.state = state;
    this.emit('state', state);
  }

  private get parallel(): number {
    return this.sequential ? 1 : this.options.parallel;
  }

  /** Bytes per HTTP request of a run: `seconds` of this seed's rate per run in flight. */
  private requestBytes(seconds: number): number {
    if (seconds <= 0 || this.sequential) return Infinity;
    const perRun = this.received.rate() / this.parallel;
    return Math.max(this.options.minRequestBytes, Math.round(perRun * seconds));
  }

  private runPieces(maxRunBytes: number): number {
    const { picker } = this.ctx;
    // Each stream starts at the file's start: one run takes all it can.
    if (this.sequential) return picker.remaining;
    const left = picker.remaining * this.torrent.pieceLength;
    const bytes = Math.min(
      maxRunBytes,
      Math.max(this.options.minRunBytes, left / this.options.parallel),
    );
    return Math.max(1, Math.ceil(bytes / this.torrent.pieceLength));
  }

  private async work(): Promise<void> {
    try {
      while (!this.abort.signal.aborted && this.state !== 'failed' && this.retryTimer === null) {
        // One stream at a time once the server ignores Range: the last run to end goes on.
        if (this.sequential && this.runs.size > 0) break;
        const asked = this.ctx.runPolicy?.() ?? {
          spread: false,
          anyway: false,
          maxRunBytes: this.options.maxRunBytes,
        };
        // A stream reads from the start: begin with the first piece missing, not anywhere.
        const policy = this.sequential ? { ...asked, spread: false } : asked;
        const run = this.ctx.picker.reserveRun(this.id, this.runPieces(policy.maxRunBytes), policy);
        if (!run) break;
        if (this.sequential) this.streams.add(run);
        // A stream is read from the file's start: one request, however it is cut otherwise.
        const requestBytes = this.sequential
          ? Infinity
          : Math.min(
              policy.maxRequestBytes ?? Infinity,
              this.requestBytes(policy.requestSeconds ?? 0),
            );
        this.setState('active');
        const epoch = this.failureEpoch;
        try {
          await this.fetchRun(run, requestBytes);
        } catch (err) {
          if (this.abort.signal.aborted) return;
          if (err instanceof SwitchToStream) continue;
          this.onFailure(err, epoch);
        }
      }
    } finally {
      this.workers--;
      // 'retrying' too: a retry that found nothing left to fetch.
      const busy = this.state === 'active' || this.state === 'retrying';
      if (this.workers === 0 && busy && this.retryTimer === null) this.setState('idle');
    }
  }

  private onFailure(err: unknown, epoch: number): void {
    const e =
      err instanceof WebSeedError ? err : new WebSeedError(this.url, errorMessage(err), false);
    // Runs in flight together fail together in one outage: count it once, not per run.
    if (!e.permanent && epoch !== this.failureEpoch) return;
    this.failureEpoch++;
    this.failures++;
    if (e.permanent || this.failures >= this.options.maxAttempts) {
      this.error = e;
      this.setState('failed');
      return;
    }
    this.error = e;
    if (this.retryTimer !== null) return;
    const delay =
      Math.min(this.options.maxBackoffMs, this.options.backoffMs * 2 ** (this.failures - 1)) *
      (0.5 + this.ctx.random());
    this.setState('retrying');
    this.retryTimer = this.ctx.clock.setTimeout(() => {
      this.retryTimer = null;
      this.start();
    }, delay);
  }

  /**
   * Fetches the run's pieces and delivers each; gives back what it did not deliver. Stops
   * early, without error, where peers took the run's tail (the picker lowered `run.end`).
   */
  private async fetchRun(run: Run, requestBytes = Infinity): Promise<void> {
    const t = this.torrent;
    const alloc = this.ctx.alloc ?? ((size: number) => new Uint8Array(size));
    const assembler = new PieceAssembler(t, run, alloc, (i, data) => this.deliverPiece(i, data));
    this.runs.add(assembler);
    try {
      let at = run.first * t.pieceLength;
      // `run.end` may come down while we read (peers took the tail): look again each request.
      for (;;) {
        const end = Math.min(t.length, run.end * t.pieceLength, at + requestBytes);
        if (assembler.finished || at >= end) break;
        run.committed = Math.ceil(end / t.pieceLength);
        for (const file of t.files) {
          if (assembler.finished) break;
          const s = Math.max(at, file.offset);
          const e = Math.min(end, file.offset + file.length);
          if (e <= s) continue;
          if (file.pad) await assembler.push(new Uint8Array(e - s));
          else await this.fetchRange(file, s - file.offset, e - s, assembler);
        }
        at = end;
      }
      await assembler.drain();
    } finally {
      if (this.runs.delete(assembler)) {
        const released = this.ctx.picker.endRun(run);
        if (released > 0) this.emit('released', released);
      }
    }
  }

  private async deliverPiece(index: number, data: Uint8Array): Promise<void> {
    const ok = await this.ctx.deliver(index, data, this);
    if (ok) {
      // Progress: a connection that drops now and then but delivers is not failing.
      this.failures = 0;
      return;
    }
    this.hashFailures++;
    if (this.hashFailures >= this.options.maxHashFailures) {
      throw new WebSeedError(this.url, `wrong bytes: piece ${index} failed verification`, true);
    }
  }

  private async fetchRange(
    file: WebSeedTorrent['files'][number],
    offset: number,
    length: number,
    sink: PieceAssembler,
  ): Promise<void> {
    const t = this.torrent;
    const url = webSeedFileUrl(this.url, t.name, t.multiFile, file.path);
    const whole = offset === 0 && length === file.length;
    const watch = new IdleWatch(this.ctx.clock, this.options.idleTimeoutMs, this.abort.signal);
    try {
      let res: Response;
      try {
        res = await this.ctx.fetch(url, {
          headers: { Range: `bytes=${offset}-${offset + length - 1}` },
          signal: watch.signal,
          cache: 'no-store',
        });
      } catch (err) {
        throw this.timedOut(watch) ?? this.networkError(err);
      }
      let skip = 0;
      try {
        if (res.status === 200 && !whole && !t.multiFile) {
          // Ignores Range, single file: read it from its start, dropping what comes before.
          checkLength(this.url, res, file.length);
          if (!this.streams.has(sink.run)) {
            // A run of several in flight: they all give way to one stream, from the first
            // piece missing.
            this.sequential = true;
            throw new SwitchToStream();
          }
          skip = offset;
        } else checkResponse(this.url, res, offset, length, whole);
      } catch (err) {
        // Hang up rather than leave the connection busy with a body nobody reads.
        res.body?.cancel().catch(() => {});
        throw err;
      }
      let got: number;
      try {
        got = await pumpBody(
          res.body!,
          length,
          sink,
          (n) => {
            this.received.add(n);
            this.emit('bytes', n);
          },
          { skip, reading: (on) => watch.reading(on), throttle: this.ctx.throttle },
        );
      } catch (err) {
        throw this.timedOut(watch) ?? err;
      }
      if (got < length && !sink.finished) {
        throw new WebSeedError(this.url, `response ended after ${got} of ${length} bytes`, false);
      }
    } finally {
      watch.stop();
    }
  }

  private timedOut(watch: IdleWatch): WebSeedError | null {
    if (!watch.fired) return null;
    const s = Math.round(this.options.idleTimeoutMs / 1000);
    return new WebSeedError(this.url, `no data for ${s} s: request timed out`, false);
  }

  private networkError(err: unknown): WebSeedError {
    return new WebSeedError(this.url, `network error: ${errorMessage(err)}`, false);
  }
}

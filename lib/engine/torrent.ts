/**
 * One torrent: a thin orchestrator tying metainfo, storage, picker and sources together.
 * Sources (web seeds, wire peers) take work from the picker and deliver pieces; the
 * verifier checks and stores each one, and only then does it count as had (progress).
 */
import { BufferPool } from './buffer-pool.ts';
import type { EngineDeps } from './deps.ts';
import { Emitter } from './emitter.ts';
import { errorMessage, problemOf, storageFailure, type Problem } from './errors.ts';
import type { Metainfo } from './metainfo.ts';
import { OpenTorrent } from './open-torrent.ts';
import type { Picker } from './picker.ts';
import { RateMeter } from './rate.ts';
import type { Source } from './sources/source.ts';
import {
  torrentView,
  type FileView,
  type TorrentEvents,
  type TorrentSource,
  type TorrentState,
  type TorrentView,
} from './torrent-view.ts';
import type { SourceSet } from './sources/source-set.ts';
import type { VerifierHooks } from './verifier.ts';
import { SeedingEnd } from './seeding-end.ts';
import { torrentSources } from './torrent-sources.ts';
import type { TorrentWebSeeds } from './torrent-web-seeds.ts';
import type { WebSeedPolicy } from './web-seed-policy.ts';

export type { SourceView, TorrentSource, TorrentState, TorrentView } from './torrent-view.ts';

export class Torrent extends Emitter<TorrentEvents> {
  name: string;
  state: TorrentState;
  error: string | undefined;
  /** Why it failed, for the user's words (with `error` as its detail). */
  problem: Problem | undefined;
  meta: Metainfo | undefined;
  /** The URL or magnet it was added from (so a failed fetch of its metainfo can be retried). */
  source: TorrentSource | undefined;
  paused = false;
  readonly addedAt: number;
  private open: OpenTorrent | undefined;
  private readonly sources: SourceSet;
  private readonly received: RateMeter;
  private readonly sent: RateMeter;
  private destroyed = false;
  /** While storage opens (start): resume must not start it twice. */
  private starting = false;
  private readonly buffers: BufferPool;
  private readonly policy: WebSeedPolicy;
  private readonly webSeeds: TorrentWebSeeds;
  private bannedPeers = 0;
  /** How it ends once complete: seeding until its limit, then done; its pieces freed. */
  private readonly end = new SeedingEnd();

  constructor(
    readonly id: string,
    private readonly deps: EngineDeps,
    init: { name: string; state: TorrentState; addedAt: number },
  ) {
    super();
    this.buffers = deps.buffers ?? new BufferPool();
    this.name = init.name;
    this.state = init.state;
    this.addedAt = init.addedAt;
    this.received = new RateMeter(deps.clock);
    this.sent = new RateMeter(deps.clock);
    ({
      sources: this.sources,
      policy: this.policy,
      webSeeds: this.webSeeds,
    } = torrentSources(deps, this.buffers, {
      changed: () => this.onSourceState(),
      received: (n) => this.received.add(n),
      picker: () => (this.state === 'downloading' ? this.open?.picker : undefined),
      deliver: (i, d, f) => this.deliver(i, d, f),
    }));
  }

  /** Bytes per second received lately, from every source. */
  get downloadRate(): number {
    return this.received.rate();
  }

  get infoHash(): string | undefined {
    return this.meta?.infoHash;
  }

  /** The picker, once storage is open (wire peers take work from it). */
  get picker(): Picker | undefined {
    return this.open?.picker;
  }

  /** Sets the metainfo and starts: open storage, resume what was verified, fetch the rest. */
  async start(
    meta: Metainfo,
    opts: { paused: boolean; deselected?: readonly number[] },
  ): Promise<void> {
    this.meta = meta;
    this.name = meta.name;
    this.paused = opts.paused;
    this.error = this.problem = undefined;
    this.addWebSeeds(meta.urlList);
    this.setState('checking');
    this.starting = true;
    try {
      const hooks = this.verifierHooks();
      const open = await OpenTorrent.open(
        meta,
        this.deps,
        this.buffers,
        hooks,
        opts.deselected,
        () => this.destroyed,
      );
      if (!open) return;
      this.open = open;
    } catch (err) {
      this.open = undefined;
      if (!this.destroyed) this.fail(`Storage failed: ${errorMessage(err)}`, err);
      return;
    } finally {
      this.starting = false;
    }
    for (const f of this.open.completeFiles()) this.emit('file-complete', f);
    this.afterProgress();
    if (!this.paused) this.resume();
    else this.setState('paused');
  }

  /** What the torrent does with the verifier's outcomes. */
  private verifierHooks(): VerifierHooks {
    return {
      verified: (i) => this.onVerified(i),
      failed: (i, from, data) => {
        this.emit('piece-failed', i, from, data);
        this.emit('warning', `piece ${i} failed verification`);
        // Another source may have the right bytes.
        this.sources.wakeIdle();
      },
      // Pieces in flight fail together when the disk is full: one error, told once.
      storageFailed: (err) => this.state !== 'error' && this.fail(storageFailure(err), err),
    };
  }

  /** Selects the files to download and save (false: not fetched, not saved). */
  setFileSelection(selected: readonly boolean[]): void {
    const o = this.open;
    if (!o) return;
    o.select(selected);
    if (this.isComplete() && o.picker.remaining > 0 && !this.paused) this.resume();
    // A web seed's run in flight may span files no longer wanted: start its fetches afresh.
    else if (this.state === 'downloading') this.resume();
    this.sources.wakeIdle();
    this.afterProgress();
  }

  /** Its files (pad files left out), at most `max` of them, once storage is open. */
  files(max: number): FileView[] {
    return this.open?.files(max) ?? [];
  }

  /** Selects or deselects one file (see setFileSelection). */
  selectFile(fileIndex: number, selected: boolean): void {
    const all = this.open?.withFile(fileIndex, selected);
    if (all) this.setFileSelection(all);
  }

  /** Merges more web seeds (the same torrent added again, a magnet's ws=). */
  addWebSeeds(urls: readonly string[]): void {
    const o = this.open;
    this.webSeeds.add(
      urls,
      o && this.state === 'downloading' ? { meta: this.meta!, picker: o.picker } : undefined,
    );
  }

  /** Its web seeds' URLs. */
  get webSeedUrls(): string[] {
    return this.webSeeds.urls;
  }

  /** The torrent joined a swarm with trackers (set by its Swarm). */
  setSwarmed(on: boolean): void {
    this.policy.swarmed = on;
    if (this.isComplete()) this.setState(this.completeState());
    this.policy.watch(this.state === 'downloading');
  }

  /** A tracker knows of `n` other readers: the web seed meets them before long requests. */
  othersKnown(n: number): void {
    this.policy.othersKnown(n);
  }

  /** Adds a source (a connected wire peer); it starts if the torrent is downloading. */
  addSource(source: Source): void {
    this.sources.add(source, this.state === 'downloading');
  }

  /** Verifies a piece from any source; stores it and counts it as had only if it is right. */
  deliver(index: number, data: Uint8Array, from: Source): Promise<boolean> {
    const o = this.open;
    if (!o) {
      this.buffers.recycle(data.buffer as ArrayBuffer);
      return Promise.resolve(true);
    }
    return o.verifier.deliver(index, data, from);
  }

  /** Counts piece bytes sent to a peer. */
  countUpload(n: number): void {
    this.sent.add(n);
  }

  /** Piece bytes sent to peers in this session. */
  get uploaded(): number {
    return this.sent.total;
  }

  /** Bytes of the selected files (what a ratio is measured against). */
  get selectedBytes(): number {
    return this.open?.progress.selectedBytes ?? 0;
  }

  private onVerified(index: number): void {
    const o = this.open!;
    for (const f of o.progress.pieceVerified(index)) {
      if (o.progress.isSelected(f)) this.emit('file-complete', f);
    }
    this.emit('verified', index);
    this.afterProgress();
  }

  private afterProgress(): void {
    const picker = this.open?.picker;
    if (picker && picker.remaining === 0 && !this.isComplete()) {
      if (this.state !== 'paused' && this.state !== 'error') this.setState(this.completeState());
      if (this.end.tellDone()) this.emit('done');
    }
    this.emit('update');
  }

  private isComplete(): boolean {
    return this.state === 'seeding' || this.state === 'done';
  }

  /** Complete: sharing while it has a swarm and its seeding limit is not reached. */
  private completeState(): 'seeding' | 'done' {
    return this.end.completeState(this.policy.swarmed);
  }

  /** Seeding is over for good (limit reached, or its pieces freed). */
  get seedingOver(): boolean {
    return this.end.over;
  }

  /** Complete and nothing stored any more (see release). */
  get isFreed(): boolean {
    return this.end.freed !== undefined;
  }

  /**
   * Closes its storage for good once complete (its files saved): no more sharing; the
   * client deletes the stored pieces. It stays in the list as done.
   */
  async release(): Promise<void> {
    const o = this.open;
    if (!o || !this.isComplete()) return;
    this.end.free(o.progress);
    this.endSeeding();
    this.sources.stopAll();
    this.open = undefined;
    await o.close();
    this.emit('update');
  }

  /** Restored after its pieces were freed: done, with nothing to open or fetch. */
  startFreed(meta: Metainfo): void {
    this.meta = meta;
    this.name = meta.name;
    this.end.restoreFreed(meta);
    this.setState('done');
  }

  /** The seeding limit (ratio or time) was reached: no more sharing. */
  endSeeding(): void {
    this.end.over = true;
    if (this.state === 'seeding') this.setState('done');
  }

  private onSourceState(): void {
    if (this.state !== 'downloading') return this.emit('update');
    // With no peers, the torrent fails when every source has failed.
    if (this.sources.allFailed()) {
      this.fail(this.sources.failureReasons(), this.sources.list().find((s) => s.error)?.error);
    } else {
      // A source that failed or backs off gave its pieces back: sources that had found
      // nothing to fetch take them, or the torrent would stall short of 100%.
      this.sources.wakeIdle();
      this.emit('update');
    }
  }

  pause(): void {
    if (this.end.freed) return; // nothing left to pause
    this.paused = true;
    this.sources.stopAll();
    if (this.state !== 'error') this.setState('paused');
  }

  resume(): void {
    this.paused = false;
    if (!this.meta) return;
    if (!this.open) {
      // Storage failed to open ("Not enough storage"…): try again from the start.
      if (this.state === 'error' && !this.starting) void this.start(this.meta, { paused: false });
      return;
    }
    this.error = this.problem = undefined;
    if (this.open.picker.remaining === 0) return this.setState(this.completeState());
    this.setState('downloading');
    this.policy.watch(true, true);
    // Web seeds start afresh (a failed one gets another chance); connected peers stay.
    this.webSeeds.restart(this.meta, this.open.picker);
    this.sources.startAll();
    if (this.sources.size === 0) this.emit('warning', 'no web seeds and no peers yet');
  }

  /** A peer was banned for sending wrong data (the swarm's smart ban). */
  noteBanned(reason: string): void {
    this.bannedPeers++;
    this.emit('warning', `peer banned: ${reason}`);
    this.emit('update');
  }

  /** Something the view shows changed (a tracker answered, a peer left). */
  touch(): void {
    this.emit('update');
  }

  /** Back to getting its metainfo, after that failed (Resume on a torrent in error). */
  restart(state: 'fetching' | 'metadata'): void {
    this.paused = false;
    this.error = this.problem = undefined;
    this.sources.stopAll();
    this.setState(state);
  }

  /** Stops with an error; `cause` (the typed error) says what failed, for the user. */
  fail(message: string, cause?: unknown): void {
    this.error = message;
    this.problem = { ...problemOf(cause ?? message), detail: message };
    // What the sources last said stays visible: why the torrent failed, source by source.
    this.sources.stopAll(undefined, true);
    this.setState('error');
    this.emit('error', message);
  }

  private setState(state: TorrentState): void {
    if (this.state === state) return;
    this.state = state;
    if (state !== 'downloading') this.policy.watch(false);
    this.emit('update');
  }

  /** Stops everything and releases storage handles. */
  async destroy(): Promise<void> {
    this.destroyed = true;
    this.policy.watch(false);
    this.sources.stopAll();
    await this.open?.close();
    this.open = undefined;
    this.removeAllListeners();
  }

  fileBlob(fileIndex: number): Promise<Blob> {
    if (!this.open) return Promise.reject(new Error('torrent storage is not open'));
    return this.open.storage.fileBlob(fileIndex);
  }

  /** Reads a block of a verified piece (serving a peer's request). */
  readBlock(index: number, offset: number, length: number): Promise<Uint8Array> {
    if (!this.open) return Promise.reject(new Error('torrent storage is not open'));
    return this.open.storage.readBlock(index, offset, length);
  }

  view(): TorrentView {
    const o = this.open;
    return torrentView({
      id: this.id,
      name: this.name,
      state: this.state,
      meta: this.meta,
      progress: o?.progress,
      remaining: o?.picker.remaining ?? 0,
      freed: this.end.freed,
      received: this.received,
      sent: this.sent,
      error: this.error,
      problem: this.problem,
      sources: this.sources.views(),
      bannedPeers: this.bannedPeers,
      addedAt: this.addedAt,
    });
  }
}

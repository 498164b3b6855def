/**
 * One torrent: a thin orchestrator tying metainfo, storage, picker and sources together.
 * Sources (web seeds now, wire peers later) pull work from the picker and deliver pieces;
 * the torrent verifies each piece, stores it, and only then counts it as had.
 */
import type { EngineDeps } from './deps.ts';
import { Emitter } from './emitter.ts';
import { errorMessage } from './errors.ts';
import type { Metainfo } from './metainfo.ts';
import { pieceHash } from './metainfo.ts';
import { Picker } from './picker.ts';
import { piecesOfFile, pieceSpans, type TorrentStorage } from './piece-store.ts';
import { WebSeed } from './webseed.ts';
import { equalBytes, wholeBuffer } from './bytes.ts';
import { BufferPool } from './buffer-pool.ts';

export type TorrentState =
  | 'fetching' // getting the .torrent file
  | 'metadata' // a magnet waiting for its metadata
  | 'checking' // opening storage, reading what was verified before
  | 'downloading'
  | 'seeding'
  | 'paused'
  | 'error';

export interface SourceView {
  url: string;
  state: string;
  error?: string;
}

export interface TorrentView {
  id: string;
  infoHash?: string;
  name: string;
  state: TorrentState;
  /** floor(100 × verified bytes ÷ selected bytes). */
  progress: number;
  verifiedBytes: number;
  selectedBytes: number;
  /** Bytes per second received over the last few seconds. */
  downloadRate: number;
  error?: string;
  webSeeds: SourceView[];
  fileCount: number;
  addedAt: number;
}

type Events = {
  update: [];
  /** A non-pad file whose pieces are all verified (also on resume). */
  'file-complete': [fileIndex: number];
  done: [];
  error: [message: string];
  warning: [message: string];
};

/** Where a torrent's metainfo comes from, when it can be fetched again. */
export type TorrentSource = { kind: 'url'; url: string } | { kind: 'magnet'; uri: string };

export class Torrent extends Emitter<Events> {
  name: string;
  state: TorrentState;
  error: string | undefined;
  meta: Metainfo | undefined;
  /** The URL or magnet it was added from (so a failed fetch of its metainfo can be retried). */
  source: TorrentSource | undefined;
  webSeedUrls: string[] = [];
  paused = false;
  private storage: TorrentStorage | undefined;
  private picker: Picker | undefined;
  private webSeeds: WebSeed[] = [];
  private lastSeedViews: SourceView[] = [];
  private verifiedBytes = 0;
  private selectedBytes = 0;
  /** Per piece: bytes that fall in non-pad files (what progress counts). */
  private usefulBytes: Float64Array | undefined;
  private filesLeft: Uint32Array | undefined;
  private rate = { bytes: 0, since: 0, value: 0 };
  private destroyed = false;
  /** While storage opens (start): resume must not start it twice. */
  private starting = false;
  private readonly buffers: BufferPool;

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
  }

  readonly addedAt: number;

  get infoHash(): string | undefined {
    return this.meta?.infoHash;
  }

  /** Sets the metainfo and starts: open storage, resume what was verified, fetch the rest. */
  async start(meta: Metainfo, opts: { paused: boolean }): Promise<void> {
    this.meta = meta;
    this.name = meta.name;
    this.paused = opts.paused;
    this.error = undefined;
    this.lastSeedViews = [];
    this.addWebSeeds(meta.urlList);
    this.setState('checking');
    this.starting = true;
    let storage: TorrentStorage | undefined;
    try {
      storage = await this.deps.store.open(meta);
      const verified = await storage.verified();
      if (this.destroyed) return void (await storage.close());
      this.storage = storage;
      this.initPieces(meta, verified);
    } catch (err) {
      this.storage = undefined;
      await storage?.close().catch(() => {});
      if (!this.destroyed) this.fail(`Storage failed: ${errorMessage(err)}`);
      return;
    } finally {
      this.starting = false;
    }
    for (let f = 0; f < meta.files.length; f++) {
      if (!meta.files[f]!.pad && this.filesLeft![f] === 0) this.emit('file-complete', f);
    }
    this.afterProgress();
    if (!this.paused) this.resume();
    else this.setState('paused');
  }

  private initPieces(meta: Metainfo, verified: Set<number>): void {
    this.picker = new Picker(meta.pieceCount);
    this.usefulBytes = new Float64Array(meta.pieceCount);
    this.filesLeft = new Uint32Array(meta.files.length);
    this.verifiedBytes = 0;
    this.selectedBytes = 0;
    for (const f of meta.files) if (!f.pad) this.selectedBytes += f.length;
    for (let i = 0; i < meta.pieceCount; i++) {
      let useful = 0;
      for (const s of pieceSpans(meta, i)) useful += s.length;
      this.usefulBytes[i] = useful;
    }
    for (let f = 0; f < meta.files.length; f++) {
      const r = piecesOfFile(meta, f);
      this.filesLeft[f] = r ? r.last - r.first + 1 : 0;
    }
    for (const i of verified) {
      if (i >= 0 && i < meta.pieceCount) this.markHave(i, false);
    }
  }

  /** Merges more web seeds (the same torrent added again, a magnet's ws=). */
  addWebSeeds(urls: readonly string[]): void {
    for (const url of urls) {
      if (this.webSeedUrls.includes(url)) continue;
      this.webSeedUrls.push(url);
      if (this.meta && this.picker) this.createWebSeed(url);
    }
  }

  private createWebSeed(url: string): WebSeed {
    const ws = new WebSeed(url, this.meta!, {
      fetch: this.deps.fetch,
      clock: this.deps.clock,
      random: this.deps.random,
      picker: this.picker!,
      deliver: (i, data) => this.deliver(i, data),
      alloc: (size) => this.buffers.alloc(size),
    });
    ws.on('state', () => this.onSourceState());
    ws.on('released', () => this.restartIdleSources());
    ws.on('bytes', (n) => this.countBytes(n));
    this.webSeeds.push(ws);
    if (!this.paused && this.state === 'downloading') ws.start();
    return ws;
  }

  /** Verifies a piece from any source; stores it and counts it as had only if it is right. */
  async deliver(index: number, data: Uint8Array): Promise<boolean> {
    const meta = this.meta!;
    const picker = this.picker!;
    if (this.destroyed || picker.has(index)) {
      picker.release(index);
      this.buffers.recycle(wholeBuffer(data));
      return true;
    }
    const hash = await this.deps.digest('SHA-1', data);
    if (!equalBytes(hash, pieceHash(meta, index))) {
      picker.release(index);
      this.buffers.recycle(wholeBuffer(data));
      this.emit('warning', `piece ${index} failed verification`);
      // Another seed may have the right bytes.
      this.restartIdleSources();
      return false;
    }
    try {
      // The store takes the buffer and hands it back once written: reuse it.
      this.buffers.recycle(await this.storage!.writePiece(index, data));
      await this.storage!.markVerified(index);
    } catch (err) {
      picker.release(index);
      this.fail(`Storage failed: ${errorMessage(err)}`);
      throw err;
    }
    this.markHave(index, true);
    this.afterProgress();
    return true;
  }

  private markHave(index: number, announce: boolean): void {
    const meta = this.meta!;
    if (this.picker!.has(index)) return;
    this.picker!.complete(index);
    this.verifiedBytes += this.usefulBytes![index]!;
    const spans = pieceSpans(meta, index);
    for (const s of spans) {
      const left = this.filesLeft![s.fileIndex]! - 1;
      this.filesLeft![s.fileIndex] = left;
      if (left === 0 && announce) this.emit('file-complete', s.fileIndex);
    }
  }

  private afterProgress(): void {
    if (this.picker && this.picker.remaining === 0 && this.state !== 'seeding') {
      if (this.state !== 'paused' && this.state !== 'error') this.setState('seeding');
      this.emit('done');
    }
    this.emit('update');
  }

  private onSourceState(): void {
    if (this.state !== 'downloading') return this.emit('update');
    const seeds = this.webSeeds;
    // With only web seeds (no peers yet), the torrent fails when every seed has failed.
    if (seeds.length > 0 && seeds.every((s) => s.state === 'failed')) {
      const reasons = seeds.map((s) => s.error?.message ?? 'failed').join('; ');
      this.fail(reasons);
    } else {
      // A seed that failed or backs off gave its pieces back: seeds that had found nothing
      // to fetch take them, or the torrent would stall short of 100%.
      this.restartIdleSources();
      this.emit('update');
    }
  }

  /** Wakes idle sources when there is work nobody is doing. */
  private restartIdleSources(): void {
    if (this.state !== 'downloading' || !this.picker) return;
    const idle = this.webSeeds.filter((s) => s.state === 'idle');
    if (idle.length === 0 || this.picker.unclaimed() === 0) return;
    for (const s of idle) s.start();
  }

  private countBytes(n: number): void {
    this.deps.onBytesRead?.(n);
    const now = this.deps.clock.now();
    if (now - this.rate.since >= 1000) {
      this.rate.value = (this.rate.bytes * 1000) / Math.max(1, now - this.rate.since);
      this.rate.bytes = 0;
      this.rate.since = now;
    }
    this.rate.bytes += n;
  }

  pause(): void {
    this.paused = true;
    this.stopSources();
    if (this.state !== 'error') this.setState('paused');
  }

  resume(): void {
    this.paused = false;
    if (!this.meta) return;
    if (!this.picker) {
      // Storage failed to open ("Not enough storage"…): try again from the start.
      if (this.state === 'error' && !this.starting) void this.start(this.meta, { paused: false });
      return;
    }
    this.error = undefined;
    if (this.picker.remaining === 0) return this.setState('seeding');
    this.setState('downloading');
    this.stopSources();
    for (const url of this.webSeedUrls) this.createWebSeed(url).start();
    if (this.webSeeds.length === 0) this.emit('warning', 'no web seeds and no peers yet');
  }

  /** Back to getting its metainfo, after that failed (Resume on a torrent in error). */
  restart(state: 'fetching' | 'metadata'): void {
    this.paused = false;
    this.error = undefined;
    this.lastSeedViews = [];
    this.setState(state);
  }

  private stopSources(): void {
    // Out of the list first: a seed's last state change must not wake the others.
    const seeds = this.webSeeds;
    this.webSeeds = [];
    this.lastSeedViews = [];
    for (const s of seeds) s.destroy();
  }

  fail(message: string): void {
    this.error = message;
    // What the seeds last said stays visible: why the torrent failed, seed by seed.
    const seeds = this.webSeeds.map(seedView);
    this.stopSources();
    this.lastSeedViews = seeds;
    this.setState('error');
    this.emit('error', message);
  }

  private setState(state: TorrentState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit('update');
  }

  /** Stops everything and releases storage handles. */
  async destroy(): Promise<void> {
    this.destroyed = true;
    this.stopSources();
    await this.storage?.close();
    this.storage = undefined;
    this.removeAllListeners();
  }

  fileBlob(fileIndex: number): Promise<Blob> {
    if (!this.storage) return Promise.reject(new Error('torrent storage is not open'));
    return this.storage.fileBlob(fileIndex);
  }

  view(): TorrentView {
    const rateFresh = this.deps.clock.now() - this.rate.since < 3000;
    return {
      id: this.id,
      infoHash: this.meta?.infoHash,
      name: this.name,
      state: this.state,
      progress:
        this.selectedBytes > 0
          ? Math.floor((100 * this.verifiedBytes) / this.selectedBytes)
          : this.picker && this.picker.remaining === 0
            ? 100
            : 0,
      verifiedBytes: this.verifiedBytes,
      selectedBytes: this.selectedBytes,
      downloadRate: rateFresh ? Math.round(this.rate.value) : 0,
      error: this.error,
      webSeeds: this.webSeeds.length > 0 ? this.webSeeds.map(seedView) : this.lastSeedViews,
      fileCount: this.meta ? this.meta.files.filter((f) => !f.pad).length : 0,
      addedAt: this.addedAt,
    };
  }
}

function seedView(s: WebSeed): SourceView {
  return { url: s.url, state: s.state, error: s.error?.message };
}

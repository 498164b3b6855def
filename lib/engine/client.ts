/**
 * The client: many torrents, each added from bytes, a URL or a magnet; the same infohash
 * twice is one torrent. Persists a record per torrent so it resumes after a restart.
 */
import type { EngineDeps } from './deps.ts';
import { Emitter } from './emitter.ts';
import { errorMessage } from './errors.ts';
import { parseMagnet, type Magnet } from './magnet.ts';
import { FinishedFiles } from './finished-files.ts';
import { RecordBook } from './record-book.ts';
import type { RecordStore, TorrentRecord } from './records.ts';
import { Torrent, type TorrentView } from './torrent.ts';
import { TorrentStarter } from './torrent-start.ts';
import { BufferPool } from './buffer-pool.ts';
import type { SeedLimits, SwarmStatus } from './swarm.ts';
import { Swarms, type SwarmSettings } from './swarms.ts';
import { TokenBucket } from './token-bucket.ts';

/** What the user can change while torrents run (the options page). */
export interface ClientSettings extends SwarmSettings {
  /** Bytes per second, all torrents together; 0: no limit. */
  downloadLimit: number;
  uploadLimit: number;
}
import { nameFromUrl, newRecord, parseMagnetOrUndefined, type AddSource } from './add-source.ts';

export type { AddSource } from './add-source.ts';

export interface ClientDeps extends EngineDeps {
  records: RecordStore;
  /** WebRTC configuration (ICE servers); tests and peers on one machine: `{ iceServers: [] }`. */
  rtcConfig?: RTCConfiguration;
  /** Trackers every public torrent announces to besides its own (BEP 27: not private ones). */
  defaultTrackers?: readonly string[];
  /** Peer connections across all torrents. */
  maxConnections?: number;
  /** When seeding ends (default DEFAULT_SEED_LIMITS: ratio 2 or 1 hour). */
  seedLimits?: SeedLimits;
}

type Events = {
  update: [torrent: Torrent];
  /** A torrent's metadata is known (its name is final). */
  added: [torrent: Torrent];
  /** The same torrent (infohash) was added again: this is the one that stays. */
  again: [torrent: Torrent];
  'file-complete': [torrent: Torrent, fileIndex: number];
  error: [torrent: Torrent, message: string];
  removed: [id: string];
};

export class Client extends Emitter<Events> {
  private readonly torrents = new Map<string, Torrent>();
  private readonly records: RecordBook;
  /**
   * The torrent of each infohash, claimed as soon as the infohash is known (a magnet at
   * once, a .torrent when parsed), before its storage opens or its record is written.
   */
  private readonly byHash = new Map<string, Torrent>();
  private nextId = 1;
  /**
   * Random per client instance: ids of an earlier engine (a popup still open across an
   * engine restart) match no torrent of this one.
   */
  private readonly idPrefix: string;

  private readonly deps: ClientDeps;
  private readonly swarms: Swarms;
  private readonly finished: FinishedFiles;
  private readonly starter: TorrentStarter;

  constructor(deps: ClientDeps) {
    super();
    // One pool of piece buffers for all torrents.
    const buffers = deps.buffers ?? new BufferPool();
    const rates = deps.rates ?? {
      download: new TokenBucket(deps.clock),
      upload: new TokenBucket(deps.clock),
    };
    this.deps = { ...deps, buffers, rates };
    let prefix = '';
    for (let i = 0; i < 6; i++) prefix += Math.floor(deps.random() * 36).toString(36);
    this.idPrefix = prefix;
    this.swarms = new Swarms(this.deps, buffers);
    this.records = new RecordBook(deps.records, (rec, err) => {
      // Said on the torrent it is about, if that is still here.
      const t = this.byHash.get(rec.infoHash);
      if (t && this.torrents.get(t.id) === t) {
        this.emit('error', t, `Could not save torrent record: ${errorMessage(err)}`);
      }
    });
    this.finished = new FinishedFiles(this.records, deps.store, (t) => this.swarms.leave(t));
    this.starter = new TorrentStarter(
      this.deps,
      this.records,
      this.swarms,
      this.torrents,
      this.byHash,
      {
        fail: (t, message, cause) => this.fail(t, message, cause),
        drop: (t) => this.drop(t),
        emit: (event, t) => this.emit(event, t),
      },
    );
  }

  /** Settings changed by the user, applied to running torrents (see Swarms.configure). */
  configure(s: ClientSettings): void {
    this.deps.rates?.download.setRate(s.downloadLimit);
    this.deps.rates?.upload.setRate(s.uploadLimit);
    this.swarms.configure(s);
  }

  /** The trackers and peers of a torrent, when it has a swarm. */
  swarmStatus(id: string): SwarmStatus | undefined {
    const t = this.torrents.get(id);
    return t && this.swarms.status(t);
  }

  list(): Torrent[] {
    return [...this.torrents.values()];
  }

  get(id: string): Torrent | undefined {
    return this.torrents.get(id);
  }

  views(): TorrentView[] {
    return this.list().map((t) => t.view());
  }

  record(infoHash: string): TorrentRecord | undefined {
    return this.records.get(infoHash);
  }

  /** Re-adds every persisted torrent (after a restart). */
  async restore(): Promise<void> {
    for (const rec of await this.records.list()) {
      this.records.set(rec);
      const t = this.create(rec.name, rec.torrentFile ? 'checking' : 'metadata', rec.addedAt);
      t.paused = rec.paused;
      this.byHash.set(rec.infoHash, t);
      const magnet = rec.magnet ? parseMagnetOrUndefined(rec.magnet) : undefined;
      if (magnet) t.source = { kind: 'magnet', uri: rec.magnet! };
      if (rec.torrentFile) void this.starter.startWith(t, rec.torrentFile, rec.sourceUrl, magnet);
      else if (magnet) this.starter.startMagnet(t, magnet);
    }
  }

  /** Adds a torrent; the entry exists (and shows) at once, its metadata may follow. */
  add(source: AddSource): Torrent {
    if (source.kind === 'magnet') return this.addMagnet(source.uri);
    if (source.kind === 'file') {
      const t = this.create(source.name ?? 'torrent', 'checking');
      void this.starter.startWith(t, source.bytes);
      return t;
    }
    const t = this.create(nameFromUrl(source.url), 'fetching');
    t.source = { kind: 'url', url: source.url };
    this.starter.fetchAndStart(t, source.url);
    return t;
  }

  private addMagnet(uri: string): Torrent {
    let magnet: Magnet;
    try {
      magnet = parseMagnet(uri);
    } catch (err) {
      const t = this.create('magnet link', 'error');
      this.fail(t, errorMessage(err), err);
      return t;
    }
    const existing = this.byHash.get(magnet.infoHash);
    if (existing) {
      this.starter.merge(existing, magnet.webSeeds, magnet.trackers);
      this.emit('again', existing);
      return existing;
    }
    const t = this.create(magnet.name ?? magnet.infoHash, 'metadata');
    t.source = { kind: 'magnet', uri };
    this.starter.startMagnet(t, magnet);
    // Recorded at once, so a magnet whose metadata has not come yet survives a restart.
    const rec = newRecord({
      infoHash: magnet.infoHash,
      name: t.name,
      addedAt: t.addedAt,
      magnet: uri,
    });
    this.records.set(rec);
    void this.records.write(rec);
    return t;
  }

  private create(name: string, state: Torrent['state'], addedAt = this.deps.clock.now()): Torrent {
    const id = `${this.idPrefix}-${this.nextId++}`;
    const t = new Torrent(id, this.deps, { name, state, addedAt });
    this.torrents.set(t.id, t);
    t.on('update', () => {
      this.trimBuffers();
      this.finished.freeIfOver(t, () => this.torrents.get(t.id) === t);
      this.emit('update', t);
    });
    t.on('file-complete', (f) => this.emit('file-complete', t, f));
    t.on('error', (m) => this.emit('error', t, m));
    this.emit('update', t);
    return t;
  }

  /** Pooled piece buffers are only worth their memory while something downloads. */
  private trimBuffers(): void {
    if (!this.list().some((t) => t.state === 'downloading')) this.deps.buffers?.clear();
  }

  private fail(t: Torrent, message: string, cause?: unknown): void {
    t.fail(message, cause);
    // Without metadata it holds no infohash's place: adding the torrent again starts afresh.
    if (!t.meta) this.unclaim(t);
  }

  private unclaim(t: Torrent): void {
    for (const [infoHash, o] of this.byHash) if (o === t) this.byHash.delete(infoHash);
  }

  async markSaved(id: string, fileIndex: number): Promise<void> {
    const t = this.torrents.get(id);
    if (t) await this.finished.markSaved(t, fileIndex, () => this.torrents.get(id) === t);
  }

  /** Selects or deselects one file, and keeps the choice in the torrent's record. */
  async selectFile(id: string, fileIndex: number, selected: boolean): Promise<void> {
    const t = this.torrents.get(id);
    if (t) await this.finished.selectFile(t, fileIndex, selected);
  }

  /** Deletes a complete torrent's stored pieces once its files are saved (FinishedFiles.free). */
  async free(id: string): Promise<void> {
    const t = this.torrents.get(id);
    if (t) await this.finished.free(t, () => this.torrents.get(id) === t);
  }

  isSaved(id: string, fileIndex: number): boolean {
    const t = this.torrents.get(id);
    return t ? this.finished.isSaved(t, fileIndex) : false;
  }

  pause(id: string): void {
    const t = this.torrents.get(id);
    if (!t) return;
    t.pause();
    void this.setPaused(t, true);
  }

  resume(id: string): void {
    const t = this.torrents.get(id);
    if (!t) return;
    // Its .torrent could not be fetched: fetch it again.
    if (!t.meta && t.state === 'error' && t.source) return this.starter.refetch(t, t.source);
    t.resume();
    void this.setPaused(t, false);
  }

  /**
   * Tries again what a stuck torrent waits for: a failed one as Resume does; a magnet still
   * without metadata announces afresh (and fetches its xs= again); a downloading one
   * restarts its web seeds.
   */
  retry(id: string): void {
    const t = this.torrents.get(id);
    if (!t || t.paused) return;
    if (t.state === 'error') return this.resume(id);
    if (!t.meta && t.source?.kind === 'magnet') {
      const magnet = parseMagnetOrUndefined(t.source.uri);
      if (!magnet) return;
      this.swarms.leave(t);
      return this.starter.startMagnet(t, magnet);
    }
    if (t.state === 'downloading') t.resume();
  }

  private async setPaused(t: Torrent, paused: boolean): Promise<void> {
    const rec = t.infoHash ? this.records.get(t.infoHash) : undefined;
    if (!rec || rec.paused === paused) return;
    rec.paused = paused;
    await this.records.write(rec);
  }

  /**
   * Removes a torrent and its record; with deleteData its stored pieces go too (saved files
   * stay). `deleteAfter`: the stored pieces are deleted only once it settles (saves of the
   * torrent's files still reading them); this call does not wait for that.
   */
  async remove(
    id: string,
    deleteData: boolean,
    opts: { deleteAfter?: Promise<unknown> } = {},
  ): Promise<void> {
    const t = this.torrents.get(id);
    if (!t) return;
    // The infohash it claimed, even before its metadata is set (its record may be on
    // the way: the start path deletes that once written).
    let infoHash = t.infoHash;
    for (const [h, o] of this.byHash) if (o === t) infoHash ??= h;
    // Freed: its stored pieces are gone already.
    if (t.isFreed) deleteData = false;
    await this.drop(t);
    if (!infoHash) return;
    await this.records.delete(infoHash);
    if (!deleteData) return;
    if (!opts.deleteAfter) return this.deleteData(infoHash);
    const h = infoHash;
    void opts.deleteAfter
      .then(
        () => this.deleteData(h),
        () => this.deleteData(h),
      )
      // Nothing is left to show the failure on: the torrent is gone.
      .catch(() => {});
  }

  /** Deletes stored pieces, unless the same torrent was added again meanwhile. */
  private async deleteData(infoHash: string): Promise<void> {
    if (this.byHash.has(infoHash)) return;
    await this.deps.store.remove(infoHash);
  }

  private async drop(t: Torrent): Promise<void> {
    this.torrents.delete(t.id);
    this.unclaim(t);
    this.swarms.leave(t);
    await t.destroy();
    this.emit('removed', t.id);
  }

  async destroy(): Promise<void> {
    this.swarms.destroy();
    for (const t of this.list()) await t.destroy();
    this.torrents.clear();
    this.byHash.clear();
    this.removeAllListeners();
  }
}

/**
 * The client: many torrents, each added from bytes, a URL or a magnet; the same infohash
 * twice is one torrent. Persists a record per torrent so it resumes after a restart.
 */
import type { EngineDeps } from './deps.ts';
import { Emitter } from './emitter.ts';
import { errorMessage } from './errors.ts';
import { fetchTorrent } from './fetch-torrent.ts';
import { parseMagnet, type Magnet } from './magnet.ts';
import { parseMetainfo, type Metainfo } from './metainfo.ts';
import { FinishedFiles } from './finished-files.ts';
import { RecordBook } from './record-book.ts';
import type { RecordStore, SeedingRecord, TorrentRecord } from './records.ts';
import { Torrent, type TorrentSource, type TorrentView } from './torrent.ts';
import { BufferPool } from './buffer-pool.ts';
import { concatBytes } from './bytes.ts';
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
  /** Torrents between their metainfo parsed and started (it may come from two places). */
  private readonly starting = new WeakSet<Torrent>();

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

  /** Joins the torrent's swarm (or adds trackers to it) once its infohash is known. */
  private joinSwarm(t: Torrent, infoHash: string, trackers: string[], magnet?: Magnet): void {
    const onMetadata = (info: Uint8Array): void => {
      // A magnet's metadata from peers, checked against its infohash: a .torrent of it.
      const bytes = concatBytes([new TextEncoder().encode('d4:info'), info, Uint8Array.of(0x65)]);
      void this.startWith(t, bytes, undefined, magnet);
    };
    this.swarms.join(t, infoHash, trackers, onMetadata, {
      load: () => this.records.get(infoHash)?.seeding,
      save: (s: SeedingRecord) => {
        const rec = this.records.get(infoHash);
        if (!rec || this.torrents.get(t.id) !== t) return;
        rec.seeding = s;
        void this.records.writeSoon(rec);
      },
    });
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
      if (rec.torrentFile) void this.startWith(t, rec.torrentFile, rec.sourceUrl, magnet);
      else if (magnet) this.startMagnet(t, magnet);
    }
  }

  /** Adds a torrent; the entry exists (and shows) at once, its metadata may follow. */
  add(source: AddSource): Torrent {
    if (source.kind === 'magnet') return this.addMagnet(source.uri);
    if (source.kind === 'file') {
      const t = this.create(source.name ?? 'torrent', 'checking');
      void this.startWith(t, source.bytes);
      return t;
    }
    const t = this.create(nameFromUrl(source.url), 'fetching');
    t.source = { kind: 'url', url: source.url };
    this.fetchAndStart(t, source.url);
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
      this.merge(existing, magnet.webSeeds, magnet.trackers);
      this.emit('again', existing);
      return existing;
    }
    const t = this.create(magnet.name ?? magnet.infoHash, 'metadata');
    t.source = { kind: 'magnet', uri };
    this.startMagnet(t, magnet);
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

  /** The same torrent added again: its web seeds and trackers join the existing one. */
  private merge(t: Torrent, webSeeds: readonly string[], trackers: readonly string[]): void {
    t.addWebSeeds(webSeeds);
    this.swarms.addTrackers(t, trackers);
  }

  private startMagnet(t: Torrent, magnet: Magnet): void {
    this.byHash.set(magnet.infoHash, t);
    this.joinSwarm(t, magnet.infoHash, this.swarms.trackersFor(magnet.trackers, false), magnet);
    const xs = magnet.exactSources[0];
    if (xs) this.fetchAndStart(t, xs, magnet);
    // Without xs, the metadata comes from peers (ut_metadata, swarm.ts).
  }

  private fetchAndStart(t: Torrent, url: string, magnet?: Magnet): void {
    void fetchTorrent(this.deps.fetch, url).then(
      (bytes) => this.startWith(t, bytes, url, magnet),
      (err: unknown) => this.fail(t, errorMessage(err), err),
    );
  }

  /** Fetches a torrent's metainfo again after that failed (Resume on a torrent in error). */
  private refetch(t: Torrent, source: TorrentSource): void {
    if (source.kind === 'url') {
      t.restart('fetching');
      return this.fetchAndStart(t, source.url);
    }
    const magnet = parseMagnet(source.uri); // it parsed when added
    const existing = this.byHash.get(magnet.infoHash);
    if (existing && existing !== t) {
      // Added again meanwhile: that one is the torrent now.
      this.merge(existing, magnet.webSeeds, magnet.trackers);
      void this.drop(t);
      return;
    }
    t.restart('metadata');
    this.startMagnet(t, magnet);
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

  private async startWith(
    t: Torrent,
    bytes: Uint8Array,
    sourceUrl?: string,
    magnet?: Magnet,
  ): Promise<void> {
    let meta: Metainfo;
    try {
      meta = await parseMetainfo(bytes, this.deps.digest);
    } catch (err) {
      return this.fail(t, errorMessage(err), err);
    }
    // Removed while its .torrent was being fetched or parsed: it must not come back.
    if (!this.torrents.has(t.id)) return;
    // Started already, or starting (the metadata came from xs= and from peers both).
    if (t.meta || this.starting.has(t)) return;
    this.starting.add(t);
    try {
      await this.startParsed(t, meta, bytes, sourceUrl, magnet);
    } finally {
      this.starting.delete(t);
    }
  }

  private async startParsed(
    t: Torrent,
    parsed: Metainfo,
    bytes: Uint8Array,
    sourceUrl: string | undefined,
    magnet: Magnet | undefined,
  ): Promise<void> {
    let meta = parsed;
    if (magnet && magnet.infoHash !== meta.infoHash) {
      return this.fail(t, 'the torrent file from xs= does not match the magnet link infohash');
    }
    const trackers = meta.announce.flat();
    const existing = this.byHash.get(meta.infoHash);
    if (existing && existing !== t) {
      this.merge(existing, meta.urlList, meta.private ? [] : trackers);
      this.emit('again', existing);
      await this.drop(t);
      return;
    }
    this.byHash.set(meta.infoHash, t);
    if (this.records.get(meta.infoHash)?.freed) {
      // Its files were saved and its pieces deleted before: done, nothing to share.
      t.startFreed(meta);
      this.emit('added', t);
      return;
    }
    if (magnet) meta = { ...meta, urlList: [...meta.urlList, ...magnet.webSeeds] };
    this.joinSwarm(
      t,
      meta.infoHash,
      this.swarms.trackersFor(
        [...trackers, ...(meta.private ? [] : (magnet?.trackers ?? []))],
        meta.private,
      ),
    );
    const rec =
      this.records.get(meta.infoHash) ??
      newRecord({
        infoHash: meta.infoHash,
        name: meta.name,
        addedAt: t.addedAt,
        torrentFile: bytes,
        sourceUrl,
      });
    // A magnet recorded before its metadata came: the metadata now goes with it.
    rec.torrentFile ??= bytes;
    rec.name = meta.name;
    // Paused or resumed by the user while its .torrent was on the way: the user's word.
    rec.paused = t.paused;
    this.records.set(rec);
    await this.records.write(rec);
    // Paused or resumed while the record was written (setPaused had no record to change).
    while (this.torrents.has(t.id) && rec.paused !== t.paused) {
      rec.paused = t.paused;
      await this.records.write(rec);
    }
    // Removed while the record was written: remove() deleted the record, perhaps before
    // this write landed. Delete it (again), unless the torrent was added anew meanwhile.
    if (!this.torrents.has(t.id)) return this.forget(meta.infoHash, rec);
    await t.start(meta, { paused: t.paused, deselected: rec.deselected });
    if (!this.torrents.has(t.id)) return;
    this.emit('added', t);
  }

  /** Deletes the record `rec` of a torrent that is gone (unless the infohash is back). */
  private async forget(infoHash: string, rec: TorrentRecord): Promise<void> {
    if (this.byHash.has(infoHash)) return;
    await this.records.delete(infoHash, rec);
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
    if (!t.meta && t.state === 'error' && t.source) return this.refetch(t, t.source);
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
      return this.startMagnet(t, magnet);
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
    // the way: startWith deletes that once written).
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

/**
 * A torrent's way from what it was added from to started: its metainfo fetched, parsed or
 * got from peers (a magnet), the same infohash found twice and merged, its swarm joined,
 * its record written, then the torrent started. The client's part of adding (client.ts).
 */
import type { EngineDeps } from './deps.ts';
import { errorMessage } from './errors.ts';
import { fetchTorrent } from './fetch-torrent.ts';
import { parseMagnet, type Magnet } from './magnet.ts';
import { parseMetainfo, type Metainfo } from './metainfo.ts';
import type { RecordBook } from './record-book.ts';
import type { SeedingRecord, TorrentRecord } from './records.ts';
import type { Torrent, TorrentSource } from './torrent.ts';
import { concatBytes } from './bytes.ts';
import type { Swarms } from './swarms.ts';
import { newRecord } from './add-source.ts';

/** What the start path needs of the client. */
export interface StartHost {
  fail(t: Torrent, message: string, cause?: unknown): void;
  /** Takes a torrent out of the client (the same infohash is there already). */
  drop(t: Torrent): Promise<void>;
  emit(event: 'added' | 'again', t: Torrent): void;
}

export class TorrentStarter {
  /** Torrents between their metainfo parsed and started (it may come from two places). */
  private readonly starting = new WeakSet<Torrent>();

  constructor(
    private readonly deps: Pick<EngineDeps, 'fetch' | 'digest'>,
    private readonly records: RecordBook,
    private readonly swarms: Swarms,
    /** The client's torrents, by id. */
    private readonly torrents: ReadonlyMap<string, Torrent>,
    /** The client's torrent of each infohash (see Client.byHash). */
    private readonly byHash: Map<string, Torrent>,
    private readonly host: StartHost,
  ) {}

  /** A magnet: its infohash claimed and its swarm joined; its .torrent fetched from xs=. */
  startMagnet(t: Torrent, magnet: Magnet): void {
    this.byHash.set(magnet.infoHash, t);
    this.joinSwarm(t, magnet.infoHash, magnet.trackers, false, magnet);
    const xs = magnet.exactSources[0];
    if (xs) this.fetchAndStart(t, xs, magnet);
    // Without xs, the metadata comes from peers (ut_metadata, swarm.ts).
  }

  /** Fetches a .torrent from `url`, then starts the torrent with it. */
  fetchAndStart(t: Torrent, url: string, magnet?: Magnet): void {
    void fetchTorrent(this.deps.fetch, url).then(
      (bytes) => this.startWith(t, bytes, url, magnet),
      (err: unknown) => this.host.fail(t, errorMessage(err), err),
    );
  }

  /** Fetches a torrent's metainfo again after that failed (Resume on a torrent in error). */
  refetch(t: Torrent, source: TorrentSource): void {
    if (source.kind === 'url') {
      t.restart('fetching');
      return this.fetchAndStart(t, source.url);
    }
    const magnet = parseMagnet(source.uri); // it parsed when added
    const existing = this.byHash.get(magnet.infoHash);
    if (existing && existing !== t) {
      // Added again meanwhile: that one is the torrent now.
      this.merge(existing, magnet.webSeeds, magnet.trackers);
      void this.host.drop(t);
      return;
    }
    t.restart('metadata');
    this.startMagnet(t, magnet);
  }

  /** The same torrent added again: its web seeds and trackers join the existing one. */
  merge(t: Torrent, webSeeds: readonly string[], trackers: readonly string[]): void {
    t.addWebSeeds(webSeeds);
    this.swarms.addTrackers(t, trackers);
  }

  /** Parses a .torrent and starts the torrent with it (once, wherever it came from). */
  async startWith(
    t: Torrent,
    bytes: Uint8Array,
    sourceUrl?: string,
    magnet?: Magnet,
  ): Promise<void> {
    let meta: Metainfo;
    try {
      meta = await parseMetainfo(bytes, this.deps.digest);
    } catch (err) {
      return this.host.fail(t, errorMessage(err), err);
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
      return this.host.fail(t, 'the torrent file from xs= does not match the magnet link infohash');
    }
    const trackers = meta.announce.flat();
    const existing = this.byHash.get(meta.infoHash);
    if (existing && existing !== t) {
      this.merge(existing, meta.urlList, meta.private ? [] : trackers);
      this.host.emit('again', existing);
      await this.host.drop(t);
      return;
    }
    this.byHash.set(meta.infoHash, t);
    if (this.records.get(meta.infoHash)?.freed) {
      // Its files were saved and its pieces deleted before: done, nothing to share.
      t.startFreed(meta);
      this.host.emit('added', t);
      return;
    }
    if (magnet) meta = { ...meta, urlList: [...meta.urlList, ...magnet.webSeeds] };
    this.joinSwarm(
      t,
      meta.infoHash,
      [...trackers, ...(meta.private ? [] : (magnet?.trackers ?? []))],
      meta.private,
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
    this.host.emit('added', t);
  }

  /** Joins the torrent's swarm (or adds trackers to it) once its infohash is known. */
  private joinSwarm(
    t: Torrent,
    infoHash: string,
    own: readonly string[],
    isPrivate: boolean,
    magnet?: Magnet,
  ): void {
    const onMetadata = (info: Uint8Array): void => {
      // A magnet's metadata from peers, checked against its infohash: a .torrent of it.
      const bytes = concatBytes([new TextEncoder().encode('d4:info'), info, Uint8Array.of(0x65)]);
      void this.startWith(t, bytes, undefined, magnet);
    };
    this.swarms.join(t, infoHash, own, isPrivate, onMetadata, {
      load: () => this.records.get(infoHash)?.seeding,
      save: (s: SeedingRecord) => {
        const rec = this.records.get(infoHash);
        if (!rec || this.torrents.get(t.id) !== t) return;
        rec.seeding = s;
        void this.records.writeSoon(rec);
      },
    });
  }

  /** Deletes the record `rec` of a torrent that is gone (unless the infohash is back). */
  private async forget(infoHash: string, rec: TorrentRecord): Promise<void> {
    if (this.byHash.has(infoHash)) return;
    await this.records.delete(infoHash, rec);
  }
}

/**
 * The client: many torrents, each added from bytes, a URL or a magnet; the same infohash
 * twice is one torrent. Persists a record per torrent so it resumes after a restart.
 */
import type { EngineDeps } from './deps.ts';
import { Emitter } from './emitter.ts';
import { FetchTorrentError, errorMessage } from './errors.ts';
import { LIMITS } from './limits.ts';
import { parseMagnet, type Magnet } from './magnet.ts';
import { parseMetainfo, type Metainfo } from './metainfo.ts';
import type { RecordStore, TorrentRecord } from './records.ts';
import { Torrent, type TorrentView } from './torrent.ts';
import { BufferPool } from './buffer-pool.ts';

export type AddSource =
  | { kind: 'file'; bytes: Uint8Array; name?: string }
  | { kind: 'url'; url: string }
  | { kind: 'magnet'; uri: string };

export interface ClientDeps extends EngineDeps {
  records: RecordStore;
}

type Events = {
  update: [torrent: Torrent];
  /** A torrent's metadata is known (its name is final). */
  added: [torrent: Torrent];
  'file-complete': [torrent: Torrent, fileIndex: number];
  error: [torrent: Torrent, message: string];
  removed: [id: string];
};

export class Client extends Emitter<Events> {
  private readonly torrents = new Map<string, Torrent>();
  private readonly records = new Map<string, TorrentRecord>();
  /**
   * The torrent of each infohash, claimed as soon as the infohash is known (a magnet at
   * once, a .torrent when parsed), before its storage opens or its record is written.
   */
  private readonly byHash = new Map<string, Torrent>();
  private nextId = 1;

  private readonly deps: ClientDeps;

  constructor(deps: ClientDeps) {
    super();
    // One pool of piece buffers for all torrents.
    this.deps = { ...deps, buffers: deps.buffers ?? new BufferPool() };
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

  private byInfoHash(infoHash: string): Torrent | undefined {
    return this.byHash.get(infoHash);
  }

  record(infoHash: string): TorrentRecord | undefined {
    return this.records.get(infoHash);
  }

  /** Re-adds every persisted torrent (after a restart). */
  async restore(): Promise<void> {
    for (const rec of await this.deps.records.list()) {
      this.records.set(rec.infoHash, rec);
      const t = this.create(rec.name, rec.torrentFile ? 'checking' : 'metadata', rec.addedAt);
      this.byHash.set(rec.infoHash, t);
      if (rec.torrentFile) {
        void this.startWith(t, rec.torrentFile, rec.paused, rec.sourceUrl);
      }
    }
  }

  /** Adds a torrent; the entry exists (and shows) at once, its metadata may follow. */
  add(source: AddSource): Torrent {
    if (source.kind === 'magnet') return this.addMagnet(source.uri);
    if (source.kind === 'file') {
      const t = this.create(source.name ?? 'torrent', 'checking');
      void this.startWith(t, source.bytes, false);
      return t;
    }
    const t = this.create(nameFromUrl(source.url), 'fetching');
    void this.fetchTorrent(source.url).then(
      (bytes) => this.startWith(t, bytes, false, source.url),
      (err: unknown) => this.fail(t, errorMessage(err)),
    );
    return t;
  }

  private addMagnet(uri: string): Torrent {
    let magnet: Magnet;
    try {
      magnet = parseMagnet(uri);
    } catch (err) {
      const t = this.create('magnet link', 'error');
      this.fail(t, errorMessage(err));
      return t;
    }
    const existing = this.byInfoHash(magnet.infoHash);
    if (existing) {
      existing.addWebSeeds(magnet.webSeeds);
      return existing;
    }
    const t = this.create(magnet.name ?? magnet.infoHash, 'metadata');
    this.byHash.set(magnet.infoHash, t);
    const xs = magnet.exactSources[0];
    if (xs) {
      void this.fetchTorrent(xs).then(
        (bytes) => this.startWith(t, bytes, false, xs, magnet),
        (err: unknown) => this.fail(t, errorMessage(err)),
      );
    }
    // Without xs, metadata comes from peers (ut_metadata): the swarm issue.
    return t;
  }

  private create(name: string, state: Torrent['state'], addedAt = this.deps.clock.now()): Torrent {
    const t = new Torrent(`t${this.nextId++}`, this.deps, { name, state, addedAt });
    this.torrents.set(t.id, t);
    t.on('update', () => {
      this.trimBuffers();
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
    paused: boolean,
    sourceUrl?: string,
    magnet?: Magnet,
  ): Promise<void> {
    let meta: Metainfo;
    try {
      meta = await parseMetainfo(bytes, this.deps.digest);
    } catch (err) {
      return this.fail(t, errorMessage(err));
    }
    // Removed while its .torrent was being fetched or parsed: it must not come back.
    if (!this.torrents.has(t.id)) return;
    if (magnet && magnet.infoHash !== meta.infoHash) {
      return this.fail(t, 'the torrent file from xs= does not match the magnet link infohash');
    }
    const existing = this.byInfoHash(meta.infoHash);
    if (existing && existing !== t) {
      existing.addWebSeeds(meta.urlList);
      await this.drop(t);
      return;
    }
    this.byHash.set(meta.infoHash, t);
    if (magnet) meta = { ...meta, urlList: [...meta.urlList, ...magnet.webSeeds] };
    const rec: TorrentRecord = this.records.get(meta.infoHash) ?? {
      infoHash: meta.infoHash,
      name: meta.name,
      addedAt: t.addedAt,
      torrentFile: bytes,
      sourceUrl,
      paused,
      savedFiles: [],
      version: 1,
    };
    // Paused by the user while its .torrent was on the way.
    if (t.paused) rec.paused = true;
    this.records.set(meta.infoHash, rec);
    await this.persist(rec);
    await t.start(meta, { paused: rec.paused });
    this.emit('added', t);
  }

  private async fetchTorrent(url: string): Promise<Uint8Array> {
    let res: Response;
    try {
      res = await this.deps.fetch(url, { credentials: 'include' });
    } catch (err) {
      throw new FetchTorrentError(`Could not fetch ${url}: ${errorMessage(err)}`);
    }
    if (!res.ok) throw new FetchTorrentError(`Could not fetch ${url}: HTTP ${res.status}`);
    const declared = Number(res.headers.get('content-length') ?? 0);
    if (declared > LIMITS.maxTorrentFileBytes) {
      throw new FetchTorrentError(`${url} is too large for a torrent file (${declared} bytes)`);
    }
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (bytes.byteLength > LIMITS.maxTorrentFileBytes) {
      throw new FetchTorrentError(`${url} is too large for a torrent file`);
    }
    return bytes;
  }

  private fail(t: Torrent, message: string): void {
    t.fail(message);
    // Without metadata it holds no infohash's place: adding the torrent again starts afresh.
    if (!t.meta) this.unclaim(t);
  }

  private unclaim(t: Torrent): void {
    for (const [infoHash, o] of this.byHash) if (o === t) this.byHash.delete(infoHash);
  }

  private async persist(rec: TorrentRecord): Promise<void> {
    try {
      await this.deps.records.put(rec);
    } catch (err) {
      this.emit(
        'error',
        this.byInfoHash(rec.infoHash)!,
        `Could not save torrent record: ${errorMessage(err)}`,
      );
    }
  }

  async markSaved(id: string, fileIndex: number): Promise<void> {
    const t = this.torrents.get(id);
    const rec = t?.infoHash ? this.records.get(t.infoHash) : undefined;
    if (!rec || rec.savedFiles.includes(fileIndex)) return;
    rec.savedFiles.push(fileIndex);
    await this.persist(rec);
  }

  isSaved(id: string, fileIndex: number): boolean {
    const t = this.torrents.get(id);
    const rec = t?.infoHash ? this.records.get(t.infoHash) : undefined;
    return rec?.savedFiles.includes(fileIndex) ?? false;
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
    t.resume();
    void this.setPaused(t, false);
  }

  private async setPaused(t: Torrent, paused: boolean): Promise<void> {
    const rec = t.infoHash ? this.records.get(t.infoHash) : undefined;
    if (!rec || rec.paused === paused) return;
    rec.paused = paused;
    await this.persist(rec);
  }

  /** Removes a torrent; with deleteData its stored pieces go too (saved files stay). */
  async remove(id: string, deleteData: boolean): Promise<void> {
    const t = this.torrents.get(id);
    if (!t) return;
    const infoHash = t.infoHash;
    await this.drop(t);
    if (infoHash) {
      this.records.delete(infoHash);
      await this.deps.records.delete(infoHash);
      if (deleteData) await this.deps.store.remove(infoHash);
    }
  }

  private async drop(t: Torrent): Promise<void> {
    this.torrents.delete(t.id);
    this.unclaim(t);
    await t.destroy();
    this.emit('removed', t.id);
  }

  async destroy(): Promise<void> {
    for (const t of this.list()) await t.destroy();
    this.torrents.clear();
    this.byHash.clear();
    this.removeAllListeners();
  }
}

function nameFromUrl(url: string): string {
  try {
    const u = new URL(url);
    const last = u.pathname.split('/').filter(Boolean).pop();
    return last ? decodeURIComponent(last) : u.hostname;
  } catch {
    return url.slice(0, 80);
  }
}

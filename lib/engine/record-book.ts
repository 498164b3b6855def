/**
 * The client's torrent records in memory and their writes to the record store: one write
 * at a time per torrent, changes made while a write waits go with it (a torrent of many
 * small files saves them in a burst: without this, each save would write, and clone, the
 * whole record again), and which files were saved, as a set (a torrent may have 100k files).
 */
import type { RecordStore, TorrentRecord } from './records.ts';

export class RecordBook {
  private readonly records = new Map<string, TorrentRecord>();
  /** rec.savedFiles as a set, per record. */
  private readonly savedSets = new WeakMap<TorrentRecord, Set<number>>();
  /** Per infohash: a write not started yet (later changes ride along with it). */
  private readonly queuedWrites = new Map<string, Promise<void>>();
  private readonly lastWrite = new Map<string, Promise<void>>();

  constructor(
    private readonly store: RecordStore,
    /** A write failed (the caller says so on the torrent it is about). */
    private readonly onError: (rec: TorrentRecord, err: unknown) => void,
  ) {}

  get(infoHash: string): TorrentRecord | undefined {
    return this.records.get(infoHash);
  }

  set(rec: TorrentRecord): void {
    this.records.set(rec.infoHash, rec);
  }

  /** Forgets the record in memory (only if it is still `rec`, when given) and in the store. */
  async delete(infoHash: string, rec?: TorrentRecord): Promise<void> {
    if (!rec || this.records.get(infoHash) === rec) this.records.delete(infoHash);
    await this.store.delete(infoHash);
  }

  list(): Promise<TorrentRecord[]> {
    return this.store.list();
  }

  /** Writes the record now. */
  async write(rec: TorrentRecord): Promise<void> {
    try {
      await this.store.put(rec);
    } catch (err) {
      this.onError(rec, err);
    }
  }

  /** Resolves once a write that includes the caller's change is done. */
  writeSoon(rec: TorrentRecord): Promise<void> {
    const key = rec.infoHash;
    const queued = this.queuedWrites.get(key);
    if (queued) return queued;
    const next = (this.lastWrite.get(key) ?? Promise.resolve()).then(() => {
      // Started: from here on, a change needs a write of its own.
      this.queuedWrites.delete(key);
      // Removed meanwhile: its record must not come back.
      if (this.records.get(key) !== rec) return;
      return this.write(rec);
    });
    this.queuedWrites.set(key, next);
    this.lastWrite.set(key, next);
    void next.then(() => {
      if (this.lastWrite.get(key) === next) this.lastWrite.delete(key);
    });
    return next;
  }

  async markSaved(rec: TorrentRecord, fileIndex: number): Promise<void> {
    const saved = this.savedSet(rec);
    // Already marked: its write is the last one queued or under way, if any.
    if (saved.has(fileIndex)) return this.lastWrite.get(rec.infoHash);
    saved.add(fileIndex);
    rec.savedFiles.push(fileIndex);
    await this.writeSoon(rec);
  }

  isSaved(rec: TorrentRecord, fileIndex: number): boolean {
    return this.savedSet(rec).has(fileIndex);
  }

  private savedSet(rec: TorrentRecord): Set<number> {
    let set = this.savedSets.get(rec);
    if (!set) this.savedSets.set(rec, (set = new Set(rec.savedFiles)));
    return set;
  }
}

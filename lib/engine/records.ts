/**
 * Persisted torrent records (what was added, paused, which files were saved), behind an
 * interface: IndexedDB in the browser (lib/store/db.ts), memory in tests.
 */
export interface TorrentRecord {
  infoHash: string;
  name: string;
  addedAt: number;
  torrentFile?: Uint8Array;
  magnet?: string;
  sourceUrl?: string;
  paused: boolean;
  savedFiles: number[];
  /** Sharing after completion, across restarts: time seeded, bytes uploaded, limit reached. */
  seeding?: SeedingRecord;
  /** Its stored pieces were deleted (seeding ended, files saved): done, nothing kept. */
  freed?: boolean;
  /** Indexes of the files the user deselected (neither downloaded nor saved). */
  deselected?: number[];
  error?: string;
  version: 1;
}

export interface SeedingRecord {
  ms: number;
  uploaded: number;
  ended: boolean;
}

export interface RecordStore {
  list(): Promise<TorrentRecord[]>;
  put(record: TorrentRecord): Promise<void>;
  delete(infoHash: string): Promise<void>;
}

export class MemoryRecordStore implements RecordStore {
  private readonly records = new Map<string, TorrentRecord>();

  async list(): Promise<TorrentRecord[]> {
    return [...this.records.values()].map((r) => structuredClone(r));
  }

  async put(record: TorrentRecord): Promise<void> {
    this.records.set(record.infoHash, structuredClone(record));
  }

  async delete(infoHash: string): Promise<void> {
    this.records.delete(infoHash);
  }
}

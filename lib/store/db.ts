/**
 * The extension's IndexedDB database: torrent records and the bitfields of verified pieces.
 * Piece data itself lives in OPFS (design.md, "Storage and transfer").
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { TorrentRecord } from '../engine/records.ts';

export type { TorrentRecord };

/** Verified pieces of one torrent; bit `i` is `bits[i >> 3] & (0x80 >> (i & 7))` (BEP 3 order). */
export interface BitfieldRecord {
  infoHash: string;
  pieceCount: number;
  bits: Uint8Array;
}

export interface SwarmlinkDbSchema extends DBSchema {
  bitfields: { key: string; value: BitfieldRecord };
  torrents: { key: string; value: TorrentRecord };
}

export type SwarmlinkDb = IDBPDatabase<SwarmlinkDbSchema>;

export const DB_VERSION = 1;

/** `terminated`: the browser closed the connection (it does after a write failed on a full disk). */
export function openSwarmlinkDb(name = 'swarmlink', terminated?: () => void): Promise<SwarmlinkDb> {
  return openDB<SwarmlinkDbSchema>(name, DB_VERSION, {
    terminated,
    upgrade(db, oldVersion) {
      // One step per version, so a database at any older version is brought up to date.
      if (oldVersion < 1) {
        db.createObjectStore('bitfields', { keyPath: 'infoHash' });
        db.createObjectStore('torrents', { keyPath: 'infoHash' });
      }
    },
  });
}

/**
 * One connection to the database, opened when first asked for and opened again once the
 * browser has closed it: Chromium closes every connection to a database whose write failed
 * on a full disk, and without this nothing could be written again until a restart.
 */
export class DbConnection {
  private db?: Promise<SwarmlinkDb>;

  constructor(private readonly name = 'swarmlink') {}

  get(): Promise<SwarmlinkDb> {
    if (this.db) return this.db;
    const db: Promise<SwarmlinkDb> = openSwarmlinkDb(this.name, () => this.forget(db));
    this.db = db;
    db.catch(() => this.forget(db));
    return db;
  }

  /** Runs `fn` on the connection; once more on a fresh one if the old one was closing. */
  async use<T>(fn: (db: SwarmlinkDb) => Promise<T>): Promise<T> {
    const db = this.get();
    try {
      return await fn(await db);
    } catch (err) {
      if (!(err instanceof Error && err.name === 'InvalidStateError')) throw err;
      this.forget(db);
      return fn(await this.get());
    }
  }

  async close(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    if (db) (await db.catch(() => undefined))?.close();
  }

  private forget(db: Promise<SwarmlinkDb>): void {
    if (this.db === db) this.db = undefined;
  }
}

export function getTorrent(db: SwarmlinkDb, infoHash: string): Promise<TorrentRecord | undefined> {
  return db.get('torrents', infoHash);
}

export async function putTorrent(db: SwarmlinkDb, record: TorrentRecord): Promise<void> {
  await db.put('torrents', record);
}

export function deleteTorrent(db: SwarmlinkDb, infoHash: string): Promise<void> {
  return db.delete('torrents', infoHash);
}

/** All torrent records, oldest first. */
export async function listTorrents(db: SwarmlinkDb): Promise<TorrentRecord[]> {
  const all = await db.getAll('torrents');
  return all.sort((a, b) => a.addedAt - b.addedAt);
}

export function getBitfield(
  db: SwarmlinkDb,
  infoHash: string,
): Promise<BitfieldRecord | undefined> {
  return db.get('bitfields', infoHash);
}

/** Rejects with the transaction's own error (e.g. QuotaExceededError), not the AbortError of its request. */
export async function putBitfield(db: SwarmlinkDb, record: BitfieldRecord): Promise<void> {
  const tx = db.transaction('bitfields', 'readwrite');
  try {
    await Promise.all([tx.store.put(record), tx.done]);
  } catch (err) {
    throw tx.error ?? err;
  }
}

export function deleteBitfield(db: SwarmlinkDb, infoHash: string): Promise<void> {
  return db.delete('bitfields', infoHash);
}

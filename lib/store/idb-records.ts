/** Torrent records in IndexedDB: the browser's RecordStore. */
import type { RecordStore, TorrentRecord } from '../engine/records.ts';
import { DbConnection, deleteTorrent, listTorrents, putTorrent } from './db.ts';

export class IdbRecordStore implements RecordStore {
  private readonly db: DbConnection;

  constructor(dbName = 'swarmlink') {
    this.db = new DbConnection(dbName);
  }

  list(): Promise<TorrentRecord[]> {
    return this.db.use((db) => listTorrents(db));
  }

  put(record: TorrentRecord): Promise<void> {
    return this.db.use((db) => putTorrent(db, record));
  }

  delete(infoHash: string): Promise<void> {
    return this.db.use((db) => deleteTorrent(db, infoHash));
  }
}

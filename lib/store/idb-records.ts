/** Torrent records in IndexedDB: the browser's RecordStore. */
import type { RecordStore, TorrentRecord } from '../engine/records.ts';
import {
  deleteTorrent,
  listTorrents,
  openSwarmlinkDb,
  putTorrent,
  type SwarmlinkDb,
} from './db.ts';

export class IdbRecordStore implements RecordStore {
  private db: Promise<SwarmlinkDb> | null = null;

  constructor(private readonly dbName = 'swarmlink') {}

  private open(): Promise<SwarmlinkDb> {
    return (this.db ??= openSwarmlinkDb(this.dbName));
  }

  async list(): Promise<TorrentRecord[]> {
    return listTorrents(await this.open());
  }

  async put(record: TorrentRecord): Promise<void> {
    await putTorrent(await this.open(), record);
  }

  async delete(infoHash: string): Promise<void> {
    await deleteTorrent(await this.open(), infoHash);
  }
}

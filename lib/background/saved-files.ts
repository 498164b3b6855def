/**
 * Which download saved each torrent file (`<infohash>:<file index>` → download id), kept in
 * storage.local so it outlives the torrent's removal and browser restarts. It answers
 * whether a file Swarmlink saved is still on disk (so the same torrent added again does not
 * save a second copy, and a file the user deleted is saved again), and which downloads to
 * open or show in their folder.
 */

/** A download as these rules see it (downloads.search). */
export interface SavedDownload {
  id: number;
  state: string;
  /** The file is still there (Chromium checks when searched). */
  exists: boolean;
}

export interface SavedFilesApis {
  /** The download with this id, or undefined if the browser forgot it. */
  item(id: number): Promise<SavedDownload | undefined>;
  load(): Promise<Record<string, number>>;
  store(all: Record<string, number>): Promise<void>;
}

const keyOf = (infoHash: string, fileIndex: number) => `${infoHash}:${fileIndex}`;

export class SavedFiles {
  private ids: Promise<Record<string, number>> | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly apis: SavedFilesApis) {}

  private all(): Promise<Record<string, number>> {
    return (this.ids ??= this.apis.load().catch(() => ({})));
  }

  /** Records the download that saves a file (replacing an earlier one). */
  record(infoHash: string, fileIndex: number, downloadId: number): Promise<void> {
    const next = this.queue.then(async () => {
      const all = await this.all();
      all[keyOf(infoHash, fileIndex)] = downloadId;
      await this.apis.store(all);
    });
    this.queue = next.catch(() => {});
    return next;
  }

  /** The download that saved this file, if it completed and the file is still on disk. */
  async onDisk(infoHash: string, fileIndex: number): Promise<number | undefined> {
    const id = (await this.all())[keyOf(infoHash, fileIndex)];
    if (id === undefined) return undefined;
    const item = await this.apis.item(id).catch(() => undefined);
    return item && item.state === 'complete' && item.exists ? id : undefined;
  }

  /** The downloads of a torrent's files that are still on disk, by file index. */
  async torrentOnDisk(infoHash: string): Promise<Map<number, number>> {
    const found = new Map<number, number>();
    const prefix = `${infoHash}:`;
    for (const key of Object.keys(await this.all())) {
      if (!key.startsWith(prefix)) continue;
      const fileIndex = Number(key.slice(prefix.length));
      const id = await this.onDisk(infoHash, fileIndex);
      if (id !== undefined) found.set(fileIndex, id);
    }
    return found;
  }
}

import { describe, expect, it } from 'vitest';
import type { EngineCommand } from '../protocol.ts';
import { SavedFiles, type SavedDownload } from './saved-files.ts';
import { Saver } from './saver.ts';

const HASH = 'cd'.repeat(20);

/** The downloads the browser knows of (downloads.search by id) and storage.local, in memory. */
function browserState() {
  const downloads = new Map<number, SavedDownload & { url: string }>();
  let local: Record<string, number> = {};
  let nextId = 1;
  const saved = new SavedFiles({
    item: async (id) => downloads.get(id),
    load: async () => structuredClone(local),
    store: async (all) => {
      local = structuredClone(all);
    },
  });
  const saver = (sent: EngineCommand[]) =>
    new Saver(
      {
        download: async ({ url }) => {
          const id = nextId++;
          downloads.set(id, { id, url, state: 'in_progress', exists: false });
          return id;
        },
        item: async (id) => downloads.get(id),
        byUrl: async (url) => [...downloads.values()].filter((d) => d.url === url),
        loadSession: async () => ({}),
        storeSession: async () => {},
        onDisk: async (s) => (await saved.onDisk(s.infoHash, s.fileIndex)) !== undefined,
        started: (s, id) => saved.record(s.infoHash, s.fileIndex, id),
      },
      (c) => sent.push(c),
    );
  const finish = (id: number) =>
    Object.assign(downloads.get(id)!, { state: 'complete', exists: true });
  return { downloads, saved, saver, finish, local: () => local };
}

const request = (url: string) => ({
  torrentId: 'x-1',
  infoHash: HASH,
  fileIndex: 0,
  url,
  filename: 'file.bin',
});

describe('SavedFiles with the Saver', () => {
  it('a file still on disk is not saved again; once deleted, it is', async () => {
    const b = browserState();
    const sent: EngineCommand[] = [];
    const saver = b.saver(sent);

    await saver.save(request('blob:a'));
    expect(b.downloads.size).toBe(1);
    b.finish(1);
    await saver.changed(1, 'complete');
    expect(b.local()).toEqual({ [`${HASH}:0`]: 1 });

    // The same torrent again (removed with Keep data, then clicked): nothing new downloads,
    // and the engine is told the file is saved.
    await saver.save(request('blob:b'));
    expect(b.downloads.size).toBe(1);
    expect(sent.at(-1)).toMatchObject({ type: 'save-done', url: 'blob:b', ok: true });

    // The user deleted the file: saved again, and that download is the one remembered.
    b.downloads.get(1)!.exists = false;
    expect(await b.saved.onDisk(HASH, 0)).toBeUndefined();
    await saver.save(request('blob:c'));
    expect(b.downloads.size).toBe(2);
    expect(b.local()).toEqual({ [`${HASH}:0`]: 2 });
  });

  it('lists a torrent’s files still on disk, and only complete downloads count', async () => {
    const b = browserState();
    const saver = b.saver([]);
    await saver.save(request('blob:a'));
    await saver.save({ ...request('blob:b'), fileIndex: 1 });
    expect(await b.saved.torrentOnDisk(HASH)).toEqual(new Map());
    b.finish(2);
    expect(await b.saved.torrentOnDisk(HASH)).toEqual(new Map([[1, 2]]));
    expect(await b.saved.torrentOnDisk('ef'.repeat(20))).toEqual(new Map());
  });
});

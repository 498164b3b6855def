/**
 * What the user decides about a torrent's data: stored pieces are deleted when seeding ends
 * (design.md) or when the user frees them, the saved files staying and the torrent staying
 * in the list as done, across restarts; and files deselected are neither fetched nor saved,
 * across restarts too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileServer } from '../../tests/fixtures/file-server.ts';
import { content, makeTorrent, PL, singleFileTorrent } from '../../tests/fixtures/torrents.ts';
import { Client } from './client.ts';
import { realClock, webCryptoDigest } from './deps.ts';
import { MemoryPieceStore } from './memory-store.ts';
import { MemoryRecordStore } from './records.ts';
import type { Torrent } from './torrent.ts';

let server: FileServer;
beforeAll(async () => {
  server = new FileServer();
  await server.listen();
});
afterAll(() => server.close());

/** Node's own fetch, WebCrypto and clock. */
const NODE = { fetch, digest: webCryptoDigest, clock: realClock, random: Math.random };

/** A client whose consumer saves each finished file (as the background does). */
function makeClient(store: MemoryPieceStore, records: MemoryRecordStore): Client {
  const client = new Client({ ...NODE, store, records });
  client.on('file-complete', (t, f) => {
    if (!client.isSaved(t.id, f)) void client.markSaved(t.id, f);
  });
  return client;
}

function until(client: Client, pred: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = () => pred() && (client.off('update', check), resolve());
    client.on('update', check);
    check();
  });
}

async function doneAndSaved(name: string, seed: number) {
  const data = content(4 * PL, seed);
  const bytes = await singleFileTorrent(data, name, [`${server.origin}/ws/`]);
  server.files.set(`/ws/${name}`, data);
  const store = new MemoryPieceStore();
  const records = new MemoryRecordStore();
  const client = makeClient(store, records);
  const t = client.add({ kind: 'file', bytes });
  await until(client, () => t.state === 'done' && client.isSaved(t.id, 0));
  return { client, t, store, records, infoHash: t.infoHash! };
}

/** Whether the store still holds pieces of `infoHash` (opening it again shows them). */
async function storedPieces(store: MemoryPieceStore, t: Torrent): Promise<number> {
  const storage = await store.open(t.meta!);
  const n = (await storage.verified()).count();
  await storage.close();
  return n;
}

describe('freeing stored pieces', () => {
  it('Free: pieces deleted, done at 100%, nothing stored; a restart keeps it so', async () => {
    const { client, t, store, records } = await doneAndSaved('free.bin', 31);
    expect(t.view().storedBytes).toBe(4 * PL);
    await client.free(t.id);
    expect(t.view()).toMatchObject({ state: 'done', progress: 100, storedBytes: 0 });
    expect(t.view().verifiedBytes).toBe(4 * PL);
    expect(await storedPieces(store, t)).toBe(0);
    expect((await records.list())[0]!.freed).toBe(true);
    // Pausing a freed torrent does nothing (there is nothing to resume).
    client.pause(t.id);
    expect(t.state).toBe('done');
    await client.destroy();

    const fetched = server.hitsUnder('/ws/').length;
    const after = makeClient(store, records);
    await after.restore();
    const [again] = after.list();
    await until(after, () => again!.state === 'done');
    expect(again!.view()).toMatchObject({ progress: 100, storedBytes: 0, sources: [] });
    // Done from its record: nothing fetched again.
    expect(server.hitsUnder('/ws/').length).toBe(fetched);
    await after.destroy();
  });

  it('seeding ended with every file saved: pieces deleted by themselves', async () => {
    const { client, t, store } = await doneAndSaved('ended.bin', 32);
    expect(await storedPieces(store, t)).toBe(4);
    const removal = new Promise<string>((resolve) => {
      const remove = store.remove.bind(store);
      store.remove = async (h) => {
        await remove(h);
        resolve(h);
      };
    });
    // What the seeding limit does (Seeding.check), then the torrent reports itself.
    t.endSeeding();
    t.touch();
    expect(await removal).toBe(t.infoHash);
    expect(t.view().storedBytes).toBe(0);
    expect(await storedPieces(store, t)).toBe(0);
    // Removing it with Delete data afterwards is fine: nothing left to delete.
    await client.remove(t.id, true);
    expect(client.list()).toEqual([]);
    await client.destroy();
  });
});

describe('file selection', () => {
  it('a deselected file is not saved, and stays deselected after a restart', async () => {
    const files = [
      { path: 'a.bin', data: content(3 * PL, 41) },
      { path: 'b.bin', data: content(5 * PL, 42) },
      { path: 'c.bin', data: content(2 * PL, 43) },
    ];
    const bytes = await makeTorrent(files, { name: 'Sel', urlList: [`${server.origin}/ws/`] });
    // b.bin is not on the web seed at all: only deselecting it lets the torrent complete.
    for (const f of [files[0]!, files[2]!]) server.files.set(`/ws/Sel/${f.path}`, f.data);
    const store = new MemoryPieceStore();
    const records = new MemoryRecordStore();
    const client = makeClient(store, records);
    const t = client.add({ kind: 'file', bytes });
    await until(client, () => t.files(10).length === 3);
    await client.selectFile(t.id, 1, false);
    expect(t.files(10).map((f) => f.selected)).toEqual([true, false, true]);
    await until(client, () => t.state === 'done' && client.isSaved(t.id, 2));
    expect(t.view()).toMatchObject({ progress: 100, selectedFiles: 2 });
    expect(client.isSaved(t.id, 0)).toBe(true);
    expect(client.isSaved(t.id, 1)).toBe(false);
    await client.destroy();

    const after = makeClient(store, records);
    await after.restore();
    const [again] = after.list();
    await until(after, () => again!.files(10).length === 3);
    expect(again!.files(10).map((f) => f.selected)).toEqual([true, false, true]);
    await until(after, () => again!.state === 'done');
    await after.destroy();
  });
});

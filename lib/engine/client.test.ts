import { EventEmitter, once } from 'node:events';
import bencode, { type BencodeInput } from 'bencode';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../tests/fixtures/fake-clock.ts';
import { FileServer } from '../../tests/fixtures/file-server.ts';
import {
  PL,
  content,
  expectSameBytes,
  handTorrent,
  parse,
  singleFileTorrent,
  type SourceFile,
} from '../../tests/fixtures/torrents.ts';
import { Client, type ClientDeps } from './client.ts';
import { webCryptoDigest, type Digest } from './deps.ts';
import { StoreError } from './errors.ts';
import { LIMITS } from './limits.ts';
import { MemoryPieceStore } from './memory-store.ts';
import type { StorageLayout, TorrentStorage } from './piece-store.ts';
import { mulberry32 } from './random.ts';
import { MemoryRecordStore, type TorrentRecord } from './records.ts';
import type { Torrent } from './torrent.ts';

// ------------------------------------------------------------------ records, client

/**
 * Record writes wait until `release()` (once released, they go straight through); with
 * `failWith` they then fail. `log` lists the writes and deletes as they land.
 */
class GatedRecordStore extends MemoryRecordStore {
  private readonly gate = new EventEmitter();
  private open = false;
  waiting = 0;
  failWith: Error | undefined;
  readonly log: ('put' | 'put failed' | 'delete')[] = [];

  /** A record that was there before (written straight through). */
  seed(record: TorrentRecord): Promise<void> {
    return super.put(record);
  }

  override async put(record: TorrentRecord): Promise<void> {
    if (!this.open) {
      this.waiting++;
      this.gate.emit('change');
      await once(this.gate, 'open');
    }
    if (this.failWith) {
      this.log.push('put failed');
      this.gate.emit('change');
      throw this.failWith;
    }
    await super.put(record);
    this.log.push('put');
    this.gate.emit('change');
  }

  override async delete(infoHash: string): Promise<void> {
    await super.delete(infoHash);
    this.log.push('delete');
    this.gate.emit('change');
  }

  /** A delete landed after the last write (failed or not). */
  get deletedAfterWrite(): boolean {
    const lastWrite = Math.max(this.log.lastIndexOf('put'), this.log.lastIndexOf('put failed'));
    return lastWrite >= 0 && this.log.lastIndexOf('delete') > lastWrite;
  }

  /** Wakes `until` (for conditions that change outside the store). */
  notify(): void {
    this.gate.emit('change');
  }

  release(): void {
    this.open = true;
    this.gate.emit('open');
  }

  /** Resolves once `pred` holds, checked now and whenever a write starts waiting. */
  async until(pred: () => boolean): Promise<void> {
    while (!pred()) await once(this.gate, 'change');
  }
}

/** A memory store that logs `remove` calls and can refuse to open (a full disk). */
class LoggingStore extends MemoryPieceStore {
  readonly removed: string[] = [];
  /** The next this many opens fail. */
  failOpens = 0;
  private readonly changed = new EventEmitter();

  override async open(layout: StorageLayout): Promise<TorrentStorage> {
    if (this.failOpens > 0) {
      this.failOpens--;
      throw new StoreError('Not enough storage: 1 MiB free, 2 MiB needed');
    }
    return super.open(layout);
  }

  override async remove(infoHash: string): Promise<void> {
    await super.remove(infoHash);
    this.removed.push(infoHash);
    this.changed.emit('change');
  }

  /** Resolves once `pred` holds, checked now and after each remove. */
  async until(pred: () => boolean): Promise<void> {
    while (!pred()) await once(this.changed, 'change');
  }
}

interface Env {
  client: Client;
  deps: ClientDeps;
  store: MemoryPieceStore;
  records: MemoryRecordStore;
  clock: FakeClock;
  /** Files reported complete, as `<torrent id>:<file index>`, in order. */
  completed: string[];
  /** Files a download consumer saved (it skips those `isSaved` already). */
  saved: string[];
  errors: string[];
  /** Pending `markSaved` calls. */
  saving: Promise<void>[];
}

/** A client over real fetch, WebCrypto, a memory store and a fake clock, with a consumer. */
interface Extra {
  digest?: Digest;
  random?: () => number;
  onBytesRead?: (n: number) => void;
}

function makeClient(shared?: Pick<Env, 'store' | 'records'>, extra: Extra = {}): Env {
  const store = shared?.store ?? new MemoryPieceStore();
  const records = shared?.records ?? new MemoryRecordStore();
  const clock = new FakeClock();
  const deps: ClientDeps = {
    fetch,
    digest: extra.digest ?? webCryptoDigest,
    store,
    records,
    clock,
    random: extra.random ?? (() => 0.5),
    onBytesRead: extra.onBytesRead,
    // The fake clock fires every timer at once (webseed.test.ts tests the idle timeout).
    webSeed: { idleTimeoutMs: Infinity },
  };
  const client = new Client(deps);
  const env: Env = {
    client,
    deps,
    store,
    records,
    clock,
    completed: [],
    saved: [],
    errors: [],
    saving: [],
  };
  // What the background does: save each finished file once.
  client.on('file-complete', (t, f) => {
    env.completed.push(`${t.id}:${f}`);
    if (client.isSaved(t.id, f)) return;
    env.saved.push(`${t.id}:${f}`);
    env.saving.push(client.markSaved(t.id, f));
  });
  // `t?.`: an error about no torrent at all is a bug the tests must see, not a TypeError.
  client.on('error', (t, message) => env.errors.push(`${t?.id}: ${message}`));
  return env;
}

/** Resolves once `pred` holds, checked now and after every client update or removal. */
function until(client: Client, pred: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (!pred()) return;
      offUpdate();
      offRemoved();
      resolve();
    };
    const offUpdate = client.on('update', check);
    const offRemoved = client.on('removed', check);
    check();
  });
}

const settled = (t: Torrent): boolean => t.state === 'done' || t.state === 'error';

/** Waits for the torrent to finish one way or the other (or go), and checks which. */
async function finish(env: Env, t: Torrent, expected: 'done' | 'error'): Promise<void> {
  await until(env.client, () => settled(t) || env.client.get(t.id) !== t);
  expect(env.client.get(t.id), 'torrent removed').toBe(t);
  expect(t.state, `torrent error: ${t.error}`).toBe(expected);
}

async function fileBytes(t: Torrent, index: number): Promise<Uint8Array> {
  return new Uint8Array(await (await t.fileBlob(index)).arrayBuffer());
}

/**
 * Lets everything already under way in the client settle: a round trip through the server
 * (so any request sent before it has arrived) and a turn of the event loop.
 */
async function quiesce(): Promise<void> {
  await (await fetch(`${server.origin}/probe`)).arrayBuffer();
  await new Promise((resolve) => setImmediate(resolve));
}

let server: FileServer;
const envs: Env[] = [];
beforeEach(async () => {
  server = new FileServer();
  await server.listen();
});
afterEach(async () => {
  for (const env of envs.splice(0)) await env.client.destroy();
  await server.close();
});
function env(shared?: Pick<Env, 'store' | 'records'>, extra?: Extra): Env {
  const e = makeClient(shared, extra);
  envs.push(e);
  return e;
}

// ------------------------------------------------------------------ fixtures

/** A multi-file album: pieces span files, a pad file, an empty file, Unicode names. */
function album(seedUrls: (origin: string) => string[] = (o) => [`${o}/seed/`]) {
  const name = 'Mön Album';
  const files: SourceFile[] = [
    { path: 'cover art.jpg', data: content(40_000, 1) },
    { path: 'disc 1/01 — intro.flac', data: content(100_001, 2) },
    { path: '.pad/23839', data: new Uint8Array(23_839), pad: true },
    { path: 'disc 1/empty.cue', data: new Uint8Array(0) },
    { path: 'disc 2/ünïcode 🎵.flac', data: content(70_000, 3) },
    { path: 'readme.txt', data: content(5, 4) },
  ];
  const bytes = handTorrent(files, { name, urlList: seedUrls(server.origin) });
  server.serveTorrent('/seed/', name, files, true);
  server.files.set('/t/album.torrent', bytes);
  return { name, files, bytes, nonPad: [0, 1, 3, 4, 5] };
}

// ------------------------------------------------------------------ tests

describe('Client: add by URL, end to end over HTTP', () => {
  it('downloads everything; file-complete once per non-pad file; bytes identical; 100%', async () => {
    const { name, files, nonPad } = album();
    const e = env();
    const progress: number[] = [];
    e.client.on('update', (t) => progress.push(t.view().progress));
    const added: Torrent[] = [];
    e.client.on('added', (t) => added.push(t));

    const t = e.client.add({ kind: 'url', url: `${server.origin}/t/album.torrent` });
    expect(t.state).toBe('fetching');
    expect(t.name).toBe('album.torrent');
    expect(e.client.list()).toEqual([t]);
    await finish(e, t, 'done');

    expect(added).toEqual([t]);
    expect(t.name).toBe(name);
    const view = t.view();
    expect(view.progress).toBe(100);
    expect(view.verifiedBytes).toBe(view.selectedBytes);
    expect(view.selectedBytes).toBe(40_000 + 100_001 + 70_000 + 5);
    expect(view.fileCount).toBe(5);
    // Progress only ever goes up, and ends at 100.
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(100);
    expect([...e.completed].sort()).toEqual(nonPad.map((f) => `${t.id}:${f}`).sort());
    for (const f of nonPad) expectSameBytes(await fileBytes(t, f), files[f]!.data);
    await Promise.all(e.saving);
    for (const f of nonPad) expect(e.client.isSaved(t.id, f)).toBe(true);
    expect(e.errors).toEqual([]);
    // The .torrent once, then large ranges: one per non-empty file, none for the pad file.
    expect(server.hitsUnder('/t/')).toHaveLength(1);
    expect(server.hitsUnder('/seed/').map((h) => h.path)).toEqual([
      '/seed/Mön Album/cover art.jpg',
      '/seed/Mön Album/disc 1/01 — intro.flac',
      '/seed/Mön Album/disc 2/ünïcode 🎵.flac',
      '/seed/Mön Album/readme.txt',
    ]);
    // The record persists the torrent file and its source.
    const [rec] = await e.records.list();
    expect(rec).toMatchObject({
      name,
      sourceUrl: `${server.origin}/t/album.torrent`,
      paused: false,
    });
    expect(rec!.torrentFile).toEqual(server.files.get('/t/album.torrent'));
  });

  it('a malformed .torrent: that torrent is in error with a MetainfoError message; others go on', async () => {
    // Well-formed bencode, but the info dictionary has no pieces.
    server.files.set('/t/bad.torrent', new TextEncoder().encode('d4:infod4:name3:abcee'));
    const good = content(5 * PL + 3, 5);
    server.files.set('/seed/good.bin', good);
    server.files.set(
      '/t/good.torrent',
      await singleFileTorrent(good, 'good.bin', [`${server.origin}/seed/`]),
    );
    const e = env();

    const bad = e.client.add({ kind: 'url', url: `${server.origin}/t/bad.torrent` });
    const ok = e.client.add({ kind: 'url', url: `${server.origin}/t/good.torrent` });
    await finish(e, bad, 'error');
    await finish(e, ok, 'done');

    expect(bad.error).toBe('Invalid torrent: info.pieces: missing');
    expect(e.errors).toEqual([`${bad.id}: ${bad.error}`]);
    expect(bad.view()).toMatchObject({ state: 'error', name: 'bad.torrent', progress: 0 });
    expectSameBytes(await fileBytes(ok, 0), good);
    expect(e.client.list()).toEqual([bad, ok]);
    // Nothing is persisted for the broken one.
    expect((await e.records.list()).map((r) => r.name)).toEqual(['good.bin']);
  });

  it('a .torrent URL answering 404: error state naming the URL and status', async () => {
    const e = env();
    const t = e.client.add({ kind: 'url', url: `${server.origin}/t/missing.torrent` });
    await finish(e, t, 'error');
    expect(t.error).toBe(`Could not fetch ${server.origin}/t/missing.torrent: HTTP 404`);
    expect(e.errors).toHaveLength(1);
    expect(await e.records.list()).toEqual([]);
  });

  it('a web seed that 404s: error state with the seed’s reason', async () => {
    const data = content(3 * PL, 6);
    server.files.set(
      '/t/x.torrent',
      await singleFileTorrent(data, 'x.bin', [`${server.origin}/nope/`]),
    );
    const e = env();
    const t = e.client.add({ kind: 'url', url: `${server.origin}/t/x.torrent` });
    await finish(e, t, 'error');
    expect(t.error).toMatch(/nope\/: HTTP 404: file not available/);
    expect(server.hitsUnder('/nope/')).toHaveLength(1);
    // The popup can say which seed failed and why.
    expect(t.view().webSeeds).toMatchObject([
      {
        url: `${server.origin}/nope/`,
        state: 'failed',
        error: expect.stringMatching(/HTTP 404/) as unknown as string,
      },
    ]);
  });
});

describe('Client: the same infohash twice is one torrent', () => {
  it('by URL, then by bytes with another web seed: one torrent, web seeds merged', async () => {
    const { bytes } = album();
    const e = env();
    const t = e.client.add({ kind: 'url', url: `${server.origin}/t/album.torrent` });
    await until(e.client, () => t.state !== 'fetching' && t.state !== 'checking');
    const removed: string[] = [];
    e.client.on('removed', (id) => removed.push(id));
    const again: string[] = [];
    e.client.on('again', (x) => again.push(x.id));

    // Same info dictionary, another url-list: same infohash.
    const meta = await parse(bytes);
    const other = bencode.encode({
      info: bencode.decode(meta.infoBytes) as BencodeInput,
      'url-list': [`${server.origin}/mirror/`],
    });
    expect((await parse(other)).infoHash).toBe(meta.infoHash);
    const dup = e.client.add({ kind: 'file', bytes: other });
    await until(e.client, () => removed.includes(dup.id));

    expect(e.client.list()).toEqual([t]);
    // Said once, about the torrent that stays (the popup highlights it).
    expect(again).toEqual([t.id]);
    expect(t.webSeedUrls).toEqual([`${server.origin}/seed/`, `${server.origin}/mirror/`]);
    await finish(e, t, 'done');
    expect((await e.records.list()).map((r) => r.infoHash)).toEqual([meta.infoHash]);
  });

  it('the same bytes added twice at once (records slow to persist): one torrent', async () => {
    const { bytes } = album();
    // A record store whose writes wait, as IndexedDB's do, until the test lets them go.
    const records = new GatedRecordStore();
    const e = env({ store: new MemoryPieceStore(), records });
    const removed: string[] = [];
    e.client.on('removed', (id) => {
      removed.push(id);
      records.notify();
    });

    const a = e.client.add({ kind: 'file', bytes });
    const b = e.client.add({ kind: 'file', bytes });
    // Either the second one is recognised as a duplicate, or both went on to persist.
    await records.until(() => removed.length > 0 || records.waiting === 2);
    records.release();
    await until(e.client, () => e.client.list().every(settled));

    expect(e.client.list()).toHaveLength(1);
    const [kept] = e.client.list();
    expect([a, b]).toContain(kept);
    expect(removed).toEqual([kept === a ? b.id : a.id]);
    expect(kept!.state).toBe('done');
    // Each file completed (and was saved) once.
    expect(e.saved).toHaveLength(5);
    expect(await records.list()).toHaveLength(1);
  });

  it('the same magnet twice: one torrent', async () => {
    const { bytes } = album();
    const meta = await parse(bytes);
    const e = env();
    const uri = `magnet:?xt=urn:btih:${meta.infoHash}&dn=Album`;
    const again: string[] = [];
    e.client.on('again', (x) => again.push(x.id));
    const a = e.client.add({ kind: 'magnet', uri });
    const b = e.client.add({ kind: 'magnet', uri: uri + `&ws=${server.origin}/mirror/` });
    expect(b).toBe(a);
    expect(again).toEqual([a.id]);
    expect(e.client.list()).toEqual([a]);
    expect(a.state).toBe('metadata');
    expect(a.name).toBe('Album');
  });
});

describe('Client: magnet links with xs=', () => {
  it('fetches the torrent from xs, checks its infohash, downloads (ws= merged)', async () => {
    const data = content(7 * PL + 11, 7);
    // The .torrent has no url-list: the magnet's ws= is the only web seed.
    const bytes = await singleFileTorrent(data, 'm.bin', []);
    const meta = await parse(bytes);
    server.files.set('/t/m.torrent', bytes);
    server.files.set('/ws/m.bin', data);
    const xs = encodeURIComponent(`${server.origin}/t/m.torrent`);
    const ws = encodeURIComponent(`${server.origin}/ws/`);
    const e = env();

    const t = e.client.add({
      kind: 'magnet',
      uri: `magnet:?xt=urn:btih:${meta.infoHash}&dn=From%20magnet&xs=${xs}&ws=${ws}`,
    });
    expect(t.name).toBe('From magnet');
    await finish(e, t, 'done');

    expect(t.infoHash).toBe(meta.infoHash);
    expect(t.name).toBe('m.bin');
    expectSameBytes(await fileBytes(t, 0), data);
    expect(server.hitsUnder('/t/')).toHaveLength(1);
    expect(server.hitsUnder('/ws/').length).toBeGreaterThan(0);
  });

  it('an xs= torrent with another infohash: error, nothing downloaded', async () => {
    const data = content(3 * PL, 8);
    server.files.set(
      '/t/other.torrent',
      await singleFileTorrent(data, 'o.bin', [`${server.origin}/ws/`]),
    );
    server.files.set('/ws/o.bin', data);
    const e = env();
    const t = e.client.add({
      kind: 'magnet',
      uri: `magnet:?xt=urn:btih:${'ab'.repeat(20)}&xs=${server.origin}/t/other.torrent`,
    });
    await finish(e, t, 'error');
    expect(t.error).toMatch(/does not match the magnet link infohash/);
    expect(server.hitsUnder('/ws/')).toEqual([]);
    // The magnet was recorded when added; the wrong .torrent never joined it.
    const recs = await e.records.list();
    expect(recs.map((r) => [r.infoHash, r.torrentFile])).toEqual([['ab'.repeat(20), undefined]]);
  });

  it('after a magnet whose xs= failed, the same torrent added again downloads', async () => {
    const data = content(3 * PL, 18);
    const bytes = await singleFileTorrent(data, 'again.bin', [`${server.origin}/ws/`]);
    const meta = await parse(bytes);
    server.files.set('/ws/again.bin', data);
    const e = env();
    const m = e.client.add({
      kind: 'magnet',
      uri: `magnet:?xt=urn:btih:${meta.infoHash}&xs=${server.origin}/t/gone.torrent`,
    });
    await finish(e, m, 'error');
    expect(m.error).toMatch(/HTTP 404/);

    const t = e.client.add({ kind: 'file', bytes });
    await finish(e, t, 'done');
    expect(e.client.list()).toEqual([m, t]);
    expectSameBytes(await fileBytes(t, 0), data);
  });

  it('a malformed magnet: error state at once', () => {
    const e = env();
    const t = e.client.add({ kind: 'magnet', uri: 'magnet:?dn=nothing' });
    expect(t.state).toBe('error');
    expect(t.error).toMatch(/^Invalid magnet link: xt/);
  });
});

describe('Client: pause, resume, remove', () => {
  it('pause stops fetching (no request after it settles); resume fetches only the rest', async () => {
    const data = content(16 * PL, 9);
    server.files.set(
      '/t/p.torrent',
      await singleFileTorrent(data, 'p.bin', [`${server.origin}/ws/`]),
    );
    server.files.set('/ws/p.bin', data);
    let held = false;
    server.fault = (hit) => {
      if (!hit.path.startsWith('/ws/') || held) return undefined;
      held = true;
      return { holdAfter: 5 * PL + 1 };
    };
    const e = env();
    const t = e.client.add({ kind: 'url', url: `${server.origin}/t/p.torrent` });
    await until(e.client, () => t.view().verifiedBytes === 5 * PL);

    e.client.pause(t.id);
    expect(t.state).toBe('paused');
    // The range in flight is aborted; nothing else is asked for; no retry is scheduled.
    await server.hitsUnder('/ws/')[0]!.closed;
    await quiesce();
    expect(server.hitsUnder('/ws/')).toHaveLength(1);
    expect(e.clock.pending).toBe(0);
    expect(t.state).toBe('paused');
    expect(t.view().webSeeds).toEqual([]);
    expect((await e.records.list())[0]!.paused).toBe(true);

    e.client.resume(t.id);
    await finish(e, t, 'done');
    expectSameBytes(await fileBytes(t, 0), data);
    expect(server.hitsUnder('/ws/').map((h) => h.first)).toEqual([0, 5 * PL]);
    expect(server.bytesUnder('/ws/')).toBe(5 * PL + 1 + 11 * PL);
    expect((await e.records.list())[0]!.paused).toBe(false);
  });

  it('pausing while the .torrent is being fetched keeps it paused once it arrives', async () => {
    const data = content(4 * PL, 10);
    server.files.set(
      '/t/q.torrent',
      await singleFileTorrent(data, 'q.bin', [`${server.origin}/ws/`]),
    );
    server.files.set('/ws/q.bin', data);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    server.fault = (hit) => (hit.path === '/t/q.torrent' ? { gate } : undefined);
    const e = env();
    const added = new Promise<Torrent>((resolve) => e.client.on('added', resolve));

    const t = e.client.add({ kind: 'url', url: `${server.origin}/t/q.torrent` });
    await server.hitUnder('/t/');
    e.client.pause(t.id);
    open();
    expect(await added).toBe(t);

    expect(t.state).toBe('paused');
    expect(t.view().webSeeds).toEqual([]);
    expect((await e.records.list())[0]!.paused).toBe(true);
    await quiesce();
    expect(server.hitsUnder('/ws/')).toEqual([]);

    e.client.resume(t.id);
    await finish(e, t, 'done');
  });

  it('remove with deleteData mid-download: the store holds nothing of it, nothing more is fetched', async () => {
    const data = content(16 * PL, 11);
    const bytes = await singleFileTorrent(data, 'r.bin', [`${server.origin}/ws/`]);
    const meta = await parse(bytes);
    server.files.set('/ws/r.bin', data);
    server.fault = (hit) => (hit.path.startsWith('/ws/') ? { holdAfter: 5 * PL + 1 } : undefined);
    const e = env();
    const removed: string[] = [];
    e.client.on('removed', (id) => removed.push(id));
    const t = e.client.add({ kind: 'file', bytes });
    await until(e.client, () => t.view().verifiedBytes === 5 * PL);
    const before = await (await e.store.open(meta)).verified();
    expect(before.count()).toBe(5);

    await e.client.remove(t.id, true);

    expect(removed).toEqual([t.id]);
    expect(e.client.list()).toEqual([]);
    expect(e.client.get(t.id)).toBeUndefined();
    await server.hitsUnder('/ws/')[0]!.closed;
    await quiesce();
    expect(server.hitsUnder('/ws/')).toHaveLength(1);
    const storage = await e.store.open(meta);
    expect((await storage.verified()).count()).toBe(0);
    expect(await e.records.list()).toEqual([]);
    await storage.close();
  });

  it('remove without deleteData keeps the verified pieces (the record goes)', async () => {
    const data = content(4 * PL, 12);
    const bytes = await singleFileTorrent(data, 'k.bin', [`${server.origin}/ws/`]);
    const meta = await parse(bytes);
    server.files.set('/ws/k.bin', data);
    const e = env();
    const t = e.client.add({ kind: 'file', bytes });
    await finish(e, t, 'done');

    await e.client.remove(t.id, false);

    expect(e.client.list()).toEqual([]);
    expect(await e.records.list()).toEqual([]);
    const storage = await e.store.open(meta);
    expect((await storage.verified()).count()).toBe(4);
    expectSameBytes(new Uint8Array(await (await storage.fileBlob(0)).arrayBuffer()), data);
    await storage.close();
  });

  it('removing a torrent whose .torrent is still being fetched: it does not come back', async () => {
    const data = content(4 * PL, 13);
    const bytes = await singleFileTorrent(data, 'z.bin', [`${server.origin}/ws/`]);
    const meta = await parse(bytes);
    server.files.set('/t/z.torrent', bytes);
    server.files.set('/ws/z.bin', data);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    server.fault = (hit) => (hit.path === '/t/z.torrent' ? { gate } : undefined);
    // Know when the client has hashed the info dictionary it fetched.
    const hashed = new EventEmitter();
    const e = env(undefined, {
      digest: async (alg, d) => {
        const out = await webCryptoDigest(alg, d);
        hashed.emit('done');
        return out;
      },
    });

    const t = e.client.add({ kind: 'url', url: `${server.origin}/t/z.torrent` });
    await server.hitUnder('/t/');
    await e.client.remove(t.id, true);
    const infoHashed = once(hashed, 'done');
    open();
    await infoHashed;
    await quiesce();

    expect(e.client.list()).toEqual([]);
    expect(await e.records.list()).toEqual([]);
    expect(server.hitsUnder('/ws/')).toEqual([]);
    const storage = await e.store.open(meta);
    expect((await storage.verified()).count()).toBe(0);
    await storage.close();
  });
});

describe('Client.restore: resume after a restart', () => {
  it('a second client over the same stores fetches only the missing pieces, saves only unsaved files', async () => {
    const name = 'Resume';
    const files: SourceFile[] = [
      { path: 'a.bin', data: content(40_000, 14) },
      { path: 'b.bin', data: content(100_000, 15) },
      { path: 'c.bin', data: content(30_000, 16) },
    ];
    const bytes = handTorrent(files, { name, urlList: [`${server.origin}/seed/`] });
    server.serveTorrent('/seed/', name, files, true);
    server.files.set('/t/resume.torrent', bytes);
    // First run: a.bin whole, b.bin cut after 50,000 bytes (pieces 0..4 complete).
    server.fault = (hit) => (hit.path.endsWith('/b.bin') ? { holdAfter: 50_000 } : undefined);
    const first = env();
    const t1 = first.client.add({ kind: 'url', url: `${server.origin}/t/resume.torrent` });
    await until(first.client, () => t1.view().verifiedBytes === 5 * PL);
    expect(first.completed).toEqual([`${t1.id}:0`]);
    await Promise.all(first.saving);
    expect(first.client.isSaved(t1.id, 0)).toBe(true);
    await first.client.destroy();
    await server.hitsUnder('/seed/Resume/b.bin')[0]!.closed;

    // Second run, same store and records; the server now serves everything.
    server.fault = () => undefined;
    const firstRunHits = server.hits.length;
    const second = env({ store: first.store, records: first.records });
    await second.client.restore();
    const [t2] = second.client.list();
    expect(t2).toBeDefined();
    await finish(second, t2!, 'done');

    const newHits = server.hits.slice(firstRunHits);
    // Restored from the record: no .torrent fetch; only bytes of pieces 5.. are asked for.
    expect(newHits.map((h) => [h.path, h.range])).toEqual([
      ['/seed/Resume/b.bin', `bytes=${5 * PL - 40_000}-99999`],
      ['/seed/Resume/c.bin', 'bytes=0-29999'],
    ]);
    expect(newHits.reduce((n, h) => n + h.sent, 0)).toBe(170_000 - 5 * PL);
    for (let f = 0; f < 3; f++) expectSameBytes(await fileBytes(t2!, f), files[f]!.data);
    // a.bin is reported complete again on resume, but it was saved already: not saved twice.
    expect(second.completed.sort()).toEqual([`${t2!.id}:0`, `${t2!.id}:1`, `${t2!.id}:2`]);
    expect(second.saved.sort()).toEqual([`${t2!.id}:1`, `${t2!.id}:2`]);
    await Promise.all(second.saving);
    const [rec] = await second.records.list();
    expect((rec as TorrentRecord).savedFiles.sort()).toEqual([0, 1, 2]);
    expect(t2!.view().progress).toBe(100);
  });

  it('a torrent paused before the restart is restored paused and fetches nothing', async () => {
    const data = content(6 * PL, 17);
    const bytes = await singleFileTorrent(data, 'paused.bin', [`${server.origin}/ws/`]);
    server.files.set('/ws/paused.bin', data);
    server.fault = (hit) => (hit.path.startsWith('/ws/') ? { holdAfter: 2 * PL } : undefined);
    const first = env();
    const t1 = first.client.add({ kind: 'file', bytes, name: 'paused.torrent' });
    await until(first.client, () => t1.view().verifiedBytes === 2 * PL);
    first.client.pause(t1.id);
    await quiesce();
    expect((await first.records.list())[0]!.paused).toBe(true);
    await first.client.destroy();
    server.fault = () => undefined;
    const before = server.hits.length;

    const second = env({ store: first.store, records: first.records });
    const added = new Promise<Torrent>((resolve) => second.client.on('added', resolve));
    await second.client.restore();
    const t2 = await added;
    expect(t2.state).toBe('paused');
    expect(t2.view().progress).toBe(Math.floor((100 * 2) / 6));
    await quiesce();
    expect(server.hits.length).toBe(before + 1); // the probe only

    second.client.resume(t2.id);
    await finish(second, t2, 'done');
    expectSameBytes(await fileBytes(t2, 0), data);
    expect(server.hitsUnder('/ws/').slice(-1)[0]!.first).toBe(2 * PL);
  });
});

describe('Client: several web seeds', () => {
  /** The state of the torrent's web seed at `url`, as the popup sees it. */
  const seedState = (t: Torrent, url: string): string | undefined =>
    t.view().webSeeds.find((s) => s.url === url)?.state;

  it('a seed that fails for good hands its pieces to one that had found nothing to fetch', async () => {
    const a = `${server.origin}/a/`;
    const b = `${server.origin}/seed/`;
    const { name, files, nonPad } = album(() => [a, b]);
    // Seed A lacks one file; seed B serves them all.
    server.serveTorrent(
      '/a/',
      name,
      files.filter((f) => !f.path.startsWith('disc 2/')),
      true,
    );
    const e = env();
    const t = e.client.add({ kind: 'url', url: `${server.origin}/t/album.torrent` });

    // A takes the whole torrent in one run, so B finds nothing and stays idle. A then
    // fails on the missing file: B must take the pieces A gave back.
    await until(
      e.client,
      () => settled(t) || (seedState(t, a) === 'failed' && seedState(t, b) === 'idle'),
    );
    expect(t.state, 'stalled with A failed and B idle').toBe('done');

    expect(t.view().progress).toBe(100);
    for (const f of nonPad) expectSameBytes(await fileBytes(t, f), files[f]!.data);
    expect(server.hitsUnder('/a/').map((h) => [h.path, h.status])).toEqual([
      ['/a/Mön Album/cover art.jpg', 206],
      ['/a/Mön Album/disc 1/01 — intro.flac', 206],
      ['/a/Mön Album/disc 2/ünïcode 🎵.flac', 404],
    ]);
    expect(server.hitsUnder('/seed/').map((h) => h.path)).toEqual([
      '/seed/Mön Album/disc 2/ünïcode 🎵.flac',
      '/seed/Mön Album/readme.txt',
    ]);
    expect(t.view().webSeeds.map((s) => s.state)).toEqual(['failed', 'idle']);
    expect(e.errors).toEqual([]);
  });

  it('pieces a failed seed gives back later (a run still in flight) go to an idle seed', async () => {
    // Three files of 96 pieces: seed A takes one run per file (three in flight). A lacks
    // f0 and f1: the run of f0 fails at once and A is failed; B takes f0 and goes idle
    // (f1 and f2 are A's). Only then does A's run of f1 get its 404: B must take f1 too.
    const a = `${server.origin}/a/`;
    const b = `${server.origin}/b/`;
    const name = 'three';
    const files: SourceFile[] = [0, 1, 2].map((i) => ({
      path: `f${i}.bin`,
      data: content(96 * PL, 40 + i),
    }));
    const bytes = handTorrent(files, { name, urlList: [a, b] });
    server.serveTorrent('/a/', name, files.slice(2), true);
    server.serveTorrent('/b/', name, files, true);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    server.fault = (hit) => (hit.path === `/a/${name}/f1.bin` ? { gate } : undefined);
    const e = env();
    const bStates: (string | undefined)[] = [];
    const t = e.client.add({ kind: 'file', bytes });
    e.client.on('update', () => {
      const s = seedState(t, b);
      if (s !== bStates.at(-1)) bStates.push(s);
    });

    // (B's runs may split a file in two ranges: paths only.)
    const bPaths = (): string[] => [...new Set(server.hitsUnder('/b/').map((h) => h.path))];
    await until(
      e.client,
      () =>
        seedState(t, a) === 'failed' &&
        bStates.includes('active') &&
        bStates.at(-1) === 'idle' &&
        t.view().verifiedBytes === 2 * 96 * PL,
    );
    expect(bPaths()).toEqual([`/b/${name}/f0.bin`]);
    open();
    await finish(e, t, 'done');

    for (let f = 0; f < 3; f++) expectSameBytes(await fileBytes(t, f), files[f]!.data);
    expect(bPaths()).toEqual([`/b/${name}/f0.bin`, `/b/${name}/f1.bin`]);
  });
});

describe('Client: while the record is being written', () => {
  it('removing the torrent: it does not come back, its record and data go', async () => {
    const data = content(4 * PL, 30);
    const bytes = await singleFileTorrent(data, 'w.bin', [`${server.origin}/ws/`]);
    const meta = await parse(bytes);
    server.files.set('/ws/w.bin', data);
    const records = new GatedRecordStore();
    const store = new LoggingStore();
    const e = env({ store, records });
    const added: Torrent[] = [];
    e.client.on('added', (t) => {
      added.push(t);
      records.notify();
    });

    const t = e.client.add({ kind: 'file', bytes });
    await records.until(() => records.waiting === 1);
    await e.client.remove(t.id, true);
    expect(store.removed).toEqual([meta.infoHash]);
    records.release();
    // The write lands; then the torrent either comes back (added) or its record goes.
    await records.until(() => added.length > 0 || records.deletedAfterWrite);

    expect(added).toEqual([]);
    expect(e.client.list()).toEqual([]);
    expect(await records.list()).toEqual([]);
    expect(e.client.record(meta.infoHash)).toBeUndefined();
    await quiesce();
    expect(server.hitsUnder('/ws/')).toEqual([]);
    expect(e.errors).toEqual([]);
  });

  it('removing the torrent, and the write fails: no error about a torrent that is gone', async () => {
    const data = content(2 * PL, 31);
    const bytes = await singleFileTorrent(data, 'f.bin', [`${server.origin}/ws/`]);
    const records = new GatedRecordStore();
    records.failWith = new Error('QuotaExceededError');
    const e = env({ store: new MemoryPieceStore(), records });
    const added: Torrent[] = [];
    e.client.on('added', (t) => {
      added.push(t);
      records.notify();
    });
    e.client.on('error', () => records.notify());

    const t = e.client.add({ kind: 'file', bytes });
    await records.until(() => records.waiting === 1);
    await e.client.remove(t.id, false);
    records.release();
    await records.until(() => added.length > 0 || e.errors.length > 0 || records.deletedAfterWrite);

    expect(e.errors).toEqual([]);
    expect(added).toEqual([]);
    expect(e.client.list()).toEqual([]);
  });

  it('a pause is kept: the torrent starts paused and the record says so', async () => {
    const data = content(4 * PL, 32);
    const bytes = await singleFileTorrent(data, 'pw.bin', [`${server.origin}/ws/`]);
    server.files.set('/ws/pw.bin', data);
    const records = new GatedRecordStore();
    const e = env({ store: new MemoryPieceStore(), records });
    const added = new Promise<Torrent>((resolve) => e.client.on('added', resolve));

    const t = e.client.add({ kind: 'file', bytes });
    await records.until(() => records.waiting === 1);
    e.client.pause(t.id);
    records.release();
    expect(await added).toBe(t);

    expect(t.state).toBe('paused');
    expect((await records.list())[0]!.paused).toBe(true);
    await quiesce();
    expect(server.hitsUnder('/ws/')).toEqual([]);

    e.client.resume(t.id);
    await finish(e, t, 'done');
    expect((await records.list())[0]!.paused).toBe(false);
  });

  it('a resume of a torrent restored paused is kept too', async () => {
    const data = content(4 * PL, 33);
    const bytes = await singleFileTorrent(data, 'rw.bin', [`${server.origin}/ws/`]);
    const meta = await parse(bytes);
    server.files.set('/ws/rw.bin', data);
    const records = new GatedRecordStore();
    await records.seed({
      infoHash: meta.infoHash,
      name: meta.name,
      addedAt: 0,
      torrentFile: bytes,
      paused: true,
      savedFiles: [],
      version: 1,
    });
    const e = env({ store: new MemoryPieceStore(), records });

    await e.client.restore();
    const [t] = e.client.list();
    await records.until(() => records.waiting === 1);
    e.client.resume(t!.id);
    records.release();
    await finish(e, t!, 'done');

    expect((await records.list())[0]!.paused).toBe(false);
  });
});

describe('Client: Resume after a failed start', () => {
  it('storage that could not open ("Not enough storage"): Resume opens it again', async () => {
    const data = content(5 * PL, 34);
    const bytes = await singleFileTorrent(data, 's.bin', [`${server.origin}/ws/`]);
    server.files.set('/ws/s.bin', data);
    const store = new LoggingStore();
    store.failOpens = 1;
    const e = env({ store, records: new MemoryRecordStore() });

    const t = e.client.add({ kind: 'file', bytes });
    await finish(e, t, 'error');
    expect(t.error).toMatch(/^Storage failed: Not enough storage/);
    expect(server.hitsUnder('/ws/')).toEqual([]);

    e.client.resume(t.id);
    await finish(e, t, 'done');
    expect(t.error).toBeUndefined();
    expectSameBytes(await fileBytes(t, 0), data);
  });

  it('a .torrent URL that failed: Resume fetches it again', async () => {
    const data = content(3 * PL, 35);
    const bytes = await singleFileTorrent(data, 'u.bin', [`${server.origin}/ws/`]);
    server.files.set('/ws/u.bin', data);
    const e = env();

    const t = e.client.add({ kind: 'url', url: `${server.origin}/t/u.torrent` });
    await finish(e, t, 'error');
    expect(t.error).toMatch(/HTTP 404/);

    server.files.set('/t/u.torrent', bytes);
    e.client.resume(t.id);
    expect(t.state).toBe('fetching');
    await finish(e, t, 'done');
    expect(t.error).toBeUndefined();
    expectSameBytes(await fileBytes(t, 0), data);
    expect(server.hitsUnder('/t/').map((h) => h.status)).toEqual([404, 200]);
  });

  it('a magnet whose xs= failed: Resume fetches it again', async () => {
    const data = content(3 * PL, 36);
    const bytes = await singleFileTorrent(data, 'x.bin', []);
    const meta = await parse(bytes);
    server.files.set('/ws/x.bin', data);
    const e = env();
    const xs = encodeURIComponent(`${server.origin}/t/x.torrent`);
    const ws = encodeURIComponent(`${server.origin}/ws/`);

    const t = e.client.add({
      kind: 'magnet',
      uri: `magnet:?xt=urn:btih:${meta.infoHash}&dn=X&xs=${xs}&ws=${ws}`,
    });
    await finish(e, t, 'error');
    expect(t.error).toMatch(/HTTP 404/);

    server.files.set('/t/x.torrent', bytes);
    e.client.resume(t.id);
    expect(t.state).toBe('metadata');
    await finish(e, t, 'done');
    expectSameBytes(await fileBytes(t, 0), data);
    // The magnet's ws= is still the web seed; the same infohash is still one torrent.
    expect(t.webSeedUrls).toEqual([`${server.origin}/ws/`]);
    expect(e.client.add({ kind: 'magnet', uri: `magnet:?xt=urn:btih:${meta.infoHash}` })).toBe(t);
  });
});

describe('Client.markSaved: many files saved at once', () => {
  /**
   * Counts writes. Like IndexedDB, a write is ordered when it is issued (a later delete
   * wins) and completes a turn of the event loop later.
   */
  class CountingRecords extends MemoryRecordStore {
    puts: TorrentRecord[] = [];
    override async put(record: TorrentRecord): Promise<void> {
      this.puts.push(structuredClone(record));
      const stored = super.put(record);
      await new Promise((resolve) => setImmediate(resolve));
      await stored;
    }
  }

  it('writes the record a few times, not once per file, and each call resolves once written', async () => {
    const files: SourceFile[] = Array.from({ length: 200 }, (_, i) => ({
      path: `f${i}.txt`,
      data: content(i % 3, i),
    }));
    const bytes = handTorrent(files, { name: 'Many', urlList: [`${server.origin}/seed/`] });
    server.serveTorrent('/seed/', 'Many', files, true);
    const records = new CountingRecords();
    const e = env({ store: new MemoryPieceStore(), records });
    const t = e.client.add({ kind: 'file', bytes });
    await finish(e, t, 'done');
    // The consumer marked each of the 200 files saved as it completed.
    expect(e.saved).toHaveLength(200);
    await Promise.all(e.saving);

    const [rec] = await records.list();
    expect(rec!.savedFiles.slice().sort((x, y) => x - y)).toEqual(files.map((_, i) => i));
    const withSaves = records.puts.filter((r) => r.savedFiles.length > 0).length;
    expect(withSaves).toBeGreaterThan(0);
    expect(withSaves).toBeLessThan(20);
    // Again: already saved, nothing written.
    const before = records.puts.length;
    await e.client.markSaved(t.id, 7);
    expect(records.puts.length).toBe(before);
  });
});

describe('Client: bytes read', () => {
  it('tells the host of every byte read from a web seed', async () => {
    const a = album();
    let read = 0;
    const e = env(undefined, { onBytesRead: (n) => (read += n) });
    const t = e.client.add({ kind: 'file', bytes: a.bytes });
    await finish(e, t, 'done');
    // Every byte of every non-pad file, once (pad bytes are made locally).
    const expected = a.files.filter((f) => !f.pad).reduce((sum, f) => sum + f.data.length, 0);
    expect(read).toBe(expected);
  });
});

describe('Client: limits and ids', () => {
  it('a .torrent without Content-Length past the size limit: read stops there, clear error', async () => {
    const max = LIMITS.maxTorrentFileBytes;
    // Starts like a torrent (a bencoded dictionary), so the size limit is what stops it.
    const huge = new Uint8Array(4 * max);
    huge[0] = 0x64;
    server.files.set('/t/huge.torrent', huge);
    server.fault = (hit) => (hit.path === '/t/huge.torrent' ? { unsized: true } : undefined);
    const e = env();
    const url = `${server.origin}/t/huge.torrent`;

    const t = e.client.add({ kind: 'url', url });
    await finish(e, t, 'error');

    expect(t.error).toBe(`${url} is too large for a torrent file (over ${max} bytes)`);
    const [hit] = server.hitsUnder('/t/');
    await hit!.closed;
    // The client hung up soon after the limit (what the sockets buffer aside).
    expect(hit!.sent).toBeGreaterThan(max);
    expect(hit!.sent).toBeLessThan(2 * max);
  });

  it('torrent ids differ between client instances: an id from before a restart matches nothing', async () => {
    const data = content(2 * PL, 37);
    const bytes = await singleFileTorrent(data, 'id.bin', [`${server.origin}/ws/`]);
    server.files.set('/ws/id.bin', data);
    const first = env(undefined, { random: mulberry32(1) });
    const added = new Promise<Torrent>((resolve) => first.client.on('added', resolve));
    const t1 = first.client.add({ kind: 'file', bytes });
    await added;
    await finish(first, t1, 'done');
    await first.client.destroy();

    const second = env({ store: first.store, records: first.records }, { random: mulberry32(2) });
    await second.client.restore();
    const [t2] = second.client.list();
    await finish(second, t2!, 'done');

    expect(t1.id).toMatch(/^[0-9a-z]{6}-1$/);
    expect(t2!.id).toMatch(/^[0-9a-z]{6}-1$/);
    expect(t2!.id).not.toBe(t1.id);
    // A popup still showing t1 acts on nothing.
    expect(second.client.get(t1.id)).toBeUndefined();
    second.client.pause(t1.id);
    expect(t2!.state).toBe('done');
  });
});

describe('Client.remove: data deleted after the saves end', () => {
  /** A seeding torrent of `pieces` pieces from the test web seed, on a LoggingStore. */
  async function seeded(pieces: number, seed: number, name: string) {
    const data = content(pieces * PL, seed);
    const bytes = await singleFileTorrent(data, name, [`${server.origin}/ws/`]);
    const meta = await parse(bytes);
    server.files.set(`/ws/${name}`, data);
    const store = new LoggingStore();
    const e = env({ store, records: new MemoryRecordStore() });
    const t = e.client.add({ kind: 'file', bytes });
    await finish(e, t, 'done');
    return { data, bytes, meta, store, e, t };
  }

  it('the torrent and its record go at once, the stored pieces once deleteAfter settles', async () => {
    const { data, meta, store, e, t } = await seeded(4, 38, 'd.bin');
    let endSaves!: () => void;
    const saves = new Promise<void>((resolve) => (endSaves = resolve));

    await e.client.remove(t.id, true, { deleteAfter: saves });

    expect(e.client.list()).toEqual([]);
    expect(await e.records.list()).toEqual([]);
    // A save still reading the file finds it whole.
    expect(store.removed).toEqual([]);
    const during = await store.open(meta);
    expect((await during.verified()).count()).toBe(4);
    expectSameBytes(new Uint8Array(await (await during.fileBlob(0)).arrayBuffer()), data);
    await during.close();

    endSaves();
    await store.until(() => store.removed.length > 0);
    expect(store.removed).toEqual([meta.infoHash]);
    const after = await store.open(meta);
    expect((await after.verified()).count()).toBe(0);
    await after.close();
  });

  it('a deleteAfter that rejects deletes the data all the same', async () => {
    const { meta, store, e, t } = await seeded(2, 39, 'j.bin');

    await e.client.remove(t.id, true, { deleteAfter: Promise.reject(new Error('save failed')) });
    await store.until(() => store.removed.length > 0);
    expect(store.removed).toEqual([meta.infoHash]);
  });

  it('the same torrent added again before the saves end keeps its data', async () => {
    const { data, bytes, store, e, t } = await seeded(4, 40, 'a.bin');
    let endSaves!: () => void;
    const saves = new Promise<void>((resolve) => (endSaves = resolve));
    await e.client.remove(t.id, true, { deleteAfter: saves });
    const before = server.hitsUnder('/ws/').length;

    const again = e.client.add({ kind: 'file', bytes });
    await finish(e, again, 'done');
    endSaves();
    await saves;
    // Let the deferred deletion run (it only checks that the infohash is back).
    await new Promise((resolve) => setImmediate(resolve));

    expect(store.removed).toEqual([]);
    expect(server.hitsUnder('/ws/')).toHaveLength(before);
    expectSameBytes(await fileBytes(again, 0), data);
  });
});

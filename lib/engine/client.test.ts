import { createHash } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import bencode, { type BencodeInput } from 'bencode';
import createTorrent from 'create-torrent';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Client, type ClientDeps } from './client.ts';
import { webCryptoDigest, type Clock, type Digest } from './deps.ts';
import { MemoryPieceStore } from './memory-store.ts';
import { parseMetainfo, type Metainfo } from './metainfo.ts';
import { MemoryRecordStore, type TorrentRecord } from './records.ts';
import type { Torrent } from './torrent.ts';
import { concatBytes as concat } from './bytes.ts';

const KiB = 1024;
const PL = 16 * KiB;

// ------------------------------------------------------------------ content and torrents

/** Deterministic pseudo-random bytes (no two pieces alike). */
function content(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let a = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    a ^= a << 13;
    a ^= a >>> 17;
    a ^= a << 5;
    out[i] = a & 0xff;
  }
  return out;
}

const sha1 = (data: Uint8Array): Buffer => createHash('sha1').update(data).digest();

interface SourceFile {
  /** Path inside the torrent, `/`-separated. */
  path: string;
  data: Uint8Array;
  pad?: boolean;
}

/** A single-file torrent made by create-torrent. */
function makeTorrent(data: Uint8Array, name: string, urlList: string[]): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    createTorrent(
      Object.assign(Buffer.from(data), { name }),
      { name, pieceLength: PL, urlList, announceList: [], creationDate: 1_700_000_000_000 },
      (err, torrent) => (err ? reject(err) : resolve(new Uint8Array(torrent))),
    );
  });
}

/**
 * A multi-file torrent built by hand with bencode: BEP 47 pad files (`attr: 'p'`), and
 * zero-length files (create-torrent 6.1.3 hashes the last piece wrongly when one is empty).
 */
function handTorrent(files: SourceFile[], name: string, urlList: string[]): Uint8Array {
  const all = concat(files.map((f) => (f.pad ? new Uint8Array(f.data.length) : f.data)));
  const hashes: Uint8Array[] = [];
  for (let off = 0; off < all.length; off += PL) hashes.push(sha1(all.subarray(off, off + PL)));
  const info: Record<string, BencodeInput> = {
    name,
    'piece length': PL,
    pieces: concat(hashes),
    files: files.map((f) => {
      const entry: Record<string, BencodeInput> = {
        length: f.data.length,
        path: f.path.split('/'),
      };
      if (f.pad) entry.attr = 'p';
      return entry;
    }),
  };
  return bencode.encode({ info, 'url-list': urlList });
}

const parse = (bytes: Uint8Array): Promise<Metainfo> => parseMetainfo(bytes, webCryptoDigest);

/** Byte equality with a short message (a diff of megabytes would take for ever). */
function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  let at = 0;
  const n = Math.min(actual.length, expected.length);
  while (at < n && actual[at] === expected[at]) at++;
  const where = at === n && actual.length === expected.length ? 'none' : `byte ${at}`;
  expect({ length: actual.length, firstDifference: where }, `of ${expected.length} bytes`).toEqual({
    length: expected.length,
    firstDifference: 'none',
  });
}

// ------------------------------------------------------------------ a real HTTP server

interface Fault {
  /** Answer with this status and no body. */
  status?: number;
  /** Send this many body bytes, then nothing more (the response stays open). */
  holdAfter?: number;
  /** Answer only once this resolves. */
  gate?: Promise<void>;
}

interface Hit {
  url: string;
  /** Decoded path. */
  path: string;
  range: string | undefined;
  status: number;
  first: number;
  last: number;
  /** Body bytes written. */
  sent: number;
  /** Resolves when the response is finished or its connection closed. */
  closed: Promise<void>;
}

/** Serves .torrent files and web seed files (with Range), and logs every request. */
class TestServer extends EventEmitter {
  readonly files = new Map<string, Uint8Array>();
  readonly hits: Hit[] = [];
  fault: (hit: Hit) => Fault | undefined = () => undefined;
  origin = '';
  private readonly server = http.createServer((req, res) => this.handle(req, res));

  async listen(): Promise<void> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  serveTorrent(base: string, name: string, files: SourceFile[]): void {
    for (const f of files) if (!f.pad) this.files.set(`${base}${name}/${f.path}`, f.data);
  }

  /** Requests whose path starts with `prefix`. */
  hitsUnder(prefix: string): Hit[] {
    return this.hits.filter((h) => h.path.startsWith(prefix));
  }

  bytesUnder(prefix: string): number {
    return this.hitsUnder(prefix).reduce((n, h) => n + h.sent, 0);
  }

  /** Resolves with the first request (past or future) whose path starts with `prefix`. */
  async hitUnder(prefix: string): Promise<Hit> {
    for (;;) {
      const hit = this.hitsUnder(prefix)[0];
      if (hit) return hit;
      await once(this, 'hit');
    }
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = req.url ?? '/';
    let onClosed!: () => void;
    const hit: Hit = {
      url,
      path: decodeURIComponent(new URL(url, 'http://x').pathname),
      range: req.headers.range,
      status: 0,
      first: 0,
      last: -1,
      sent: 0,
      closed: new Promise((resolve) => (onClosed = resolve)),
    };
    res.on('close', onClosed);
    this.hits.push(hit);
    const fault = this.fault(hit) ?? {};
    const reply = (): void => {
      const body = this.files.get(hit.path);
      if (fault.status !== undefined || !body) {
        hit.status = fault.status ?? 404;
        res.writeHead(hit.status, { 'content-length': '0' }).end();
        return;
      }
      const m = /^bytes=(\d+)-(\d*)$/.exec(hit.range ?? '');
      hit.last = body.length - 1;
      hit.status = 200;
      if (m) {
        hit.first = Number(m[1]);
        hit.last = m[2] ? Math.min(Number(m[2]), body.length - 1) : body.length - 1;
        hit.status = 206;
      }
      const data = body.subarray(hit.first, hit.last + 1);
      res.writeHead(hit.status, {
        'content-type': hit.path.endsWith('.torrent')
          ? 'application/x-bittorrent'
          : 'application/octet-stream',
        'content-length': String(data.length),
        ...(m ? { 'content-range': `bytes ${hit.first}-${hit.last}/${body.length}` } : {}),
      });
      if (fault.holdAfter !== undefined) {
        hit.sent = fault.holdAfter;
        res.write(data.subarray(0, fault.holdAfter));
      } else {
        hit.sent = data.length;
        res.end(data);
      }
    };
    if (fault.gate) void fault.gate.then(reply);
    else reply();
    this.emit('hit', hit);
  }
}

// ------------------------------------------------------------------ clock, records, client

/** Record writes wait until `release()` (once released, they go straight through). */
class GatedRecordStore extends MemoryRecordStore {
  private readonly gate = new EventEmitter();
  private open = false;
  waiting = 0;

  override async put(record: TorrentRecord): Promise<void> {
    if (!this.open) {
      this.waiting++;
      this.gate.emit('change');
      await once(this.gate, 'open');
    }
    await super.put(record);
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

/** Timers fire on the next turn of the event loop; time jumps by their delay. */
class FakeClock implements Clock {
  time = 0;
  private readonly timers = new Map<object, { fn: () => void; ms: number }>();

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const handle = {};
    this.timers.set(handle, { fn, ms });
    setImmediate(() => {
      if (!this.timers.delete(handle)) return;
      this.time += ms;
      fn();
    });
    return handle;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as object);
  }

  get pending(): number {
    return this.timers.size;
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
function makeClient(shared?: Pick<Env, 'store' | 'records'>, extra: { digest?: Digest } = {}): Env {
  const store = shared?.store ?? new MemoryPieceStore();
  const records = shared?.records ?? new MemoryRecordStore();
  const clock = new FakeClock();
  const deps: ClientDeps = {
    fetch,
    digest: extra.digest ?? webCryptoDigest,
    store,
    records,
    clock,
    random: () => 0.5,
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
  client.on('error', (t, message) => env.errors.push(`${t.id}: ${message}`));
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

const settled = (t: Torrent): boolean => t.state === 'seeding' || t.state === 'error';

/** Waits for the torrent to finish one way or the other (or go), and checks which. */
async function finish(env: Env, t: Torrent, expected: 'seeding' | 'error'): Promise<void> {
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

let server: TestServer;
const envs: Env[] = [];
beforeEach(async () => {
  server = new TestServer();
  await server.listen();
});
afterEach(async () => {
  for (const env of envs.splice(0)) await env.client.destroy();
  await server.close();
});
function env(shared?: Pick<Env, 'store' | 'records'>, extra?: { digest?: Digest }): Env {
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
  const bytes = handTorrent(files, name, seedUrls(server.origin));
  server.serveTorrent('/seed/', name, files);
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
    await finish(e, t, 'seeding');

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
      await makeTorrent(good, 'good.bin', [`${server.origin}/seed/`]),
    );
    const e = env();

    const bad = e.client.add({ kind: 'url', url: `${server.origin}/t/bad.torrent` });
    const ok = e.client.add({ kind: 'url', url: `${server.origin}/t/good.torrent` });
    await finish(e, bad, 'error');
    await finish(e, ok, 'seeding');

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
    server.files.set('/t/x.torrent', await makeTorrent(data, 'x.bin', [`${server.origin}/nope/`]));
    const e = env();
    const t = e.client.add({ kind: 'url', url: `${server.origin}/t/x.torrent` });
    await finish(e, t, 'error');
    expect(t.error).toMatch(/nope\/: HTTP 404: file not available/);
    expect(server.hitsUnder('/nope/')).toHaveLength(1);
    // The popup can say which seed failed and why.
    expect(t.view().webSeeds).toEqual([
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
    expect(t.webSeedUrls).toEqual([`${server.origin}/seed/`, `${server.origin}/mirror/`]);
    await finish(e, t, 'seeding');
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
    expect(kept!.state).toBe('seeding');
    // Each file completed (and was saved) once.
    expect(e.saved).toHaveLength(5);
    expect(await records.list()).toHaveLength(1);
  });

  it('the same magnet twice: one torrent', async () => {
    const { bytes } = album();
    const meta = await parse(bytes);
    const e = env();
    const uri = `magnet:?xt=urn:btih:${meta.infoHash}&dn=Album`;
    const a = e.client.add({ kind: 'magnet', uri });
    const b = e.client.add({ kind: 'magnet', uri: uri + `&ws=${server.origin}/mirror/` });
    expect(b).toBe(a);
    expect(e.client.list()).toEqual([a]);
    expect(a.state).toBe('metadata');
    expect(a.name).toBe('Album');
  });
});

describe('Client: magnet links with xs=', () => {
  it('fetches the torrent from xs, checks its infohash, downloads (ws= merged)', async () => {
    const data = content(7 * PL + 11, 7);
    // The .torrent has no url-list: the magnet's ws= is the only web seed.
    const bytes = await makeTorrent(data, 'm.bin', []);
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
    await finish(e, t, 'seeding');

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
      await makeTorrent(data, 'o.bin', [`${server.origin}/ws/`]),
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
    expect(await e.records.list()).toEqual([]);
  });

  it('after a magnet whose xs= failed, the same torrent added again downloads', async () => {
    const data = content(3 * PL, 18);
    const bytes = await makeTorrent(data, 'again.bin', [`${server.origin}/ws/`]);
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
    await finish(e, t, 'seeding');
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
    server.files.set('/t/p.torrent', await makeTorrent(data, 'p.bin', [`${server.origin}/ws/`]));
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
    await finish(e, t, 'seeding');
    expectSameBytes(await fileBytes(t, 0), data);
    expect(server.hitsUnder('/ws/').map((h) => h.first)).toEqual([0, 5 * PL]);
    expect(server.bytesUnder('/ws/')).toBe(5 * PL + 1 + 11 * PL);
    expect((await e.records.list())[0]!.paused).toBe(false);
  });

  it('pausing while the .torrent is being fetched keeps it paused once it arrives', async () => {
    const data = content(4 * PL, 10);
    server.files.set('/t/q.torrent', await makeTorrent(data, 'q.bin', [`${server.origin}/ws/`]));
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
    await finish(e, t, 'seeding');
  });

  it('remove with deleteData mid-download: the store holds nothing of it, nothing more is fetched', async () => {
    const data = content(16 * PL, 11);
    const bytes = await makeTorrent(data, 'r.bin', [`${server.origin}/ws/`]);
    const meta = await parse(bytes);
    server.files.set('/ws/r.bin', data);
    server.fault = (hit) => (hit.path.startsWith('/ws/') ? { holdAfter: 5 * PL + 1 } : undefined);
    const e = env();
    const removed: string[] = [];
    e.client.on('removed', (id) => removed.push(id));
    const t = e.client.add({ kind: 'file', bytes });
    await until(e.client, () => t.view().verifiedBytes === 5 * PL);
    const before = await (await e.store.open(meta)).verified();
    expect(before.size).toBe(5);

    await e.client.remove(t.id, true);

    expect(removed).toEqual([t.id]);
    expect(e.client.list()).toEqual([]);
    expect(e.client.get(t.id)).toBeUndefined();
    await server.hitsUnder('/ws/')[0]!.closed;
    await quiesce();
    expect(server.hitsUnder('/ws/')).toHaveLength(1);
    const storage = await e.store.open(meta);
    expect((await storage.verified()).size).toBe(0);
    expect(await e.records.list()).toEqual([]);
    await storage.close();
  });

  it('remove without deleteData keeps the verified pieces (the record goes)', async () => {
    const data = content(4 * PL, 12);
    const bytes = await makeTorrent(data, 'k.bin', [`${server.origin}/ws/`]);
    const meta = await parse(bytes);
    server.files.set('/ws/k.bin', data);
    const e = env();
    const t = e.client.add({ kind: 'file', bytes });
    await finish(e, t, 'seeding');

    await e.client.remove(t.id, false);

    expect(e.client.list()).toEqual([]);
    expect(await e.records.list()).toEqual([]);
    const storage = await e.store.open(meta);
    expect((await storage.verified()).size).toBe(4);
    expectSameBytes(new Uint8Array(await (await storage.fileBlob(0)).arrayBuffer()), data);
    await storage.close();
  });

  it('removing a torrent whose .torrent is still being fetched: it does not come back', async () => {
    const data = content(4 * PL, 13);
    const bytes = await makeTorrent(data, 'z.bin', [`${server.origin}/ws/`]);
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
    expect((await storage.verified()).size).toBe(0);
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
    const bytes = handTorrent(files, name, [`${server.origin}/seed/`]);
    server.serveTorrent('/seed/', name, files);
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
    await finish(second, t2!, 'seeding');

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
    const bytes = await makeTorrent(data, 'paused.bin', [`${server.origin}/ws/`]);
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
    await finish(second, t2, 'seeding');
    expectSameBytes(await fileBytes(t2, 0), data);
    expect(server.hitsUnder('/ws/').slice(-1)[0]!.first).toBe(2 * PL);
  });
});

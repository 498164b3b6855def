/**
 * The server-offload scene (issue "The swarm", DEVELOPERS.md "slashdot" case): N readers of
 * one torrent start a little apart, each with the same web seed, whose total upload is
 * limited, and one local WebSocket tracker. What the server sent ÷ the file's size says how
 * many copies it served; each reader's time is compared with a lone reader's on the same
 * setup. Readers are Swarmlink engines, or WebTorrent 3 clients for comparison, all in this
 * Node process over @roamhq/wrtc. Used by a CI test (small) and by `npm run bench` (full).
 */
import { createHash } from 'node:crypto';
import bencode, { type BencodeInput } from 'bencode';
import { performance } from 'node:perf_hooks';
import type WebTorrent from 'webtorrent';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DemoStats, DemoTorrent } from '../../demo/server.mjs';
import type { Client } from '../../lib/engine/client.ts';
import type { Torrent } from '../../lib/engine/torrent.ts';
import { destroyWebTorrent, engine, webTorrent, wtStore } from '../fixtures/swarm.ts';

export type ReaderKind = 'swarmlink' | 'webtorrent';

export interface SceneOptions {
  kind: ReaderKind;
  readers: number;
  mib: number;
  /** The web seed's total upload, bytes per second (0: unlimited). */
  rateLimit: number;
  staggerMs: number;
  pieceLength?: number;
  /** Give up after this long (ms). */
  timeoutMs?: number;
  log?: (line: string) => void;
}

export interface SceneResult {
  kind: ReaderKind;
  readers: number;
  size: number;
  /** Bytes the web seed sent. */
  served: number;
  /** served ÷ size. */
  copies: number;
  /** Per reader: ms from its start to its file complete and verified. */
  times: number[];
  /** Per reader: its file's bytes match. */
  ok: boolean[];
}

/**
 * The demo's url-list is `<origin>/seed/` (BEP 19: a folder, the file name appended), which
 * WebTorrent 3 requests as it is for a single-file torrent (no name appended: 404). The
 * file's own URL works for both, and the infohash stays (url-list is outside info).
 */
function withFileUrlAsWebSeed(torrentFile: Uint8Array, fileUrl: string): Uint8Array {
  const dict = bencode.decode(torrentFile) as Record<string, BencodeInput>;
  dict['url-list'] = [fileUrl];
  return bencode.encode(dict);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The web seed and tracker in their own process (demo-process.mjs says why). */
async function startDemoProcess(opts: object) {
  const child = fork(fileURLToPath(new URL('./demo-process.mjs', import.meta.url)), [
    JSON.stringify(opts),
  ]);
  const reply = <T>(key: string, send?: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const onMessage = (m: Record<string, unknown>) => {
        if (!(key in m)) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(m[key] as T);
      };
      const onExit = (code: number | null) => {
        child.off('message', onMessage);
        reject(new Error(`the demo server process exited (${code})`));
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      if (send) child.send(send);
    });
  const { torrents } = await reply<{ torrents: { single: DemoTorrent } }>('ready');
  return {
    torrents,
    stats: () => reply<DemoStats>('stats', 'stats'),
    resetStats: () => reply<boolean>('reset', 'reset'),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.send('close');
      }),
  };
}

export async function runOffloadScene(o: SceneOptions): Promise<SceneResult> {
  const demo = await startDemoProcess({
    mib: o.mib,
    rateLimit: o.rateLimit,
    pieceLength: o.pieceLength ?? 256 * 1024,
  });
  const torrent = demo.torrents.single;
  const bytes = withFileUrlAsWebSeed(
    new Uint8Array(await (await fetch(torrent.torrentUrl)).arrayBuffer()),
    torrent.files[0]!.url,
  );
  const expected = torrent.files[0]!.sha256;
  await demo.resetStats();
  const clients: Client[] = [];
  const wts: WebTorrent[] = [];
  const times: number[] = new Array(o.readers).fill(NaN);
  const ok: boolean[] = new Array(o.readers).fill(false);
  const deadline = performance.now() + (o.timeoutMs ?? 300_000);
  try {
    const readers: Promise<void>[] = [];
    for (let r = 0; r < o.readers; r++) {
      if (r > 0) await sleep(o.staggerMs);
      const started = performance.now();
      readers.push(
        (o.kind === 'swarmlink'
          ? swarmlinkReader(r, bytes, clients, deadline, o.log)
          : webTorrentReader(bytes, wts, deadline)
        ).then((data) => {
          const ms = performance.now() - started;
          times[r] = ms;
          ok[r] = sha256(data) === expected;
          o.log?.(`${o.kind} reader ${r + 1}: ${(ms / 1000).toFixed(2)} s`);
        }),
      );
    }
    await Promise.all(readers);
    const served = (await demo.stats()).seedBytes;
    return {
      kind: o.kind,
      readers: o.readers,
      size: torrent.files[0]!.length,
      served,
      copies: served / torrent.files[0]!.length,
      times,
      ok,
    };
  } finally {
    for (const c of clients) await c.destroy();
    for (const w of wts) await destroyWebTorrent(w);
    await demo.close();
  }
}

const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

async function swarmlinkReader(
  r: number,
  bytes: Uint8Array,
  clients: Client[],
  deadline: number,
  log: SceneOptions['log'],
): Promise<Uint8Array> {
  const { client } = engine(1000 + r);
  clients.push(client);
  const t = client.add({ kind: 'file', bytes });
  await new Promise<void>((resolve, reject) => {
    const check = (): boolean => {
      if (t.state === 'seeding') return (resolve(), true);
      if (t.state === 'error') return (reject(new Error(t.error)), true);
      if (performance.now() > deadline) return (reject(new Error('scene timed out')), true);
      return false;
    };
    if (check()) return;
    const off = client.on('update', () => check() && off());
  });
  const v = t.view();
  const sum = (kind: string) =>
    v.sources.filter((x) => x.kind === kind).reduce((n, x) => n + x.downloadedBytes, 0);
  log?.(
    `  reader ${r + 1}: web seed ${mib(sum('webseed'))}, peers ${mib(sum('peer'))}, ${v.peers} peers`,
  );
  return storedBytes(t);
}

async function storedBytes(t: Torrent): Promise<Uint8Array> {
  return new Uint8Array(await (await t.fileBlob(0)).arrayBuffer());
}

async function webTorrentReader(
  bytes: Uint8Array,
  wts: WebTorrent[],
  deadline: number,
): Promise<Uint8Array> {
  const wt = webTorrent();
  wts.push(wt);
  const t = await new Promise<import('webtorrent').Torrent>((resolve, reject) => {
    const added = wt.add(bytes, { ...wtStore });
    const timer = setTimeout(
      () => reject(new Error('scene timed out')),
      deadline - performance.now(),
    );
    added.on('done', () => {
      clearTimeout(timer);
      resolve(added);
    });
  });
  return new Uint8Array(await t.files[0]!.arrayBuffer());
}

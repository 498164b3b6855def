/**
 * The server-offload scene (issue "The swarm", DEVELOPERS.md "slashdot" case): N readers of
 * one torrent start a little apart, each with the same web seed, whose total upload is
 * limited, and one local WebSocket tracker. What the server sent ÷ the file's size says how
 * many copies it served; each reader's time is compared with a lone reader's on the same
 * setup. Readers are Swarmlink engines, or WebTorrent 3 clients for comparison, in Node over
 * @roamhq/wrtc (reader.ts), each in a process of its own (`processes`, reader-process.mjs)
 * or all in this one. Used by a CI test (small) and by `npm run bench` (full).
 */
import bencode, { type BencodeInput } from 'bencode';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DemoStats, DemoTorrent } from '../../demo/server.mjs';
import {
  startReader,
  type ReaderDone,
  type ReaderKind,
  type ReaderSpec,
  type RunningReader,
} from './reader.ts';

export type { ReaderKind } from './reader.ts';

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
  /** Each reader in a process of its own (as readers are separate browsers). */
  processes?: boolean;
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

/** A reader's process (reader-process.mjs), ready once its engine is loaded. */
async function readerProcess(): Promise<{ start(spec: ReaderSpec): RunningReader }> {
  const child = fork(fileURLToPath(new URL('./reader-process.mjs', import.meta.url)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    void exited.then(() => reject(new Error('a reader process exited before it was ready')));
  });
  const close = async () => {
    if (child.exitCode === null && child.connected) child.send('close');
    await exited;
  };
  return {
    start(spec) {
      const done = new Promise<ReaderDone>((resolve, reject) => {
        child.on('message', (m: { done?: ReaderDone; error?: string }) => {
          if (m.done) resolve(m.done);
          else if (m.error) reject(new Error(m.error));
        });
        void exited.then(() => reject(new Error(`reader ${spec.index + 1}'s process exited`)));
      });
      child.send({
        start: { ...spec, torrentFile: Buffer.from(spec.torrentFile).toString('base64') },
      });
      return { done, close };
    },
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
  const running: RunningReader[] = [];
  const times: number[] = new Array(o.readers).fill(NaN);
  const ok: boolean[] = new Array(o.readers).fill(false);
  const timeoutMs = o.timeoutMs ?? 300_000;
  // Processes first, all loaded, so that none starts its engine during the scene.
  const processes = o.processes
    ? await Promise.all(Array.from({ length: o.readers }, () => readerProcess()))
    : [];
  try {
    const readers: Promise<void>[] = [];
    for (let r = 0; r < o.readers; r++) {
      if (r > 0) await sleep(o.staggerMs);
      const spec = { kind: o.kind, index: r, torrentFile: bytes, sha256: expected, timeoutMs };
      const reader = o.processes ? processes[r]!.start(spec) : startReader(spec);
      running.push(reader);
      readers.push(
        reader.done.then((d) => {
          times[r] = d.ms;
          ok[r] = d.ok;
          if (d.detail) o.log?.(`  reader ${r + 1}: ${d.detail}`);
          o.log?.(`${o.kind} reader ${r + 1}: ${(d.ms / 1000).toFixed(2)} s`);
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
    await Promise.all(running.map((r) => r.close()));
    await demo.close();
  }
}

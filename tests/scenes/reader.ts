/**
 * One reader of the offload scene (offload.ts): a Swarmlink engine or a WebTorrent 3 client
 * in Node over @roamhq/wrtc, adding the scene's .torrent and downloading until its file is
 * complete and verified. It stays (sharing) until `close`. Runs in the scene's process or in
 * a process of its own (reader-process.mjs).
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type WebTorrent from 'webtorrent';
import type { Client } from '../../lib/engine/client.ts';
import type { Torrent } from '../../lib/engine/torrent.ts';
import { destroyWebTorrent, engine, webTorrent, wtStore } from '../fixtures/swarm.ts';

export type ReaderKind = 'swarmlink' | 'webtorrent';

export interface ReaderSpec {
  kind: ReaderKind;
  /** The reader's number in the scene (its engine's random seed). */
  index: number;
  torrentFile: Uint8Array;
  /** SHA-256 (hex) of the file's bytes. */
  sha256: string;
  /** Give up after this long (ms from the start). */
  timeoutMs: number;
}

export interface ReaderDone {
  /** From the reader's start to its file complete and verified. */
  ms: number;
  /** Its file's bytes match. */
  ok: boolean;
  /** Where its bytes came from (Swarmlink readers). */
  detail?: string;
}

export interface RunningReader {
  done: Promise<ReaderDone>;
  close(): Promise<void>;
}

const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export function startReader(spec: ReaderSpec): RunningReader {
  const started = performance.now();
  const deadline = started + spec.timeoutMs;
  if (spec.kind === 'swarmlink') {
    const { client } = engine(1000 + spec.index);
    const done = swarmlink(client, spec, deadline).then(({ data, detail }) => ({
      ms: performance.now() - started,
      ok: sha256(data) === spec.sha256,
      detail,
    }));
    return { done, close: () => client.destroy() };
  }
  const wt = webTorrent();
  const done = webTorrentRead(wt, spec.torrentFile, deadline).then((data) => ({
    ms: performance.now() - started,
    ok: sha256(data) === spec.sha256,
  }));
  return { done, close: () => destroyWebTorrent(wt) };
}

async function swarmlink(
  client: Client,
  spec: ReaderSpec,
  deadline: number,
): Promise<{ data: Uint8Array; detail: string }> {
  const t = client.add({ kind: 'file', bytes: spec.torrentFile });
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
  const detail = `web seed ${mib(sum('webseed'))}, peers ${mib(sum('peer'))}, ${v.peers} peers`;
  return { data: await storedBytes(t), detail };
}

async function storedBytes(t: Torrent): Promise<Uint8Array> {
  return new Uint8Array(await (await t.fileBlob(0)).arrayBuffer());
}

async function webTorrentRead(
  wt: WebTorrent,
  bytes: Uint8Array,
  deadline: number,
): Promise<Uint8Array> {
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

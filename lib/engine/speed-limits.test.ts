/**
 * The global speed limits (options page) hold for real transfers: a web seed read is slowed
 * to the download limit, a WebTorrent leecher gets our pieces no faster than the upload
 * limit. Lower bounds only (a loaded machine may be slower, never faster than the limit).
 */
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { FileServer } from '../../tests/fixtures/file-server.ts';
import {
  destroyWebTorrent,
  engine,
  rtcConfig,
  startTracker,
  until,
  webTorrent,
  wtStore,
} from '../../tests/fixtures/swarm.ts';
import { content, KiB, singleFileTorrent } from '../../tests/fixtures/torrents.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const SIZE = 512 * KiB;
const LIMIT = 128 * KiB;
/** The bucket's first burst comes free: a quarter second at the limit. */
const AT_LEAST_MS = ((SIZE - LIMIT / 4) / LIMIT) * 1000;

async function webSeeded(name: string) {
  const server = new FileServer();
  await server.listen();
  cleanups.push(() => server.close());
  const data = content(SIZE, name.length);
  server.files.set(`/seed/${name}`, data);
  const bytes = await singleFileTorrent(data, name, [`${server.origin}/seed/`]);
  return { server, bytes };
}

const settings = (downloadLimit: number, uploadLimit: number, trackers: string[] = []) => ({
  defaultTrackers: trackers,
  rtcConfig,
  seedLimits: { ratio: 100, timeMs: 3_600_000 },
  downloadLimit,
  uploadLimit,
});

describe('speed limits', { timeout: 60_000 }, () => {
  it('the download limit slows a web seed to it; without one the same file is much faster', async () => {
    const timeOf = async (limit: number, seed: number) => {
      const { bytes } = await webSeeded(`dl-${seed}.bin`);
      const e = engine(seed);
      cleanups.push(() => e.client.destroy());
      e.client.configure(settings(limit, 0));
      const start = performance.now();
      const t = e.client.add({ kind: 'file', bytes });
      await until(e.client, () => t.state === 'done', 30_000, 'downloaded');
      return performance.now() - start;
    };
    const limited = await timeOf(LIMIT, 21);
    expect(limited).toBeGreaterThanOrEqual(AT_LEAST_MS);
    const free = await timeOf(0, 22);
    expect(free).toBeLessThan(limited / 2);
  });

  it('the upload limit holds for a WebTorrent leecher, changed while seeding', async () => {
    const tracker = await startTracker();
    cleanups.push(() => tracker.close());
    const { server, bytes } = await webSeeded('ul.bin');
    const e = engine(23, { defaultTrackers: [tracker.url] });
    cleanups.push(() => e.client.destroy());
    const t = e.client.add({ kind: 'file', bytes });
    await until(e.client, () => t.state === 'seeding', 30_000, 'downloaded, seeding');
    // From now on we are the only source: the web seed is gone.
    await server.close();
    e.client.configure(settings(0, LIMIT, [tracker.url]));

    const leecher = webTorrent();
    cleanups.push(() => destroyWebTorrent(leecher));
    const start = performance.now();
    const done = new Promise<void>((resolve) =>
      leecher.add(Buffer.from(bytes), { ...wtStore, announce: [tracker.url] }, (lt) =>
        lt.on('done', () => resolve()),
      ),
    );
    await done;
    expect(performance.now() - start).toBeGreaterThanOrEqual(AT_LEAST_MS);
    expect(t.uploaded).toBeGreaterThanOrEqual(SIZE);
  });

  it('the download limit holds for pieces from a WebTorrent seeder too', async () => {
    const tracker = await startTracker();
    cleanups.push(() => tracker.close());
    const seeder = webTorrent();
    cleanups.push(() => destroyWebTorrent(seeder));
    const data = content(SIZE, 24);
    const torrentFile = await new Promise<Uint8Array>((resolve) =>
      seeder.seed(
        Buffer.from(data),
        { ...wtStore, announce: [tracker.url], name: 'peer-dl.bin', pieceLength: 16 * KiB },
        (st) => resolve(new Uint8Array(st.torrentFile)),
      ),
    );
    const e = engine(25, { defaultTrackers: [tracker.url] });
    cleanups.push(() => e.client.destroy());
    e.client.configure(settings(LIMIT, 0, [tracker.url]));
    const t = e.client.add({ kind: 'file', bytes: torrentFile });
    await until(e.client, () => t.view().peers > 0, 30_000, 'connected');
    const start = performance.now();
    await until(e.client, () => t.state === 'seeding', 30_000, 'downloaded');
    expect(performance.now() - start).toBeGreaterThanOrEqual(AT_LEAST_MS * 0.9);
  });
});

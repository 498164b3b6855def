/**
 * Settings changed while torrents run (the options page): Client.configure takes effect
 * without a restart. Real engine, real local tracker, a web seed on 127.0.0.1, real
 * WebTorrent peers. The global speed limits hold for real transfers: lower bounds only (a
 * loaded machine may be slower, never faster than the limit).
 */
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { FileServer } from '../../tests/fixtures/file-server.ts';
import wrtc from '@roamhq/wrtc';
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

const NO_LIMITS = { downloadLimit: 0, uploadLimit: 0 };

async function seedingTorrent(extra: Parameters<typeof engine>[1] = {}) {
  const tracker = await startTracker();
  cleanups.push(() => tracker.close());
  const server = new FileServer();
  await server.listen();
  cleanups.push(() => server.close());
  const data = content(300_000, 7);
  server.files.set('/seed/live.bin', data);
  const bytes = await singleFileTorrent(data, 'live.bin', [`${server.origin}/seed/`]);
  const e = engine(11, { defaultTrackers: [tracker.url], ...extra });
  cleanups.push(() => e.client.destroy());
  const t = e.client.add({ kind: 'file', bytes });
  await until(e.client, () => t.state === 'seeding', 30_000, 'downloaded, seeding');
  return { e, t, tracker, bytes };
}

describe('Client.configure', { timeout: 60_000 }, () => {
  it('a lower seeding limit ends a torrent seeding now; its record says so', async () => {
    const { e, t, tracker } = await seedingTorrent();
    e.client.configure({
      defaultTrackers: [tracker.url],
      rtcConfig,
      seedLimits: { ratio: 2, timeMs: 0 },
      ...NO_LIMITS,
    });
    expect(t.state).toBe('done');
    await expect
      .poll(async () => (await e.records.list())[0]?.seeding?.ended, { timeout: 5000 })
      .toBe(true);
  });

  it('a raised limit keeps it seeding; a new default tracker joins the running swarm', async () => {
    // Closed after the engine (cleanups run in reverse), as a tracker's close waits for its sockets.
    const second = await startTracker();
    cleanups.push(() => second.close());
    const { e, t, tracker } = await seedingTorrent();
    e.client.configure({
      defaultTrackers: [tracker.url, second.url],
      rtcConfig,
      seedLimits: { ratio: 100, timeMs: 24 * 3_600_000 },
      ...NO_LIMITS,
    });
    expect(t.state).toBe('seeding');
    const urls = () => e.client.swarmStatus(t.id)?.trackers.map((x) => x.url) ?? [];
    await expect.poll(urls, { timeout: 5000 }).toContain(second.url);
    await expect
      .poll(
        () => e.client.swarmStatus(t.id)?.trackers.find((x) => x.url === second.url)?.reachable,
        { timeout: 10_000 },
      )
      .toBe(true);
  });

  it('a default tracker taken off the list leaves the running swarm; one the torrent names stays', async () => {
    const second = await startTracker();
    const third = await startTracker();
    cleanups.push(
      () => second.close(),
      () => third.close(),
    );
    const { e, t, tracker } = await seedingTorrent();
    const settings = (defaultTrackers: string[]) =>
      e.client.configure({
        defaultTrackers,
        rtcConfig,
        seedLimits: { ratio: 100, timeMs: 24 * 3_600_000 },
        ...NO_LIMITS,
      });
    const reachable = (url: string) =>
      e.client.swarmStatus(t.id)?.trackers.find((x) => x.url === url)?.reachable;
    settings([tracker.url, second.url, third.url]);
    await expect.poll(() => reachable(second.url)).toBe(true);
    await expect.poll(() => reachable(third.url)).toBe(true);
    // The trackers heard of us (a tracker that did not is never told we left).
    await expect.poll(() => second.starts + third.starts).toBe(2);
    // The same torrent added again, by a magnet that names the third tracker: its own now.
    e.client.add({ kind: 'magnet', uri: `magnet:?xt=urn:btih:${t.infoHash}&tr=${third.url}` });

    settings([tracker.url]);
    const urls = () => e.client.swarmStatus(t.id)?.trackers.map((x) => x.url) ?? [];
    expect(urls()).not.toContain(second.url);
    expect(urls()).toContain(third.url);
    expect(urls()).toContain(tracker.url);
    await expect.poll(() => second.stops).toBe(1);
    expect(third.stops).toBe(0);
    expect(t.state).toBe('seeding');
  });

  it('new ICE servers serve the next peer connections', async () => {
    const configs: RTCConfiguration[] = [];
    const { e, tracker, bytes } = await seedingTorrent({
      createPeerConnection: (config) => {
        configs.push(config);
        return new wrtc.RTCPeerConnection(config) as unknown as RTCPeerConnection;
      },
    });
    const stun: RTCConfiguration = { iceServers: [{ urls: ['stun:127.0.0.1:3478'] }] };
    e.client.configure({
      defaultTrackers: [tracker.url],
      rtcConfig: stun,
      seedLimits: { ratio: 100, timeMs: 3_600_000 },
      ...NO_LIMITS,
    });
    const before = configs.length;
    // A leecher arrives: our side of that connection (offer or answer) uses the new servers.
    const leecher = webTorrent();
    cleanups.push(() => destroyWebTorrent(leecher));
    leecher.add(Buffer.from(bytes), {
      ...wtStore,
      announce: [tracker.url],
    });
    await expect.poll(() => configs.slice(before), { timeout: 20_000 }).toContainEqual(stun);
    expect(
      configs.slice(before).every((c) => c.iceServers?.[0]?.urls?.[0] === 'stun:127.0.0.1:3478'),
    ).toBe(true);
  });
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

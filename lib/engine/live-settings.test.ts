/**
 * Settings changed while torrents run (the options page): Client.configure takes effect
 * without a restart. Real engine, real local tracker, a web seed on 127.0.0.1.
 */
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
import { content, singleFileTorrent } from '../../tests/fixtures/torrents.ts';

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
    const { e, t } = await seedingTorrent();
    e.client.configure({
      defaultTrackers: [],
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

/**
 * Swarmlink and real WebTorrent clients through a real local tracker, over WebRTC
 * (@roamhq/wrtc), with no web seed: the only way the bytes can move is the peer wire.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  destroyWebTorrent,
  engine,
  startTracker,
  storedFile,
  until,
  lyingSeeder,
  webTorrent,
  wtStore,
  type LocalTracker,
} from '../../tests/fixtures/swarm.ts';
import { content, expectSameBytes, MiB } from '../../tests/fixtures/torrents.ts';
import type WebTorrent from 'webtorrent';
import type { Torrent as WtTorrent } from 'webtorrent';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup() {
  const tracker = await startTracker();
  cleanups.push(() => tracker.close());
  return tracker;
}

function wt(): WebTorrent {
  const c = webTorrent();
  cleanups.push(() => destroyWebTorrent(c));
  return c;
}

function seedWith(client: WebTorrent, data: Uint8Array, tracker: LocalTracker, name: string) {
  return new Promise<WtTorrent>((resolve) =>
    client.seed(
      Buffer.from(data),
      { ...wtStore, announce: [tracker.url], name, pieceLength: 256 * 1024 },
      resolve,
    ),
  );
}

function ours(seed: number, extra: Parameters<typeof engine>[1] = {}) {
  const e = engine(seed, extra);
  cleanups.push(() => e.client.destroy());
  return e;
}

describe(
  'Swarmlink with real WebTorrent peers (WebRTC, local tracker, no web seed)',
  { timeout: 60_000 },
  () => {
    it('downloads a torrent whose only source is a WebTorrent seeder, byte-identical', async () => {
      const tracker = await setup();
      const data = content(3 * MiB + 12345, 41);
      const seeded = await seedWith(wt(), data, tracker, 'from-webtorrent.bin');
      const e = ours(1);
      const t = e.client.add({ kind: 'file', bytes: new Uint8Array(seeded.torrentFile) });
      await until(e.client, () => t.state === 'seeding' || t.state === 'error', 60_000, 'download');
      expect(t.error).toBeUndefined();
      expect(t.state).toBe('seeding');
      expectSameBytes(await storedFile(t, 0), data);
      expect(t.view().webSeeds).toEqual([]);
    });

    it('a WebTorrent leecher downloads from a Swarmlink seeder', async () => {
      const tracker = await setup();
      const data = content(2 * MiB + 777, 42);
      // Make the torrent with WebTorrent (then drop that seeder): Swarmlink gets the data first.
      const maker = wt();
      const made = await seedWith(maker, data, tracker, 'to-webtorrent.bin');
      const torrentFile = new Uint8Array(made.torrentFile);
      const e = ours(2);
      const first = e.client.add({ kind: 'file', bytes: torrentFile });
      await until(e.client, () => first.state === 'seeding', 60_000, 'Swarmlink has the data');
      await destroyWebTorrent(maker);

      const leecher = wt();
      const got = await new Promise<WtTorrent>((resolve) => {
        const lt = leecher.add(torrentFile, { ...wtStore, announce: [tracker.url] });
        lt.on('done', () => resolve(lt));
      });
      const bytes = new Uint8Array(await got.files[0]!.arrayBuffer());
      expectSameBytes(bytes, data);
      expect(first.view().uploadedBytes).toBeGreaterThanOrEqual(data.byteLength);
    });

    it('a magnet link with no xs= and no web seed: metadata and data from a WebTorrent peer', async () => {
      const tracker = await setup();
      const data = content(1 * MiB + 5, 43);
      const seeded = await seedWith(wt(), data, tracker, 'magnet.bin');
      const e = ours(3);
      const uri = `magnet:?xt=urn:btih:${seeded.infoHash}&dn=magnet.bin&tr=${encodeURIComponent(tracker.url)}`;
      const t = e.client.add({ kind: 'magnet', uri });
      expect(t.state).toBe('metadata');
      await until(e.client, () => t.state === 'seeding' || t.state === 'error', 60_000, 'magnet');
      expect(t.error).toBeUndefined();
      expect(t.name).toBe('magnet.bin');
      expectSameBytes(await storedFile(t, 0), data);
      // The record now holds the metadata, so it resumes without peers.
      const rec = (await e.records.list())[0]!;
      expect(rec.torrentFile).toBeDefined();
      expect(rec.magnet).toBe(uri);
    });

    it('seeds until its ratio limit, then stops sharing ("Done"); after a restart it stays done', async () => {
      const tracker = await setup();
      const data = content(1 * MiB + 99, 44);
      const maker = wt();
      const made = await seedWith(maker, data, tracker, 'ratio.bin');
      const torrentFile = new Uint8Array(made.torrentFile);
      const e = ours(4, { seedLimits: { ratio: 1, timeMs: 3_600_000 } });
      const t = e.client.add({ kind: 'file', bytes: torrentFile });
      await until(e.client, () => t.state === 'seeding', 60_000, 'downloaded');
      await destroyWebTorrent(maker);

      // A leecher takes the file from us. (Not waited for: if WebTorrent asks for some blocks
      // twice, our ratio reaches 1 just before its last piece, and it rightly gets no more.)
      wt().add(torrentFile, { ...wtStore, announce: [tracker.url] });
      // Uploaded one whole copy: ratio 1 reached, sharing ends and the peers are let go.
      await until(e.client, () => t.state === 'done' && t.view().peers === 0, 30_000, 'ratio');
      const rec = (await e.records.list())[0]!;
      expect(rec.seeding?.ended).toBe(true);
      expect(rec.seeding!.uploaded).toBeGreaterThanOrEqual(data.byteLength);

      // The same store and records after a restart: still done, not seeding again.
      await e.client.destroy();
      const again = engine(5, { store: e.store, records: e.records });
      cleanups.push(() => again.client.destroy());
      await again.client.restore();
      const [r] = again.client.list();
      await until(again.client, () => r!.state === 'done', 10_000, 'restored');
      expectSameBytes(await storedFile(r!, 0), data);
    });

    it('a torrent that was seeding when the engine stopped seeds again after restart', async () => {
      const tracker = await setup();
      const data = content(512 * 1024 + 3, 45);
      const seeded = await seedWith(wt(), data, tracker, 'reseed.bin');
      const e = ours(6);
      const t = e.client.add({ kind: 'file', bytes: new Uint8Array(seeded.torrentFile) });
      await until(e.client, () => t.state === 'seeding', 60_000, 'downloaded');
      await e.client.destroy();
      const again = engine(7, { store: e.store, records: e.records });
      cleanups.push(() => again.client.destroy());
      await again.client.restore();
      const [r] = again.client.list();
      await until(again.client, () => r!.state === 'seeding', 10_000, 'seeding again');
      const rec = (await e.records.list())[0]!;
      expect(rec.seeding?.ended).toBe(false);
    });

    it('a peer that sends wrong data: nothing wrong is stored, the piece comes from others, the sender is banned', async () => {
      const tracker = await setup();
      const data = content(1 * MiB + 4321, 46);
      // The torrent, made by WebTorrent; that client leaves once the liar is up (the honest
      // seeder comes later).
      const maker = wt();
      const torrentFile = new Uint8Array(
        (await seedWith(maker, data, tracker, 'hostile.bin')).torrentFile,
      );
      // The hostile peer: every block it serves is wrong.
      const hostile = await lyingSeeder(torrentFile, data, 8);
      cleanups.push(() => hostile.client.destroy());
      await destroyWebTorrent(maker);

      const victim = ours(9);
      const t = victim.client.add({ kind: 'file', bytes: torrentFile });
      const failures: string[] = [];
      t.on('warning', (w) => failures.push(w));
      // The liar is the only source: its first piece fails, and it is banned.
      await until(victim.client, () => t.view().bannedPeers > 0, 30_000, 'ban');
      expect(t.view().verifiedBytes).toBe(0);
      // An honest seeder comes: the download completes from it.
      await seedWith(wt(), data, tracker, 'hostile.bin');
      await until(
        victim.client,
        () => t.state === 'seeding' || t.state === 'error',
        60_000,
        'victim',
      );
      expectSameBytes(await storedFile(t, 0), data);
      // The hostile peer sent something, was caught and banned; the honest one was not.
      expect(failures.some((w) => /failed verification/.test(w))).toBe(true);
      const peers = t.view().sources.filter((s) => s.kind === 'peer');
      expect(peers.some((s) => /Swarmlink/.test(s.url))).toBe(false);
      expect(peers.length).toBeGreaterThanOrEqual(1);
      expect(t.view().bannedPeers).toBe(1);
      expect(failures.some((w) => /peer banned: sent (a )?wrong/.test(w))).toBe(true);
    });
  },
);

/**
 * The announcer against a real bittorrent-tracker 11 server in-process, over real
 * WebSockets (`ws`). The fake clock drives only the engine's timers (intervals, backoff).
 */
import { once } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../../tests/fixtures/fake-clock.ts';
import { toHex } from '../bytes.ts';
import { TrackerError } from '../errors.ts';
import { ANNOUNCE_NOW_MIN_GAP_MS, DEFAULT_INTERVAL_MS } from './announcer.ts';
import {
  id20,
  makeAnnouncer,
  makePool,
  nextEvent,
  startTracker,
  type RealTracker,
} from '../../../tests/fixtures/tracker-harness.ts';
import { bytesToBinary } from './messages.ts';
import type { TrackerPool } from './pool.ts';

const waitFor = <T>(fn: () => T) => vi.waitFor(fn, { timeout: 5000, interval: 5 });

let trackers: RealTracker[] = [];
let pools: TrackerPool[] = [];

async function setup(opts: Parameters<typeof startTracker>[0] = {}) {
  const tracker = await startTracker(opts);
  trackers.push(tracker);
  const clock = new FakeClock(false);
  return { tracker, clock, pool: newPool(clock), url: tracker.url };
}

function newPool(clock: FakeClock): TrackerPool {
  const pool = makePool(clock);
  pools.push(pool);
  return pool;
}

afterEach(async () => {
  for (const p of pools) p.destroy();
  await Promise.all(trackers.map((t) => t.close()));
  pools = [];
  trackers = [];
});

/** The server's next `event` ('start', 'update', 'complete', 'stop'): peer id (hex), params. */
async function serverEvent(tracker: RealTracker, event: string) {
  const [peerId, params] = (await once(tracker.server, event)) as [string, Record<string, unknown>];
  return { peerId, params };
}

const swarm = (tracker: RealTracker, infoHash = id20(1)) =>
  tracker.server.torrents[toHex(infoHash)];

describe('Announcer with bittorrent-tracker', () => {
  it('relays A’s offers to B and B’s answer back to A, with matching ids', async () => {
    const { tracker, url, clock, pool } = await setup();
    const b = makeAnnouncer({ pool, url, clock, peerId: id20(20) });
    const bIn = nextEvent(b.announcer, 'update');
    b.announcer.start();
    await bIn;

    const a = makeAnnouncer({ pool: newPool(clock), url, clock, wantOffers: () => 3 });
    const started = serverEvent(tracker, 'start');
    a.announcer.start();
    const { params } = await started;
    const sent = params.offers as { offer: unknown; offer_id: string }[];
    expect(sent.map((o) => o.offer_id)).toEqual(a.made.map((m) => bytesToBinary(m.offerId)));
    expect(params.numwant).toBe(3);

    // One other peer in the swarm: the server relays one offer, to B.
    await waitFor(() => expect(b.offers).toHaveLength(1));
    const got = b.offers[0]!;
    const offered = a.made.find((m) => toHex(m.offerId) === toHex(got.offerId));
    expect(got.peerId).toEqual(id20(2));
    expect(got.offer).toEqual(offered?.offer);

    const answer = { type: 'answer' as const, sdp: 'v=0 answer' };
    expect(b.announcer.answer(got.peerId, got.offerId, answer)).toBe(true);
    await waitFor(() => expect(a.answers).toHaveLength(1));
    expect(a.answers[0]).toEqual({ peerId: id20(20), offerId: got.offerId, answer });
    expect(a.announcer.status.pendingOffers).toBe(2);

    // The two offers nobody got are dropped when their 50 s run out.
    const unanswered = a.made.filter((m) => m !== offered).map((m) => toHex(m.offerId));
    clock.fireAll(); // (the interval timer too: A then makes three more)
    expect(a.dropped.slice(0, 2).map(toHex)).toEqual(unanswered);
    expect(b.answers).toEqual([]);
  });

  it('announces at the interval the tracker sends (a fifth of its own)', async () => {
    const { tracker, url, clock, pool } = await setup({ interval: 300_000 });
    const a = makeAnnouncer({ pool, url, clock });
    expect(a.announcer.status.intervalMs).toBe(DEFAULT_INTERVAL_MS);
    const first = nextEvent(a.announcer, 'update');
    a.announcer.start();
    await first;
    expect(a.announcer.status.intervalMs).toBe(60_000);
    expect(clock.delays.at(-1)).toBe(60_000);
    expect(clock.pending).toBe(1);

    const update = serverEvent(tracker, 'update');
    clock.fireAll();
    const { peerId, params } = await update;
    expect(peerId).toBe(toHex(id20(2)));
    expect(params.event).toBe('update'); // sent with no event
    expect(swarm(tracker)).toMatchObject({ complete: 0, incomplete: 1 });
  });

  it('rate-limits announceNow() to one per gap', async () => {
    const { tracker, url, clock, pool } = await setup();
    const a = makeAnnouncer({ pool, url, clock });
    const first = nextEvent(a.announcer, 'update');
    a.announcer.start();
    await first;
    a.announcer.announceNow();
    a.announcer.announceNow();
    expect(clock.delays.at(-1)).toBe(ANNOUNCE_NOW_MIN_GAP_MS);
    expect(clock.pending).toBe(1);
    const update = serverEvent(tracker, 'update');
    clock.fireAll();
    await update;
    // The tracker's 120 s interval is not cut short by a late response.
    await waitFor(() => expect(clock.delays.at(-1)).toBe(120_000));
  });

  it('scrapes complete, incomplete and downloaded counts', async () => {
    const { url, clock, pool } = await setup();
    const a = makeAnnouncer({ pool, url, clock });
    const seed = { uploaded: 5, downloaded: 1000, left: 0 };
    const b = makeAnnouncer({
      pool: newPool(clock),
      url,
      clock,
      peerId: id20(3),
      stats: () => seed,
    });
    const both = Promise.all([nextEvent(a.announcer, 'update'), nextEvent(b.announcer, 'update')]);
    a.announcer.start();
    b.announcer.start();
    await both;
    expect(a.announcer.status.intervalMs).toBe(120_000); // bittorrent-tracker's default
    const counts = { complete: 1, incomplete: 1, downloaded: 1 };
    await expect(Promise.all([a.announcer.scrape(), a.announcer.scrape()])).resolves.toEqual([
      counts,
      counts,
    ]);

    // A torrent the tracker never saw: zeros. Scraping alone holds the socket only meanwhile.
    const c = makeAnnouncer({ pool: newPool(clock), url, clock, infoHash: id20(9) });
    await expect(c.announcer.scrape()).resolves.toEqual({
      complete: 0,
      incomplete: 0,
      downloaded: 0,
    });
    expect(pools.at(-1)!.size).toBe(0);
  });

  it('surfaces the tracker’s failure reason', async () => {
    const { url, clock, pool } = await setup({
      filter: (infoHash, _params, cb) =>
        cb(infoHash === toHex(id20(1)) ? new Error('torrent not allowed') : null),
    });
    const a = makeAnnouncer({ pool, url, clock });
    const failed = nextEvent(a.announcer, 'failure');
    a.announcer.start();
    const [err] = await failed;
    expect(err).toBeInstanceOf(TrackerError);
    expect(err).toMatchObject({ kind: 'failure', reason: 'torrent not allowed', url });
    expect(a.announcer.status).toMatchObject({ lastFailure: err, reachable: true });
    expect(a.announcer.status.complete).toBeUndefined();
  });

  it('reconnects after the tracker drops the connection, and announces again', async () => {
    const { tracker, url, clock, pool } = await setup();
    const a = makeAnnouncer({ pool, url, clock });
    const first = nextEvent(a.announcer, 'update');
    a.announcer.start();
    await first;
    const reachable: boolean[] = [];
    a.announcer.on('reachable', (r) => reachable.push(r));
    const before = clock.delays.length;

    tracker.kick();
    await waitFor(() => expect(reachable).toEqual([false]));
    expect(clock.delays.slice(before)).toEqual([6250]); // 5 s × (1 + 0.5 × random 0.5)

    const again = serverEvent(tracker, 'update');
    const updated = nextEvent(a.announcer, 'update');
    clock.fireAll(); // the reconnect (and the interval timer, idle while disconnected)
    const { peerId } = await again;
    await updated;
    expect(peerId).toBe(toHex(id20(2)));
    expect(tracker.connections()).toBe(2);
    expect(reachable).toEqual([false, true]);
    expect(swarm(tracker)).toMatchObject({ complete: 0, incomplete: 1 });
  });

  it('shares one socket between torrents, and closes it after the last', async () => {
    const { tracker, url, clock, pool } = await setup();
    const a = makeAnnouncer({ pool, url, clock });
    const b = makeAnnouncer({ pool, url, clock, infoHash: id20(5) });
    const both = Promise.all([nextEvent(a.announcer, 'update'), nextEvent(b.announcer, 'update')]);
    a.announcer.start();
    b.announcer.start();
    await both;
    expect(tracker.connections()).toBe(1);
    expect(pool.size).toBe(1);
    expect(swarm(tracker, id20(5))).toMatchObject({ incomplete: 1 });

    a.announcer.stop();
    expect(pool.size).toBe(1);
    const stopped = serverEvent(tracker, 'stop');
    b.announcer.stop();
    await stopped;
    expect(pool.size).toBe(0);
    await waitFor(() => expect(tracker.open()).toBe(0));
  });

  it('stop() sends `stopped` without offers and releases the socket', async () => {
    const { tracker, url, clock, pool } = await setup();
    const a = makeAnnouncer({ pool, url, clock, wantOffers: () => 2 });
    const first = nextEvent(a.announcer, 'update');
    a.announcer.start();
    await first;
    const stopped = serverEvent(tracker, 'stop');
    a.announcer.stop();
    const { peerId, params } = await stopped;
    expect(peerId).toBe(toHex(id20(2)));
    expect(params).toMatchObject({ event: 'stopped', numwant: 0, left: 1000 });
    expect(params.offers).toBeUndefined();
    expect(pool.size).toBe(0);
    expect(a.announcer.status).toMatchObject({
      started: false,
      reachable: false,
      pendingOffers: 0,
    });
    expect(a.dropped).toHaveLength(2); // its unanswered offers
    expect(clock.pending).toBe(0);
    await waitFor(() => expect(tracker.open()).toBe(0));
    expect(swarm(tracker)).toMatchObject({ complete: 0, incomplete: 0 });
  });

  it('complete() sends `completed` without offers; the tracker counts a seeder', async () => {
    const { tracker, url, clock, pool } = await setup();
    const stats = { uploaded: 0, downloaded: 0, left: 1000 };
    const a = makeAnnouncer({ pool, url, clock, wantOffers: () => 1, stats: () => stats });
    const first = nextEvent(a.announcer, 'update');
    a.announcer.start();
    await first;
    stats.downloaded = 1000;
    stats.left = 0;
    const completed = serverEvent(tracker, 'complete');
    a.announcer.complete();
    const { params } = await completed;
    expect(params).toMatchObject({ event: 'completed', left: 0, downloaded: 1000 });
    expect(params.offers).toBeUndefined();
    expect(swarm(tracker)).toMatchObject({ complete: 1, incomplete: 0 });
  });
});

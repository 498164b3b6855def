/**
 * The tracker socket and announcer against a fake tracker (a bare `ws` server) that sends
 * whatever the test says: garbage, floods, silence; and against no tracker at all.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../../tests/fixtures/fake-clock.ts';
import { TrackerError } from '../errors.ts';
import { LIMITS } from '../limits.ts';
import {
  createWebSocket,
  id20,
  makeAnnouncer,
  makePool,
  nextEvent,
  startFakeTracker,
  type FakeTracker,
  type Recorded,
} from '../../../tests/fixtures/tracker-harness.ts';
import { bytesToBinary } from './messages.ts';
import { TrackerPool } from './pool.ts';
import { CONNECT_TIMEOUT_MS } from './socket.ts';

const waitFor = <T>(fn: () => T) => vi.waitFor(fn, { timeout: 5000, interval: 5 });

const IH = bytesToBinary(id20(1));
const OTHER = bytesToBinary(id20(50));

let fakes: FakeTracker[] = [];
let pools: TrackerPool[] = [];

afterEach(async () => {
  for (const p of pools) p.destroy();
  await Promise.all(fakes.map((f) => f.close()));
  fakes = [];
  pools = [];
});

async function setup(random?: () => number) {
  const fake = await startFakeTracker();
  fakes.push(fake);
  const clock = new FakeClock(false);
  const pool = makePool(clock, random);
  pools.push(pool);
  return { fake, clock, pool };
}

/** A started announcer on a fake tracker, after its `started` announce arrived there. */
async function started(opts: Partial<Parameters<typeof makeAnnouncer>[0]> = {}) {
  const { fake, clock, pool } = await setup();
  const rec = makeAnnouncer({ pool, url: fake.url, clock, ...opts });
  rec.announcer.start();
  await waitFor(() => expect(fake.received).toHaveLength(1));
  return { fake, clock, pool, rec };
}

/** Sends a valid response and waits for it: every frame sent before it has been handled. */
async function sync(fake: FakeTracker, rec: Recorded, extra: Record<string, unknown> = {}) {
  const updated = nextEvent(rec.announcer, 'update');
  fake.sendJson({ action: 'announce', info_hash: IH, complete: 3, incomplete: 4, ...extra });
  return (await updated)[0];
}

describe('TrackerSocket against a fake tracker', () => {
  it('sends WebTorrent’s `started` announce', async () => {
    const { fake } = await started();
    expect(fake.received[0]).toEqual({
      action: 'announce',
      info_hash: IH,
      peer_id: bytesToBinary(id20(2)),
      numwant: 0,
      uploaded: 0,
      downloaded: 0,
      left: 1000,
      event: 'started',
      offers: [],
    });
  });

  it('ignores malformed frames, counting each as a warning, and keeps working', async () => {
    const { fake, rec } = await started();
    const offer = { type: 'offer', sdp: 'v=0' };
    const garbage = [
      'not json',
      '[1,2]',
      '42',
      'null',
      '"announce"',
      ' '.repeat(LIMITS.maxTrackerFrameLength + 1),
      JSON.stringify({ action: 'announce', info_hash: 'short', complete: 1 }),
      JSON.stringify({ action: 'announce', info_hash: '\u0100'.repeat(20), complete: 1 }),
      JSON.stringify({ action: 'announce', info_hash: IH, complete: -1 }),
      JSON.stringify({ action: 'announce', info_hash: IH, interval: '120' }),
      JSON.stringify({ action: 'announce', info_hash: IH, 'failure reason': 7 }),
      JSON.stringify({ action: 'announce', info_hash: IH, offer, peer_id: OTHER }), // no offer_id
      JSON.stringify({ action: 'announce', info_hash: IH, offer, offer_id: IH }), // no peer_id
      JSON.stringify({
        action: 'announce',
        info_hash: IH,
        offer: { type: 'offer', sdp: 'x'.repeat(LIMITS.maxTrackerSdpLength + 1) },
        offer_id: IH,
        peer_id: OTHER,
      }),
      JSON.stringify({ action: 'announce', info_hash: IH, offer: { type: 'answer', sdp: '' } }),
      JSON.stringify({ action: 'dance', info_hash: IH }),
      JSON.stringify({ action: 'scrape', files: { short: { complete: 1 } } }),
      JSON.stringify({ action: 'scrape', files: [] }),
      JSON.stringify({ action: 'scrape' }),
    ];
    for (const frame of garbage) fake.send(frame);
    fake.send(new Uint8Array([0x7b, 0x7d])); // a binary frame
    // Another torrent's response on the shared socket: not ours, ignored quietly.
    fake.sendJson({ action: 'announce', info_hash: OTHER, complete: 9, incomplete: 9 });
    const status = await sync(fake, rec, { interval: 120 });
    expect(status).toMatchObject({ complete: 3, incomplete: 4, intervalMs: 120_000 });
    expect(rec.warnings).toHaveLength(garbage.length + 1);
    for (const w of rec.warnings)
      expect(w).toMatchObject({ name: 'TrackerError', kind: 'protocol' });
    expect(rec.offers).toEqual([]);
  });

  it('surfaces warnings and tracker-wide failures, and echoes the tracker id', async () => {
    const { fake, rec, clock } = await started();
    fake.sendJson({ 'failure reason': 'invalid info_hash' }); // bittorrent-tracker's parse error
    await sync(fake, rec, { 'warning message': 'be nice', 'tracker id': 'tid-1', interval: 60 });
    expect(rec.warnings.map((w) => [(w as TrackerError).kind, (w as TrackerError).reason])).toEqual(
      [
        ['failure', 'invalid info_hash'],
        ['warning', 'be nice'],
      ],
    );
    expect(rec.failures).toEqual([]); // neither is a failure of this torrent's announce
    rec.announcer.announceNow(); // within the 10 s gap: deferred
    clock.fireAll();
    await waitFor(() => expect(fake.received).toHaveLength(2));
    expect(fake.received[1]).toMatchObject({ trackerid: 'tid-1', numwant: 0 });
    expect(fake.received[1]).not.toHaveProperty('event');
  });

  it('hands at most the per-minute cap of relayed offers to the torrent', async () => {
    const { fake, rec, clock } = await started({ peerId: id20(2) });
    const relay = (i: number, peerId = OTHER) => ({
      action: 'announce',
      info_hash: IH,
      peer_id: peerId,
      offer_id: bytesToBinary(id20(100 + i)),
      offer: { type: 'offer', sdp: `v=0 ${i}`, extra: 'dropped' },
    });
    fake.sendJson(relay(-1, bytesToBinary(id20(2)))); // from our own peer id: ignored
    for (let i = 0; i < LIMITS.maxTrackerOffersInPerMinute + 5; i++) fake.sendJson(relay(i));
    await sync(fake, rec);
    expect(rec.offers).toHaveLength(LIMITS.maxTrackerOffersInPerMinute);
    expect(rec.offers[0]).toEqual({
      peerId: id20(50),
      offerId: id20(100),
      offer: { type: 'offer', sdp: 'v=0 0' },
    });
    expect(rec.warnings).toHaveLength(1);
    clock.time += 60_000; // a new window
    fake.sendJson(relay(999));
    await sync(fake, rec);
    expect(rec.offers).toHaveLength(LIMITS.maxTrackerOffersInPerMinute + 1);
  });

  it('ignores answers to offers it did not make, and survives a throwing callback', async () => {
    const { fake, rec } = await started({
      onOffer: () => {
        throw new Error('torrent bug');
      },
    });
    const signal = { info_hash: IH, peer_id: OTHER, offer_id: bytesToBinary(id20(77)) };
    fake.sendJson({ action: 'announce', ...signal, answer: { type: 'answer', sdp: 'v=0' } });
    fake.sendJson({ action: 'announce', ...signal, offer: { type: 'offer', sdp: 'v=0' } });
    await sync(fake, rec);
    expect(rec.answers).toEqual([]);
    expect(rec.warnings).toHaveLength(1);
    expect(rec.warnings[0]).toMatchObject({ kind: 'usage' });
  });

  it('drops offers made for an announce that stop() overtook', async () => {
    const { fake, clock, pool } = await setup();
    let release: (() => void) | undefined;
    const made = [{ offerId: id20(60), offer: { type: 'offer' as const, sdp: 'v=0' } }];
    const rec = makeAnnouncer({
      pool,
      url: fake.url,
      clock,
      wantOffers: () => 1,
      makeOffers: () => new Promise((resolve) => (release = () => resolve(made))),
    });
    rec.announcer.start();
    await waitFor(() => expect(release).toBeDefined()); // connected, making offers
    rec.announcer.stop();
    release!();
    await waitFor(() => expect(rec.dropped).toEqual([id20(60)]));
    // Nothing was announced, so no `stopped` either.
    expect(fake.received).toEqual([]);
    expect(pool.size).toBe(0);
  });

  it('announces without offers when making them fails', async () => {
    const { fake, rec } = await started({
      wantOffers: () => 2,
      makeOffers: () => Promise.reject(new Error('no RTCPeerConnection')),
    });
    expect(fake.received[0]).toMatchObject({ event: 'started', numwant: 0, offers: [] });
    expect(rec.warnings).toHaveLength(1);
    expect(rec.warnings[0]).toMatchObject({ kind: 'offers' });
  });

  it('times out a scrape nobody answers, then releases the socket', async () => {
    const { fake, clock, pool } = await setup();
    const rec = makeAnnouncer({ pool, url: fake.url, clock });
    const scrape = rec.announcer.scrape();
    await waitFor(() => expect(fake.received).toEqual([{ action: 'scrape', info_hash: IH }]));
    clock.fireAll();
    await expect(scrape).rejects.toMatchObject({ name: 'TrackerError', kind: 'timeout' });
    expect(pool.size).toBe(0);
  });

  it('backs off 5 s × 2ⁿ between failed connections', async () => {
    const fake = await startFakeTracker();
    await fake.close(); // nothing listens on its port now
    const clock = new FakeClock(false);
    const pool = new TrackerPool({ createWebSocket, clock, random: () => 0 });
    pools.push(pool);
    const rec = makeAnnouncer({ pool, url: fake.url, clock });
    rec.announcer.start();
    const backoffs = () => clock.delays.filter((d) => d !== CONNECT_TIMEOUT_MS);
    await waitFor(() => expect(backoffs()).toHaveLength(1));
    // Waiting to reconnect: nothing is held for later.
    await expect(rec.announcer.scrape()).rejects.toMatchObject({ kind: 'closed' });
    const answer = { type: 'answer' as const, sdp: 'v=0' };
    expect(rec.announcer.answer(id20(3), id20(4), answer)).toBe(false);
    for (let i = 1; i <= 4; i++) {
      await waitFor(() => expect(backoffs()).toHaveLength(i));
      clock.fireAll();
    }
    expect(backoffs()).toEqual([5_000, 10_000, 20_000, 40_000]);
    expect(pool.get(fake.url).connectAttempts).toBe(5);
    expect(rec.announcer.status.reachable).toBe(false);
    expect(rec.warnings).toEqual([]);
  });
});

describe('TrackerPool', () => {
  it('rejects URLs that are not ws: or wss:', () => {
    const pool = makePool(new FakeClock(false));
    expect(() => pool.get('http://tracker.example/announce')).toThrow(TrackerError);
    expect(() => pool.get('not a url')).toThrow(TrackerError);
    expect(pool.get('wss://tracker.example')).toBe(pool.get('wss://tracker.example'));
  });
});

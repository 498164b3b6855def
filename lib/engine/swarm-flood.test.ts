/**
 * A hostile tracker floods a torrent with relayed offers (issue 13, part 4): the swarm sets
 * up no more answers than it would keep peers, however many come at once.
 */
import wrtc from '@roamhq/wrtc';
import { afterEach, describe, expect, it } from 'vitest';
import { engine, until } from '../../tests/fixtures/swarm.ts';
import { startFakeTracker, type FakeTracker } from '../../tests/fixtures/tracker-harness.ts';
import { PEER_TARGET } from './swarm.ts';
import { MAX_OFFERS_PER_ANNOUNCE } from './tracker/announcer.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const IH = 'c'.repeat(40);
/** 20 bytes as the tracker's "binary string" (one char per byte). */
const binary = (hex: string) => String.fromCharCode(...Buffer.from(hex, 'hex'));
const id20 = (n: number) => binary(n.toString(16).padStart(40, '0'));

/** A real WebRTC offer (from @roamhq/wrtc), as a peer behind the tracker would send. */
async function realOffer(): Promise<{ type: string; sdp: string }> {
  const pc = new wrtc.RTCPeerConnection({ iceServers: [] });
  cleanups.push(() => pc.close());
  pc.createDataChannel('x');
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  return { type: 'offer', sdp: pc.localDescription!.sdp };
}

describe('a tracker flooding offers', { timeout: 30_000 }, () => {
  it('sets up at most as many answers as it keeps peers', async () => {
    const fake: FakeTracker = await startFakeTracker();
    cleanups.push(() => fake.close());
    let pcs = 0;
    const { client } = engine(7, {
      createPeerConnection: (config) => {
        pcs++;
        return new wrtc.RTCPeerConnection(config) as unknown as RTCPeerConnection;
      },
    });
    cleanups.push(() => client.destroy());
    const t = client.add({ kind: 'magnet', uri: `magnet:?xt=urn:btih:${IH}&tr=${fake.url}` });
    await fake.waitFor((m) => m.action === 'announce');
    const offer = await realOffer();
    const FLOOD = 60;
    for (let n = 1; n <= FLOOD; n++) {
      fake.sendJson({
        action: 'announce',
        info_hash: binary(IH),
        offer,
        offer_id: id20(n),
        peer_id: id20(1000 + n),
      });
    }
    // Frames are read in order: once this one shows, every offer above was seen.
    fake.sendJson({ action: 'announce', info_hash: binary(IH), complete: 42, incomplete: 1 });
    await until(
      client,
      () => client.swarmStatus(t.id)?.trackers[0]?.seeds === 42,
      10_000,
      'the tracker response after the offers',
    );
    // Our own announce's offers, plus the answers it set up: not one per relayed offer.
    expect(pcs).toBeLessThanOrEqual(MAX_OFFERS_PER_ANNOUNCE + 2 * PEER_TARGET);
    expect(pcs).toBeGreaterThan(MAX_OFFERS_PER_ANNOUNCE);
  });
});

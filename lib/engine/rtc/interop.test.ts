// Interop with simple-peer as WebTorrent runs it (@thaunknown/simple-peer 10.x, lite build,
// `trickle: false`, default channelConfig {}), both ways round, over @roamhq/wrtc on loopback.
// Run inside a loopback-only network namespace (see connect.test.ts).
import Peer from '@thaunknown/simple-peer/lite.js';
import wrtc from '@roamhq/wrtc';
import { afterEach, describe, expect, it } from 'vitest';
import { mulberry32 } from '../random.ts';
import { answerOffer, createOffer } from './connect.ts';
import type { ChannelTransport } from './transport.ts';
import { baseOptions, closeAll, pattern, Sink, sleep, waitFor, wrtcFactory } from './test-kit.ts';

const peers: Peer[] = [];

afterEach(async () => {
  for (const p of peers.splice(0)) if (!p.destroyed) p.destroy();
  await sleep(50); // simple-peer destroys on a timer
  closeAll();
  await sleep(20);
});

function simplePeer(initiator: boolean): Peer {
  // `wrtc` is what bittorrent-tracker passes; simple-peer 10 takes webrtc-polyfill instead,
  // which this project points at @roamhq/wrtc.
  const p = new Peer({ initiator, trickle: false, wrtc, config: { iceServers: [] } });
  p.on('error', () => {}); // failures show as a missing 'connect' or 'close'
  peers.push(p);
  return p;
}

const nextSignal = (p: Peer) =>
  new Promise<{ type: string; sdp?: string }>((resolve) => p.once('signal', resolve));
const connected = (p: Peer) => new Promise<void>((resolve) => p.once('connect', resolve));

/** Round-trips data both ways: simple-peer writes in 16 KiB blocks, we send one big write. */
async function roundTrip(p: Peer, t: ChannelTransport): Promise<void> {
  const toUs = pattern(1024 * 1024 + 13, 11);
  const toThem = pattern(3 * 1024 * 1024 + 7, 12);
  const atUs = new Sink(toUs.length);
  const atThem = new Sink(toThem.length);
  t.ondata = atUs.push;
  p.on('data', atThem.push);
  for (let off = 0; off < toUs.length; off += 16 * 1024)
    p.write(toUs.subarray(off, off + 16 * 1024));
  t.send(toThem); // one write: cut into messages, queued past the high-water mark
  await waitFor(() => atUs.length >= toUs.length && atThem.length >= toThem.length, 20_000, 'data');
  expect(Buffer.compare(atUs.bytes(), toUs)).toBe(0);
  expect(Buffer.compare(atThem.bytes(), toThem)).toBe(0);
  // simple-peer hands on each of our messages as it came: none above our message size.
  expect(atThem.maxMessage).toBeLessThanOrEqual(t.messageBytes);
  expect(atThem.messages).toBeGreaterThanOrEqual(Math.ceil(toThem.length / t.messageBytes));
}

describe('interop with simple-peer', () => {
  it('answers a simple-peer offer; data both ways; our close ends it', async () => {
    const sp = simplePeer(true);
    const offer = await nextSignal(sp);
    expect(offer.type).toBe('offer');
    expect(offer.sdp).toMatch(/^a=candidate:/m); // non-trickle: candidates inside
    expect(offer.sdp).not.toMatch(/a=ice-options:trickle\r\n/); // simple-peer's filterTrickle
    expect(offer.sdp).toMatch(/^a=max-message-size:262144/m);
    const answer = await answerOffer(wrtcFactory, offer, baseOptions());
    const spConnected = connected(sp);
    sp.signal(answer.answer);
    const t = await answer.channel;
    await spConnected;
    expect(sp.channelName).toMatch(/^[0-9a-f]{40}$/);
    expect(t.label).toBe(sp.channelName);
    await roundTrip(sp, t);
    // When its channel closes simple-peer ends the stream ('finish', 'end': what WebTorrent's
    // Peer destroys itself on) and frees its connection, but emits no 'close'.
    const spEnded = new Promise<void>((resolve) => sp.once('end', resolve));
    t.close();
    await spEnded;
  });

  it('a simple-peer answers our offer; data both ways; its close reaches us', async () => {
    const offer = await createOffer(wrtcFactory, { ...baseOptions(), random: mulberry32(21) });
    const sp = simplePeer(false);
    const spConnected = connected(sp);
    sp.signal(offer.offer);
    const answer = await nextSignal(sp);
    expect(answer.type).toBe('answer');
    expect(answer.sdp).toMatch(/^a=candidate:/m);
    const t = await offer.accept(answer);
    await spConnected;
    expect(sp.channelName).toBe(t.label);
    await roundTrip(sp, t);
    let closedWith: unknown = 'not yet';
    t.onclose = (err) => (closedWith = err);
    sp.destroy();
    await waitFor(() => closedWith !== 'not yet', 10_000, 'our onclose');
    expect(closedWith).toBeNull();
  });
});

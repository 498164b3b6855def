// Our offerer and answerer over @roamhq/wrtc on loopback. Run inside a loopback-only network
// namespace: unshare --net sh -c 'ip link set lo up && exec npx vitest run --project unit lib/engine/rtc'
import { afterEach, describe, expect, it } from 'vitest';
import { realClock, type PeerConnectionFactory } from '../deps.ts';
import { RtcError } from '../errors.ts';
import { LIMITS } from '../limits.ts';
import { mulberry32 } from '../random.ts';
import { answerOffer, createOffer } from './connect.ts';
import {
  baseOptions,
  closeAll,
  connectPair,
  pattern,
  pump,
  Sink,
  sleep,
  waitFor,
  watchChannel,
  wrtcFactory,
} from './test-kit.ts';

afterEach(async () => {
  closeAll();
  await sleep(20);
});

/** A factory that remembers its connections, to check they end closed. */
function recording(): { factory: PeerConnectionFactory; pcs: RTCPeerConnection[] } {
  const pcs: RTCPeerConnection[] = [];
  return { pcs, factory: (config) => (pcs.push(wrtcFactory(config)), pcs.at(-1)!) };
}

const isClosed = (pc: RTCPeerConnection) => pc.signalingState === 'closed';

async function rejection(p: Promise<unknown>): Promise<RtcError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RtcError);
  return err as RtcError;
}

describe('createOffer / answerOffer', () => {
  it('connects our two ends: one ordered reliable channel, random label, no trickle', async () => {
    const offer = await createOffer(wrtcFactory, { ...baseOptions(), random: mulberry32(7) });
    expect(offer.offer.type).toBe('offer');
    expect(offer.offer.sdp).toMatch(/^a=candidate:.* 127\.0\.0\.1 /m); // gathered, non-trickle
    expect(offer.offer.sdp).not.toMatch(/a=ice-options:trickle\r\n/);
    const answer = await answerOffer(wrtcFactory, offer.offer, baseOptions());
    expect(answer.answer.type).toBe('answer');
    expect(answer.answer.sdp).toMatch(/^a=candidate:/m);
    const [a, b] = await Promise.all([offer.accept(answer.answer), answer.channel]);
    expect(a.label).toMatch(/^[0-9a-f]{40}$/);
    expect(b.label).toBe(a.label);
    const channel = (a as unknown as { channel: RTCDataChannel }).channel;
    expect(channel.ordered).toBe(true);
    // Reliable: no retransmit or lifetime limit (wrtc reports the unset value as 65535).
    expect([null, 65535]).toContain(channel.maxRetransmits);
    expect([null, 65535]).toContain(channel.maxPacketLifeTime);
    // wrtc advertises a=max-message-size:262144; our default is below it.
    expect(a.messageBytes).toBe(Math.min(LIMITS.rtcMaxMessageBytes, 262144));
    offer.close(); // after the hand-over: does nothing
    expect(a.open).toBe(true);
    a.close();
    b.close();
  });

  it('moves 8 MiB both ways at once, byte-identical, within the high-water mark', async () => {
    const { offerer, answerer } = await connectPair();
    const size = 8 * 1024 * 1024;
    const ab = pattern(size, 1);
    const ba = pattern(size, 2);
    const atB = new Sink(size);
    const atA = new Sink(size);
    answerer.ondata = atB.push;
    offerer.ondata = atA.push;
    const wa = watchChannel(offerer);
    const wb = watchChannel(answerer);
    // 100 KiB + 1 writes: not a multiple of the message size.
    await Promise.all([pump(offerer, ab, 102_401), pump(answerer, ba, 102_401)]);
    await waitFor(() => atA.length >= size && atB.length >= size, 30_000, '8 MiB each way');
    expect(atB.length).toBe(size);
    expect(atA.length).toBe(size);
    expect(Buffer.compare(atB.bytes(), ab)).toBe(0);
    expect(Buffer.compare(atA.bytes(), ba)).toBe(0);
    for (const [t, w] of [
      [offerer, wa],
      [answerer, wb],
    ] as const) {
      expect(w.maxBuffered).toBeLessThanOrEqual(t.highWaterBytes + t.messageBytes);
      expect(w.maxMessage).toBeLessThanOrEqual(t.messageBytes);
      expect(t.bytesSent).toBe(size);
      expect(t.bytesReceived).toBe(size);
    }
    expect(atB.maxMessage).toBeLessThanOrEqual(offerer.messageBytes);
    offerer.close();
    answerer.close();
  });

  it('closing one end fires onclose on both', async () => {
    const { offerer, answerer } = await connectPair();
    const closes: string[] = [];
    offerer.onclose = (e) => closes.push(`offerer:${e?.kind ?? 'clean'}`);
    answerer.onclose = (e) => closes.push(`answerer:${e?.kind ?? 'clean'}`);
    answerer.close();
    expect(closes).toEqual(['answerer:clean']);
    await waitFor(() => closes.length === 2, 5_000, 'the other end to close');
    expect(closes).toEqual(['answerer:clean', 'offerer:clean']);
    expect(offerer.open).toBe(false);
    expect(offerer.send(new Uint8Array(1))).toBe(false);
  });

  it('an answer whose offerer never takes it times out and closes its connection', async () => {
    const { factory, pcs } = recording();
    const offer = await createOffer(wrtcFactory, { ...baseOptions(), random: mulberry32(3) });
    const answer = await answerOffer(factory, offer.offer, baseOptions({ connectTimeoutMs: 300 }));
    const t0 = realClock.now();
    const err = await rejection(answer.channel);
    expect(err.kind).toBe('timeout');
    expect(realClock.now() - t0).toBeGreaterThanOrEqual(250);
    expect(pcs.every(isClosed)).toBe(true);
    offer.close();
  });

  it('an offer never answered expires and closes its connection', async () => {
    const { factory, pcs } = recording();
    const offer = await createOffer(factory, {
      ...baseOptions(),
      random: mulberry32(4),
      offerTimeoutMs: 200,
    });
    await waitFor(() => pcs.every(isClosed), 2_000, 'the offer to expire');
    expect((await rejection(offer.accept({ type: 'answer', sdp: 'v=0' }))).kind).toBe('expired');
  });

  it('a garbage answer rejects at once and closes the connection', async () => {
    for (const garbage of [
      { type: 'answer', sdp: 'garbage' },
      'not even an object',
      { type: 'offer', sdp: 'v=0' },
      { type: 'answer', sdp: 'v=0\r\n'.repeat(LIMITS.maxTrackerSdpLength) },
    ]) {
      const { factory, pcs } = recording();
      const offer = await createOffer(factory, { ...baseOptions(), random: mulberry32(5) });
      const err = await rejection(offer.accept(garbage));
      expect(err.kind).toBe('description');
      expect(pcs.every(isClosed)).toBe(true);
      expect((await rejection(offer.accept(garbage))).kind).toBe('description');
    }
  });

  it('an answer to a different offer never connects: connect timeout, closed', async () => {
    const { factory, pcs } = recording();
    const opts = { ...baseOptions({ connectTimeoutMs: 500 }), random: mulberry32(6) };
    const offer = await createOffer(factory, opts);
    const other = await createOffer(wrtcFactory, opts);
    const answer = await answerOffer(wrtcFactory, other.offer, baseOptions());
    expect((await rejection(offer.accept(answer.answer))).kind).toMatch(/timeout|failed/);
    expect(pcs.every(isClosed)).toBe(true);
    answer.close();
    other.close();
  });

  it('a garbage offer rejects and closes the connection', async () => {
    const { factory, pcs } = recording();
    for (const bad of [null, { type: 'answer', sdp: 'v=0' }, { type: 'offer', sdp: 42 }]) {
      expect((await rejection(answerOffer(factory, bad, baseOptions()))).kind).toBe('description');
    }
    expect(pcs).toHaveLength(0); // refused before any connection was made
    const err = await rejection(
      answerOffer(factory, { type: 'offer', sdp: 'nonsense' }, baseOptions()),
    );
    expect(err.kind).toBe('description');
    expect(pcs).toHaveLength(1);
    expect(pcs.every(isClosed)).toBe(true);
  });

  it('the AbortSignal stops the setup and closes the connection', async () => {
    const { factory, pcs } = recording();
    const ac = new AbortController();
    const pending = createOffer(factory, {
      ...baseOptions({ signal: ac.signal }),
      random: mulberry32(8),
    });
    ac.abort();
    expect((await rejection(pending)).kind).toBe('aborted');
    expect(pcs.every(isClosed)).toBe(true);
    expect(
      (
        await rejection(
          createOffer(factory, { ...baseOptions({ signal: ac.signal }), random: mulberry32(10) }),
        )
      ).kind,
    ).toBe('aborted');
  });

  it('close() before the channel opens rejects the answer’s channel', async () => {
    const { factory, pcs } = recording();
    const offer = await createOffer(wrtcFactory, { ...baseOptions(), random: mulberry32(9) });
    const answer = await answerOffer(factory, offer.offer, baseOptions());
    answer.close();
    expect((await rejection(answer.channel)).kind).toBe('closed');
    expect(pcs.every(isClosed)).toBe(true);
    offer.close();
  });

  it('closing an answer as its channel arrives still closes everything, and the offerer sees it', async () => {
    for (let i = 0; i < Number(process.env.SWARMLINK_RTC_RACE_ROUNDS ?? 3); i++) {
      const { factory, pcs } = recording();
      const offer = await createOffer(wrtcFactory, { ...baseOptions(), random: mulberry32(i) });
      const answer = await answerOffer(factory, offer.offer, baseOptions());
      const offerer = await offer.accept(answer.answer);
      // The offerer's channel is open; the answerer's `ondatachannel` may not have run yet.
      answer.close();
      const err = await answer.channel.then(
        () => undefined,
        (e: unknown) => e,
      );
      if (err === undefined)
        (await answer.channel).close(); // it had already arrived
      else expect((err as RtcError).kind).toBe('closed');
      await waitFor(() => pcs.every(isClosed), LIMITS.rtcCloseGraceMs + 2_000, 'answer closed');
      await waitFor(() => !offerer.open, 5_000, 'the offerer to see the close');
    }
  });

  it('a factory that throws is an RtcError', async () => {
    const factory: PeerConnectionFactory = () => {
      throw new Error('no WebRTC here');
    };
    const err = await rejection(createOffer(factory, { ...baseOptions(), random: mulberry32(10) }));
    expect(err.kind).toBe('create');
  });
});

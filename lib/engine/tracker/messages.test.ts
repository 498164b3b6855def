import { describe, expect, it } from 'vitest';
import { LIMITS } from '../limits.ts';
import { mulberry32 } from '../random.ts';
import {
  binaryToBytes,
  bytesToBinary,
  encodeAnnounce,
  encodeAnswer,
  encodeScrape,
  isBinaryId,
  parseTrackerMessage,
  randomId,
} from './messages.ts';
import { sortOffers } from './offers.ts';
import { reconnectDelay, RECONNECT_MAX_MS } from './socket.ts';

const all = Uint8Array.from({ length: 256 }, (_, i) => i);
const IH = bytesToBinary(Uint8Array.from({ length: 20 }, (_, i) => 0xec + i)); // bytes > 0x7f
const PEER = bytesToBinary(Uint8Array.from({ length: 20 }, (_, i) => i));
const OFFER_ID = bytesToBinary(Uint8Array.from({ length: 20 }, (_, i) => 0x80 | i));

const parse = (value: unknown) => parseTrackerMessage(JSON.stringify(value));
const rejected = (value: unknown) => {
  const r = typeof value === 'string' ? parseTrackerMessage(value) : parse(value);
  return r.ok ? 'accepted' : r.reason;
};

describe('binary ids', () => {
  it('map each byte to one char and back, through JSON too', () => {
    const text = bytesToBinary(all);
    expect(text).toHaveLength(256);
    expect(binaryToBytes(JSON.parse(JSON.stringify(text)))).toEqual(all);
    expect(isBinaryId(IH)).toBe(true);
    expect(isBinaryId(IH.slice(1))).toBe(false);
    expect(isBinaryId('\u0100'.repeat(20))).toBe(false);
    expect(() => binaryToBytes('€')).toThrow(RangeError);
    const id = randomId(mulberry32(7));
    expect(id).toHaveLength(20);
    expect(isBinaryId(bytesToBinary(id))).toBe(true);
  });
});

describe('encoding', () => {
  it('writes an announce with offers as WebTorrent does', () => {
    const offer = { type: 'offer' as const, sdp: 'v=0' };
    const msg = encodeAnnounce({
      infoHash: IH,
      peerId: PEER,
      uploaded: 1,
      downloaded: 2,
      left: 3,
      event: 'started',
      offers: [{ offerId: OFFER_ID, offer }],
    });
    expect(JSON.parse(msg)).toEqual({
      action: 'announce',
      info_hash: IH,
      peer_id: PEER,
      numwant: 1,
      uploaded: 1,
      downloaded: 2,
      left: 3,
      event: 'started',
      offers: [{ offer, offer_id: OFFER_ID }],
    });
  });

  it('sends no offers with `stopped` or `completed`, and omits an unknown `left`', () => {
    for (const event of ['stopped', 'completed'] as const) {
      const msg = JSON.parse(
        encodeAnnounce({
          infoHash: IH,
          peerId: PEER,
          uploaded: 0,
          downloaded: 0,
          event,
          trackerId: 't',
          offers: [{ offerId: OFFER_ID, offer: { type: 'offer', sdp: '' } }],
        }),
      );
      expect(msg).toEqual({
        action: 'announce',
        info_hash: IH,
        peer_id: PEER,
        numwant: 0,
        uploaded: 0,
        downloaded: 0,
        event,
        trackerid: 't',
      });
    }
  });

  it('writes answers and scrapes', () => {
    const answer = { type: 'answer' as const, sdp: 'v=0' };
    const msg = encodeAnswer({
      infoHash: IH,
      peerId: PEER,
      toPeerId: IH,
      offerId: OFFER_ID,
      answer,
    });
    expect(JSON.parse(msg)).toEqual({
      action: 'announce',
      info_hash: IH,
      peer_id: PEER,
      to_peer_id: IH,
      answer,
      offer_id: OFFER_ID,
    });
    expect(JSON.parse(encodeScrape([IH]))).toEqual({ action: 'scrape', info_hash: IH });
    expect(JSON.parse(encodeScrape([IH, PEER]))).toEqual({
      action: 'scrape',
      info_hash: [IH, PEER],
    });
  });
});

describe('parseTrackerMessage', () => {
  it('reads bittorrent-tracker’s announce response', () => {
    const r = parse({
      complete: 0,
      incomplete: 1,
      action: 'announce',
      info_hash: IH,
      interval: 120,
    });
    expect(r).toEqual({
      ok: true,
      message: expect.objectContaining({
        action: 'announce',
        infoHash: IH,
        complete: 0,
        incomplete: 1,
        interval: 120,
      }),
    });
  });

  it('reads relayed offers and answers, keeping only type and sdp', () => {
    const base = { action: 'announce', info_hash: IH, peer_id: PEER, offer_id: OFFER_ID };
    const offer = parse({ ...base, offer: { type: 'offer', sdp: 'v=0', x: 1 } });
    expect(offer.ok && offer.message).toMatchObject({
      peerId: PEER,
      offer: { offerId: OFFER_ID, offer: { type: 'offer', sdp: 'v=0' } },
    });
    const answer = parse({ ...base, answer: { type: 'answer', sdp: 'v=0' } });
    expect(answer.ok && answer.message).toMatchObject({
      answer: { offerId: OFFER_ID, answer: { type: 'answer', sdp: 'v=0' } },
    });
  });

  it('reads failures, with or without an info hash, and truncates long texts', () => {
    const routed = parse({ action: 'announce', 'failure reason': 'nope', info_hash: IH });
    expect(routed.ok && routed.message).toMatchObject({ infoHash: IH, failure: 'nope' });
    expect(parse({ 'failure reason': 'invalid info_hash' })).toEqual({
      ok: true,
      message: { action: undefined, failure: 'invalid info_hash' },
    });
    const long = parse({ action: 'announce', info_hash: IH, 'warning message': 'w'.repeat(1e4) });
    expect(long.ok && long.message.action === 'announce' && long.message.warning).toHaveLength(
      LIMITS.maxTrackerTextLength,
    );
    const nulls = parse({ action: 'announce', info_hash: IH, complete: null, peer_id: null });
    expect(nulls.ok).toBe(true);
  });

  it('reads scrape responses, single or several', () => {
    const files = { [IH]: { complete: 2, incomplete: 1, downloaded: 2 }, [PEER]: {} };
    const r = parse({ action: 'scrape', files, flags: { min_request_interval: 600 } });
    expect(r.ok && r.message.action === 'scrape' && [...r.message.files]).toEqual([
      [IH, { complete: 2, incomplete: 1, downloaded: 2 }],
      [PEER, { complete: 0, incomplete: 0, downloaded: 0 }],
    ]);
    const failed = parse({ action: 'scrape', 'failure reason': 'x', info_hash: '??' });
    expect(failed.ok && failed.message).toMatchObject({ action: 'scrape', failure: 'x' });
  });

  it('rejects malformed frames with a reason', () => {
    const offer = { type: 'offer', sdp: 'v=0' };
    const relay = { action: 'announce', info_hash: IH, peer_id: PEER, offer_id: OFFER_ID };
    expect(parseTrackerMessage(new Uint8Array(2))).toEqual({ ok: false, reason: 'binary frame' });
    expect(rejected(' '.repeat(LIMITS.maxTrackerFrameLength + 1))).toBe('frame too long');
    expect(rejected('{')).toBe('frame is not JSON');
    expect(rejected('[]')).toBe('frame is not a JSON object');
    expect(rejected({ action: 'hello' })).toMatch(/unknown action/);
    expect(rejected({ action: 'announce' })).toMatch(/info_hash/);
    expect(rejected({ action: 'announce', info_hash: IH, complete: 1.5 })).toMatch(/complete/);
    expect(rejected({ action: 'announce', info_hash: IH, interval: -1 })).toMatch(/interval/);
    expect(rejected({ action: 'announce', info_hash: IH, 'tracker id': 5 })).toMatch(/tracker id/);
    expect(rejected({ ...relay, offer_id: 'x' })).toBe('accepted'); // no signal: no offer id needed
    expect(rejected({ ...relay, offer, offer_id: 'x' })).toMatch(/offer_id/);
    expect(rejected({ ...relay, offer: { type: 'answer', sdp: '' } })).toMatch(/offer/);
    expect(rejected({ ...relay, offer, answer: { type: 'answer', sdp: '' } })).toMatch(/both/);
    const sdp = 'x'.repeat(LIMITS.maxTrackerSdpLength + 1);
    expect(rejected({ ...relay, answer: { type: 'answer', sdp } })).toMatch(/too long/);
    expect(rejected({ action: 'scrape', files: { [IH]: { complete: '1' } } })).toMatch(/complete/);
    expect(rejected('{"action":"scrape","files":{"__proto__":{}}}')).toMatch(/files/);
  });
});

describe('sortOffers', () => {
  it('keeps up to max fresh offers; drops the rest and counts bad ids', () => {
    const id = (n: number) => Uint8Array.from({ length: 20 }, () => n);
    const offer = { type: 'offer', sdp: 'v=0' };
    const pending = bytesToBinary(id(9));
    const r = sortOffers(
      [
        { offerId: id(1), offer },
        { offerId: id(1), offer }, // duplicate
        { offerId: id(9), offer }, // already pending
        { offerId: new Uint8Array(5), offer },
        { offerId: id(2), offer: { type: 'answer', sdp: '' } },
        { offerId: id(3), offer },
        { offerId: id(4), offer }, // over max
        null,
      ],
      2,
      (x) => x === pending,
    );
    expect(r.accepted.map((o) => o.offerId)).toEqual([id(1), id(3)].map(bytesToBinary));
    expect(r.dropped).toEqual([id(2), id(4)].map(bytesToBinary));
    expect(r.badIds).toBe(4);
    expect(sortOffers('nonsense', 5, () => false)).toEqual({
      accepted: [],
      dropped: [],
      badIds: 0,
    });
  });
});

describe('reconnectDelay', () => {
  it('doubles from 5 s, caps at 10 min, and adds up to 50% jitter', () => {
    expect([0, 1, 2, 3].map((n) => reconnectDelay(n, () => 0))).toEqual([
      5000, 10000, 20000, 40000,
    ]);
    expect(reconnectDelay(7, () => 0)).toBe(RECONNECT_MAX_MS);
    expect(reconnectDelay(1000, () => 0)).toBe(RECONNECT_MAX_MS);
    expect(reconnectDelay(0, () => 0.999999)).toBe(7500);
    expect(reconnectDelay(50, () => 0.5)).toBe(RECONNECT_MAX_MS * 1.25);
  });
});

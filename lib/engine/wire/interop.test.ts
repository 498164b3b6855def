import { createHash } from 'node:crypto';
import bencode from 'bencode';
import Wire from 'bittorrent-protocol';
import ltDontHave from 'lt_donthave';
import utMetadata from 'ut_metadata';
import utPex from 'ut_pex';
import { afterEach, describe, expect, it } from 'vitest';
import { LIMITS } from '../limits.ts';
import { mulberry32 } from '../random.ts';
import { encodeBencode } from './bencode.ts';
import { WireDecoder, type Decoded } from './decoder.ts';
import { decodeExtendedHandshake, encodeExtendedHandshake, EXTENSION_NAME } from './extension.ts';
import { concat, feed, randomCut } from './fixtures/samples.ts';
import { encodeHandshake, makeReserved, reservedFlags } from './handshake.ts';
import { encodeDontHave } from './lt-donthave.ts';
import { encodeMessage, type WireMessage } from './messages.ts';
import { checkMetadataData, decodeUtMetadata, encodeUtMetadata } from './ut-metadata.ts';

/**
 * Our codec against a real bittorrent-protocol Wire set up as WebTorrent sets up every wire
 * (torrent.js `_onWire`: ut_metadata, ut_pex, lt_donthave, in that order; peer.js: handshake
 * with `fast: true` and `dht: false` in a browser).
 */

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const latin1 = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

/** An info dictionary of two metadata pieces, and its infohash. */
const INFO = encodeBencode({
  length: 5,
  name: 'a.txt',
  'piece length': 16384,
  pieces: Uint8Array.from({ length: 20 * 1000 }, (_, i) => (i * 7) & 0xff),
});
const INFO_HASH = new Uint8Array(createHash('sha1').update(INFO).digest());
const THEIR_ID = new Uint8Array(20).fill(0x2d);
const OUR_ID = new Uint8Array(20).fill(0x53);
/** The ids we ask to receive our extensions with (not WebTorrent's 1, 2, 3, on purpose). */
const OURS = new Map([
  [EXTENSION_NAME.utMetadata, 7],
  [EXTENSION_NAME.ltDonthave, 9],
]);

const wires: Wire[] = [];
afterEach(() => {
  for (const wire of wires.splice(0)) wire.destroy();
});

/** A WebTorrent wire; `out` collects what it sends, `events` what it makes of our bytes. */
function webtorrentWire(metadata?: Uint8Array) {
  const wire = new Wire('webrtc');
  wires.push(wire);
  wire.use(utMetadata(metadata));
  wire.use(utPex());
  wire.use(ltDontHave());
  const out: Uint8Array[] = [];
  const events: unknown[][] = [];
  wire.on('data', (chunk: Uint8Array) => out.push(chunk));
  const names = ['handshake', 'extended', 'keep-alive', 'choke', 'unchoke', 'interested'];
  names.push('uninterested', 'have', 'bitfield', 'request', 'piece', 'cancel', 'port', 'suggest');
  names.push('have-all', 'have-none', 'reject', 'allowed-fast', 'unknownmessage', 'close');
  for (const name of names) {
    wire.on(name, (...args: unknown[]) => {
      if (name === 'request') args.pop(); // the respond callback
      if (name === 'bitfield') args[0] = (args[0] as { buffer: Uint8Array }).buffer.slice();
      events.push([name, ...args]);
    });
  }
  wire.lt_donthave.on('donthave', (index) => events.push(['donthave', index]));
  return { wire, out, events };
}

/** Lets the Wire's stream machinery run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

const ourHandshake = (fast = true): Uint8Array =>
  encodeHandshake({
    reserved: makeReserved({ extension: true, fast }),
    infoHash: INFO_HASH,
    peerId: OUR_ID,
  });

const ourExtendedHandshake = (metadataSize?: number): Uint8Array =>
  encodeMessage({
    type: 'extended',
    id: 0,
    payload: encodeExtendedHandshake({
      extensions: OURS,
      client: 'Swarmlink',
      reqq: LIMITS.maxQueuedRequestsPerPeer,
      ...(metadataSize !== undefined && { metadataSize }),
    }),
  });

/** Decodes what the wire sent, as it was chunked and re-cut at random: both must agree. */
function decodeOutput(out: readonly Uint8Array[]): Decoded[] {
  const asSent = feed(new WireDecoder(), out);
  const recut = feed(new WireDecoder(), randomCut(concat(out), mulberry32(5), 9));
  expect(recut).toEqual(asSent);
  return asSent;
}

describe('interop: what WebTorrent sends, decoded by us', () => {
  it('handshake, extended handshake, then every message it can send', async () => {
    const { wire, out } = webtorrentWire(INFO);
    wire.handshake(INFO_HASH, THEIR_ID, { dht: false, fast: true });
    wire.write(concat([ourHandshake(), ourExtendedHandshake()]));
    wire.write(encodeMessage({ type: 'unchoke' })); // so that it may request
    await settle();
    expect(wire.hasFast).toBe(true);

    const block = Uint8Array.from({ length: 16384 }, (_, i) => i & 0xff);
    wire.bitfield(Uint8Array.of(0b1010_0000));
    wire.have(3);
    wire.unchoke();
    wire.interested();
    wire.request(0, 16384, 16384);
    wire.cancel(0, 16384, 16384);
    wire.piece(1, 0, block);
    wire.port(6881);
    wire.suggest(2);
    wire.haveAll();
    wire.haveNone();
    wire.reject(5, 0, 16384);
    wire.allowedFast(4);
    wire.keepAlive();
    wire.lt_donthave.donthave(2);
    wire.extended(EXTENSION_NAME.utMetadata, { msg_type: 0, piece: 1 });
    wire.uninterested();
    wire.choke();
    await settle();

    const [handshake, extended, ...rest] = decodeOutput(out);
    // Reserved bits: extension (reserved[5] & 0x10) and fast (reserved[7] & 0x04), no DHT.
    if (handshake?.type !== 'handshake') throw new Error('expected a handshake first');
    expect(hex(handshake.reserved)).toBe('0000000000100004');
    expect(reservedFlags(handshake.reserved)).toEqual({ extension: true, fast: true, dht: false });
    expect(handshake.infoHash).toEqual(INFO_HASH);
    expect(handshake.peerId).toEqual(THEIR_ID);

    // Its extended handshake: m with the three extensions by registration order, and
    // metadata_size because it has the metadata; no v, p, reqq or yourip.
    if (extended?.type !== 'extended') throw new Error('expected the extended handshake');
    expect(extended.id).toBe(0);
    expect(latin1(extended.payload)).toBe(
      `d1:md11:lt_donthavei3e11:ut_metadatai1e6:ut_pexi2ee13:metadata_sizei${INFO.length}ee`,
    );
    expect(decodeExtendedHandshake(extended.payload)).toEqual({
      extensions: new Map([
        ['lt_donthave', 3],
        ['ut_metadata', 1],
        ['ut_pex', 2],
      ]),
      metadataSize: INFO.length,
    });

    const expected: WireMessage[] = [
      { type: 'bitfield', bytes: Uint8Array.of(0b1010_0000) },
      { type: 'have', index: 3 },
      { type: 'unchoke' },
      { type: 'interested' },
      { type: 'request', index: 0, begin: 16384, length: 16384 },
      { type: 'cancel', index: 0, begin: 16384, length: 16384 },
      { type: 'piece', index: 1, begin: 0, block },
      { type: 'port', port: 6881 },
      { type: 'suggest', index: 2 },
      { type: 'have-all' },
      { type: 'have-none' },
      { type: 'reject', index: 5, begin: 0, length: 16384 },
      { type: 'allowed-fast', index: 4 },
      { type: 'keep-alive' },
      // Extension messages go out with the ids from *our* extended handshake.
      { type: 'extended', id: 9, payload: encodeDontHave(2) },
      { type: 'extended', id: 7, payload: encodeUtMetadata({ type: 'request', piece: 1 }) },
      { type: 'not-interested' },
      { type: 'choke' },
    ];
    expect(rest).toEqual(expected);
  });

  it('before it has the metadata, its extended handshake has only m', async () => {
    const { wire, out } = webtorrentWire();
    wire.handshake(INFO_HASH, THEIR_ID, { dht: true, fast: true });
    wire.write(ourHandshake());
    await settle();
    const [handshake, extended] = decodeOutput(out);
    if (handshake?.type !== 'handshake' || extended?.type !== 'extended') throw new Error();
    expect(hex(handshake.reserved)).toBe('0000000000100005'); // with a DHT (WebTorrent in Node)
    expect(latin1(extended.payload)).toBe('d1:md11:lt_donthavei3e11:ut_metadatai1e6:ut_pexi2eee');
  });

  it('serves us the metadata (BEP 9) as data messages that pass our checks', async () => {
    const { wire, out } = webtorrentWire(INFO);
    wire.handshake(INFO_HASH, THEIR_ID, { fast: true });
    const ask = (piece: number): Uint8Array =>
      encodeMessage({
        type: 'extended',
        id: 1,
        payload: encodeUtMetadata({ type: 'request', piece }),
      });
    wire.write(concat([ourHandshake(), ourExtendedHandshake(), ask(0), ask(1), ask(2)]));
    await settle();
    const [, , first, second, past] = decodeOutput(out).map((m) =>
      m.type === 'extended' && m.id === OURS.get('ut_metadata') ? m.payload : new Uint8Array(0),
    );
    const pieces = [first, second].map((payload) => {
      const reply = decodeUtMetadata(payload!);
      if (reply.type !== 'data') throw new Error(`expected data, got ${reply.type}`);
      checkMetadataData(reply, INFO.length);
      return reply.data;
    });
    expect(concat(pieces)).toEqual(INFO);
    // A piece past the end gets a data message with no bytes (not a reject): refused.
    expect(latin1(past!)).toBe(`d8:msg_typei1e5:piecei2e10:total_sizei${INFO.length}ee`);
    expect(() => decodeUtMetadata(past!)).toThrow(/piece 2 of metadata in 2 pieces/);
  });

  it('rejects our metadata requests (BEP 9) while it has no metadata', async () => {
    const { wire, out } = webtorrentWire();
    wire.handshake(INFO_HASH, THEIR_ID, { fast: true });
    const ask = encodeUtMetadata({ type: 'request', piece: 0 });
    wire.write(
      concat([
        ourHandshake(),
        ourExtendedHandshake(),
        encodeMessage({ type: 'extended', id: 1, payload: ask }),
      ]),
    );
    await settle();
    const reply = decodeOutput(out)[2];
    if (reply?.type !== 'extended') throw new Error('expected an extended message');
    expect(reply.id).toBe(OURS.get('ut_metadata'));
    expect(decodeUtMetadata(reply.payload)).toEqual({ type: 'reject', piece: 0 });
  });
});

describe('interop: what we send, understood by WebTorrent', () => {
  it('handshake, extended handshake and every message, as bittorrent-protocol events', async () => {
    const { wire, events } = webtorrentWire(INFO);
    wire.handshake(INFO_HASH, THEIR_ID, { dht: false, fast: true });
    wire.unchoke(); // so that it passes our requests on
    const block = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);
    const messages: WireMessage[] = [
      { type: 'bitfield', bytes: Uint8Array.of(0b0110_0000) },
      { type: 'have', index: 0 },
      { type: 'unchoke' },
      { type: 'interested' },
      { type: 'request', index: 1, begin: 0, length: 16384 },
      { type: 'piece', index: 1, begin: 16384, block },
      { type: 'cancel', index: 1, begin: 0, length: 16384 },
      { type: 'port', port: 6881 },
      { type: 'suggest', index: 3 },
      { type: 'allowed-fast', index: 3 },
      { type: 'keep-alive' },
      { type: 'extended', id: 3, payload: encodeDontHave(1) }, // its lt_donthave id
      { type: 'have-none' },
      { type: 'reject', index: 2, begin: 0, length: 16384 },
      { type: 'have-all' },
      { type: 'unknown', id: 21, payload: Uint8Array.of(1, 2) },
      { type: 'not-interested' },
      { type: 'choke' },
    ];
    const stream = concat([
      ourHandshake(),
      ourExtendedHandshake(INFO.length),
      ...messages.map(encodeMessage),
    ]);
    for (const chunk of randomCut(stream, mulberry32(8), 50)) wire.write(chunk);
    await settle();

    expect(wire.peerExtendedMapping).toEqual({ ut_metadata: 7, lt_donthave: 9 });
    const ext = wire.peerExtendedHandshake;
    expect(ext['reqq']).toBe(LIMITS.maxQueuedRequestsPerPeer);
    expect(ext['metadata_size']).toBe(INFO.length);
    expect(Buffer.from(ext['v'] as Uint8Array).toString()).toBe('Swarmlink');

    expect(events).toEqual([
      ['handshake', hex(INFO_HASH), hex(OUR_ID), { dht: false, fast: true, extended: true }],
      ['extended', 'handshake', ext],
      ['bitfield', Uint8Array.of(0b0110_0000)],
      ['have', 0],
      ['unchoke'],
      ['interested'],
      ['request', 1, 0, 16384],
      ['piece', 1, 16384, block],
      ['cancel', 1, 0, 16384],
      ['port', 6881],
      ['suggest', 3],
      ['allowed-fast', 3],
      ['keep-alive'],
      ['donthave', 1],
      ['extended', 'lt_donthave', encodeDontHave(1)],
      ['have-none'],
      ['reject', 2, 0, 16384],
      ['have-all'],
      ['unknownmessage', Uint8Array.of(21, 1, 2)],
      ['uninterested'],
      ['choke'],
    ]);
  });

  it('hands it the metadata (BEP 9): its ut_metadata verifies and accepts it', async () => {
    const { wire, out } = webtorrentWire();
    const got = new Promise<Uint8Array>((resolve) => wire.ut_metadata.on('metadata', resolve));
    wire.ut_metadata.fetch();
    wire.handshake(INFO_HASH, THEIR_ID, { fast: true });
    wire.write(concat([ourHandshake(), ourExtendedHandshake(INFO.length)]));
    await settle();

    const decoder = new WireDecoder();
    const requests = feed(decoder, out.splice(0))
      .filter((m) => m.type === 'extended' && m.id === OURS.get('ut_metadata'))
      .map((m) => (m.type === 'extended' ? decodeUtMetadata(m.payload) : m));
    expect(requests).toEqual([
      { type: 'request', piece: 0 },
      { type: 'request', piece: 1 },
    ]);
    for (const piece of [0, 1]) {
      const data = INFO.slice(piece * 16384, (piece + 1) * 16384);
      const payload = encodeUtMetadata({ type: 'data', piece, totalSize: INFO.length, data });
      wire.write(encodeMessage({ type: 'extended', id: 1, payload }));
    }
    const metadata = await got;
    expect(bencode.decode(metadata)).toEqual({ info: bencode.decode(INFO) });
  });

  it('drops the wire on a BEP 6 message unless both handshakes set the fast bit', async () => {
    const { wire, events } = webtorrentWire(INFO);
    wire.handshake(INFO_HASH, THEIR_ID, { fast: true });
    wire.write(concat([ourHandshake(false), encodeMessage({ type: 'have-all' })]));
    await settle();
    expect(wire.hasFast).toBe(false);
    // Its end() emits uninterested and choke as it closes; the have-all never surfaces.
    expect(events.map((e) => e[0])).toEqual(['handshake', 'uninterested', 'choke', 'close']);
    expect(wire.destroyed).toBe(true);
  });
});

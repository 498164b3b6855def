/**
 * A wire peer against a scripted, hostile peer at the other end of an in-memory stream:
 * what it sends is checked and bounded, and the limits of lib/engine/limits.ts hold.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../tests/fixtures/fake-clock.ts';
import { transportPair, type MemoryTransport } from '../../../tests/fixtures/memory-transport.ts';
import { Bitfield } from '../bitfield.ts';
import { BufferPool } from '../buffer-pool.ts';
import { LIMITS } from '../limits.ts';
import { Picker } from '../picker.ts';
import type { StorageLayout } from '../piece-store.ts';
import { WireDecoder, type Decoded } from '../wire/decoder.ts';
import { encodeDontHave } from '../wire/lt-donthave.ts';
import { encodeHandshake, makeReserved } from '../wire/handshake.ts';
import { encodeMessage, writeUint32, type WireMessage } from '../wire/messages.ts';
import { IDLE_TIMEOUT_MS, PeerWire } from '../wire/peer-wire.ts';
import type { PeerTorrent } from './peer-torrent.ts';
import { PieceBuffers } from './piece-buffers.ts';
import { WirePeer } from './wire-peer.ts';

const infoHash = new Uint8Array(20).fill(7);
const ourId = new Uint8Array(20).fill(1);
const theirId = new Uint8Array(20).fill(2);
const PL = 32 * 1024;
const layout: StorageLayout = {
  infoHash: '07'.repeat(20),
  pieceLength: PL,
  pieceCount: 4,
  length: 4 * PL,
  files: [{ length: 4 * PL, offset: 0, pad: false }],
};

const settle = () => new Promise((r) => setImmediate(r));
const open: MemoryTransport[] = [];
afterEach(() => {
  for (const t of open.splice(0)) t.close();
});

/** Our wire peer (we have pieces 0 and 1) and the raw far end. */
function setup(opts: { downloading?: boolean } = {}) {
  const clock = new FakeClock(false);
  const have = new Bitfield(4);
  have.set(0);
  have.set(1);
  const picker = new Picker(4, { have, pieceSize: () => PL });
  const reads: [number, number, number][] = [];
  const torrent: PeerTorrent = {
    clock,
    peerId: ourId,
    rateOf: () => 0,
    tailSeconds: () => Infinity,
    picker,
    layout,
    buffers: new PieceBuffers(new BufferPool(), () => PL),
    downloading: opts.downloading ?? true,
    deliver: async () => true,
    readBlock: async (i, o, l) => {
      reads.push([i, o, l]);
      return new Uint8Array(l).fill(i);
    },
    countUpload: () => {},
    cancel: () => {},
    metadataSize: undefined,
    onMetadataMessage: () => {},
    onPeerMetadata: () => {},
    onPeerInterest: () => {},
  };
  const [ours, theirs] = transportPair();
  open.push(ours, theirs);
  const wire = new PeerWire(ours, { infoHash, peerId: ourId, clock, pieceCount: 4 });
  const peer = new WirePeer(wire, torrent, 'p1', 'test');
  peer.start();
  const got: Decoded[] = [];
  const decoder = new WireDecoder({ pieceCount: 4 });
  theirs.ondata = (b) => got.push(...decoder.push(b));
  let closedWith: Error | null | undefined;
  wire.on('close', (e) => (closedWith = e));
  const send = (m: WireMessage | Uint8Array) =>
    theirs.send(m instanceof Uint8Array ? m : encodeMessage(m));
  const handshake = () =>
    send(
      encodeHandshake({
        reserved: makeReserved({ extension: true, fast: true }),
        infoHash,
        peerId: theirId,
      }),
    );
  return { clock, picker, peer, wire, got, send, handshake, reads, closed: () => closedWith };
}

describe('WirePeer against a hostile peer', () => {
  it('a message length past the limit drops the peer before its body comes', async () => {
    const s = setup();
    s.handshake();
    const head = new Uint8Array(5);
    writeUint32(head, 0, 100 * 1024 * 1024);
    head[4] = 7;
    s.send(head);
    await settle();
    await settle();
    expect(s.closed()).toBeInstanceOf(Error);
    expect(s.closed()!.name).toBe('WireError');
    expect(s.peer.state).toBe('stopped');
  });

  it('a handshake for another torrent drops the peer', async () => {
    const s = setup();
    s.send(
      encodeHandshake({
        reserved: makeReserved({}),
        infoHash: new Uint8Array(20).fill(9),
        peerId: theirId,
      }),
    );
    await settle();
    await settle();
    expect(s.closed()?.message).toMatch(/another torrent/);
  });

  it('requests while choked, for pieces we lack, or too long are rejected and never read', async () => {
    const s = setup();
    s.handshake();
    await settle();
    s.send({ type: 'request', index: 0, begin: 0, length: 16384 }); // choked
    await settle();
    await settle();
    s.peer.setChoking(false);
    s.send({ type: 'request', index: 3, begin: 0, length: 16384 }); // we lack piece 3
    s.send({ type: 'request', index: 1, begin: PL - 100, length: 200 }); // past the piece
    s.send({ type: 'request', index: 1, begin: 0, length: 16384 }); // fine
    for (let k = 0; k < 6; k++) await settle();
    expect(s.reads).toEqual([[1, 0, 16384]]);
    const rejects = s.got.filter((m) => m.type === 'reject');
    expect(rejects).toHaveLength(3);
    expect(s.got.some((m) => m.type === 'piece' && m.index === 1)).toBe(true);
    expect(s.closed()).toBeUndefined();
  });

  it('tells a seed nothing of the pieces we get, and all of them once it is no seed (lt_donthave)', async () => {
    const s = setup();
    s.handshake();
    await settle();
    s.peer.attach(); // the torrent's metadata and storage are there (the swarm does this)
    s.send({ type: 'bitfield', bytes: Uint8Array.of(0xf0) }); // all 4 pieces
    for (let k = 0; k < 4; k++) await settle();
    expect(s.peer.isSeed).toBe(true);
    s.picker.complete(2, false);
    s.peer.announceHave(2);
    for (let k = 0; k < 4; k++) await settle();
    const haves = () => s.got.flatMap((m) => (m.type === 'have' ? [m.index] : []));
    expect(haves()).toEqual([]);
    s.send({ type: 'extended', id: 2, payload: encodeDontHave(3) });
    for (let k = 0; k < 4; k++) await settle();
    expect(haves()).toEqual([0, 1, 2]);
    expect(s.closed()).toBeUndefined();
  });

  it('a flood of requests past the queue limit drops the peer', async () => {
    const s = setup();
    s.handshake();
    await settle();
    s.peer.setChoking(false);
    // The reads never finish: every request stays queued.
    const flood = new Uint8Array((LIMITS.maxQueuedRequestsPerPeer + 5) * 17);
    for (let k = 0; k < LIMITS.maxQueuedRequestsPerPeer + 5; k++) {
      flood.set(encodeMessage({ type: 'request', index: 0, begin: 0, length: 16384 }), k * 17);
    }
    s.send(flood);
    for (let k = 0; k < 4; k++) await settle();
    expect(s.closed()?.message).toMatch(/queued/);
  });

  it('a block we never asked for, outside any piece, drops the peer; have past the end too', async () => {
    const s = setup();
    s.handshake();
    await settle();
    s.send({ type: 'have', index: 3 });
    s.send({ type: 'piece', index: 3, begin: PL, block: new Uint8Array(16) });
    for (let k = 0; k < 4; k++) await settle();
    expect(s.closed()?.name).toBe('WireError');
  });

  it('a peer that sends nothing is dropped after the idle timeout; one that never handshakes too', async () => {
    const silent = setup();
    silent.clock.fireAll(); // handshake timeout
    expect(silent.closed()?.message).toMatch(/handshake/);
    const idle = setup();
    idle.handshake();
    await settle();
    await settle();
    expect(idle.peer.state).toBe('active');
    // Our keep-alives go out, the peer's never come: the idle timer fires.
    for (let k = 0; k < 50 && idle.closed() === undefined; k++) idle.clock.fireAll();
    expect(idle.closed()?.message).toMatch(/nothing received/);
  });

  it('the idle timer is armed once, not set again for every message the peer sends', async () => {
    const s = setup();
    s.handshake();
    await settle();
    await settle();
    const before = s.clock.delays.length;
    for (let i = 0; i < 20; i++) s.send({ type: 'have', index: i % 4 });
    for (let k = 0; k < 4; k++) await settle();
    expect(s.clock.delays.slice(before).filter((d) => d === IDLE_TIMEOUT_MS)).toEqual([]);
    expect(s.closed()).toBeUndefined();
  });

  it('BEP 6 messages from a peer without the fast bit drop it', async () => {
    const s = setup();
    s.send(
      encodeHandshake({ reserved: makeReserved({ extension: true }), infoHash, peerId: theirId }),
    );
    s.send({ type: 'have-all' });
    for (let k = 0; k < 4; k++) await settle();
    expect(s.closed()?.message).toMatch(/fast/);
  });
});

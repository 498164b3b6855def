/**
 * ut_metadata (BEP 9) for one torrent: serves the info dictionary to peers when we have it,
 * and fetches it from peers for a magnet link: 16 KiB pieces asked of the peers that say
 * they have it (`metadata_size` in their extended handshake), one request per piece at a
 * time, the whole checked against the infohash before it is used. A peer whose pieces made
 * a dictionary that does not hash to the infohash is no longer asked.
 */
import { equalBytes } from './bytes.ts';
import type { Digest } from './deps.ts';
import { WireError } from './errors.ts';
import { EXTENSION_NAME } from './wire/extension.ts';
import {
  METADATA_PIECE,
  checkMetadataData,
  decodeUtMetadata,
  encodeUtMetadata,
  metadataPieceCount,
  type UtMetadataMessage,
} from './wire/ut-metadata.ts';
import type { WirePeer } from './sources/wire-peer.ts';

/** A metadata request not answered in this time is asked of another peer. */
const METADATA_REQUEST_TIMEOUT_MS = 15_000;

interface Fetch {
  size: number;
  buf: Uint8Array;
  got: Uint8Array;
  /** Per piece: the peer asked and when. */
  asked: ({ peer: WirePeer; at: number } | undefined)[];
  from: Set<WirePeer>;
}

export class MetadataExchange {
  private fetch: Fetch | null = null;
  /** Peers asked for the metadata: those that agree on the size being fetched. */
  private readonly peers = new Set<WirePeer>();
  /** Every peer that said it has the metadata, and the size it said. */
  private readonly candidates = new Map<WirePeer, number>();
  private readonly banned = new WeakSet<WirePeer>();
  private checking = false;

  constructor(
    private readonly infoHash: Uint8Array,
    private readonly digest: Digest,
    private readonly now: () => number,
    /** The info dictionary once known (ours to serve). */
    private info: Uint8Array | undefined,
    /** The fetched dictionary, checked against the infohash. */
    private readonly onMetadata: (info: Uint8Array) => void,
  ) {}

  get size(): number | undefined {
    return this.info?.byteLength;
  }

  /** The metadata is known (a .torrent, or fetched and checked). */
  setInfo(info: Uint8Array): void {
    this.info = info;
    this.fetch = null;
    this.peers.clear();
    this.candidates.clear();
  }

  /** A peer says it has the metadata: a magnet asks it for pieces. */
  addPeer(peer: WirePeer): void {
    if (this.info || this.banned.has(peer) || this.candidates.has(peer)) return;
    const size = peer.wire.peerExtended?.metadataSize;
    if (!size) return;
    this.candidates.set(peer, size);
    peer.on('state', (s) => s === 'stopped' && this.dropPeer(peer));
    this.fetch ??= this.newFetch(size);
    // A peer with another idea of the size is kept in reserve, not asked (yet).
    if (size === this.fetch.size) this.peers.add(peer);
    this.requestMore();
  }

  private newFetch(size: number): Fetch {
    const count = metadataPieceCount(size);
    return {
      size,
      buf: new Uint8Array(size),
      got: new Uint8Array(count),
      asked: new Array(count),
      from: new Set(),
    };
  }

  /**
   * Nobody left for the size being fetched (they left, refused or lied): start again with
   * the size most of the remaining peers give.
   */
  private refetch(): void {
    if (this.info) return;
    const votes = new Map<number, number>();
    for (const size of this.candidates.values()) votes.set(size, (votes.get(size) ?? 0) + 1);
    const best = [...votes].sort((a, b) => b[1] - a[1])[0];
    this.fetch = best ? this.newFetch(best[0]) : null;
    this.peers.clear();
    for (const [p, size] of this.candidates) if (size === best?.[0]) this.peers.add(p);
    this.requestMore();
  }

  private dropPeer(peer: WirePeer): void {
    this.candidates.delete(peer);
    this.peers.delete(peer);
    this.fetch?.asked.forEach((a, i) => {
      if (a?.peer === peer) this.fetch!.asked[i] = undefined;
    });
    if (this.peers.size === 0) this.refetch();
    else this.requestMore();
  }

  /** Asks idle peers for pieces nobody has been asked for (or asked too long ago). */
  requestMore(): void {
    const f = this.fetch;
    if (!f || this.checking) return;
    const now = this.now();
    const busy = new Set<WirePeer>();
    for (const a of f.asked) if (a && now - a.at < METADATA_REQUEST_TIMEOUT_MS) busy.add(a.peer);
    for (let i = 0; i < f.got.length; i++) {
      const a = f.asked[i];
      if (f.got[i] || (a && now - a.at < METADATA_REQUEST_TIMEOUT_MS)) continue;
      const peer = [...this.peers].find((p) => !busy.has(p));
      if (!peer) return;
      busy.add(peer);
      f.asked[i] = { peer, at: now };
      send(peer, { type: 'request', piece: i });
    }
  }

  /** A ut_metadata message from `peer`. Throws WireError on a malformed one. */
  onMessage(peer: WirePeer, payload: Uint8Array): void {
    const msg = decodeUtMetadata(payload);
    if (msg.type === 'unknown') return;
    if (msg.type === 'request') return this.serve(peer, msg.piece);
    const f = this.fetch;
    if (!f || f.asked[msg.piece]?.peer !== peer) return; // not asked of it: ignored
    f.asked[msg.piece] = undefined;
    if (msg.type === 'reject') {
      this.peers.delete(peer);
      this.candidates.delete(peer);
      if (this.peers.size === 0) return this.refetch();
      return this.requestMore();
    }
    checkMetadataData(msg, f.size);
    f.buf.set(msg.data, msg.piece * METADATA_PIECE);
    f.got[msg.piece] = 1;
    f.from.add(peer);
    if (f.got.every((g) => g === 1)) this.check(f).catch(() => {});
    else this.requestMore();
  }

  private async check(f: Fetch): Promise<void> {
    this.checking = true;
    const hash = await this.digest('SHA-1', f.buf);
    this.checking = false;
    if (this.fetch !== f) return;
    if (equalBytes(hash, this.infoHash)) {
      this.setInfo(f.buf);
      return this.onMetadata(f.buf);
    }
    // Wrong bytes: every peer that sent a piece is suspect and is not asked again.
    for (const p of f.from) {
      this.banned.add(p);
      this.peers.delete(p);
      this.candidates.delete(p);
      p.wire.destroy(new WireError('ut_metadata', 'metadata does not match the infohash'));
    }
    this.refetch();
  }

  private serve(peer: WirePeer, piece: number): void {
    const info = this.info;
    // Not while its transport is full: a peer that asks and does not read gets rejects
    // (31 bytes), not 16 KiB pieces piling up in our send queue.
    if (!info || piece * METADATA_PIECE >= info.byteLength || !peer.wire.writable) {
      return send(peer, { type: 'reject', piece });
    }
    const data = info.subarray(piece * METADATA_PIECE, (piece + 1) * METADATA_PIECE);
    send(peer, { type: 'data', piece, totalSize: info.byteLength, data });
  }
}

function send(peer: WirePeer, msg: UtMetadataMessage): void {
  const id = peer.wire.peerExtended?.extensions.get(EXTENSION_NAME.utMetadata);
  if (!id) return;
  peer.wire.sendMessage({ type: 'extended', id, payload: encodeUtMetadata(msg) });
}

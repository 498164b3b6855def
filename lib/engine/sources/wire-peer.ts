/**
 * A wire peer as a Source: a PeerWire session (BEP 3, 6, 10) that takes block requests
 * from the picker against the peer's bitfield, puts pieces together from their blocks and
 * hands them to the verifier, and serves the peer's requests from the store. The choker
 * decides whether we choke it; the peer decides whether it chokes us.
 *
 * Before a magnet's metadata is known the peer only takes part in ut_metadata (see
 * `metadata.ts`); what it has is kept as raw bytes until the piece count is known.
 */
import { Emitter } from '../emitter.ts';
import { WireError } from '../errors.ts';
import { LIMITS } from '../limits.ts';
import type { BlockRequest, Have } from '../picker.ts';
import { BLOCK_LENGTH } from '../partial-pieces.ts';
import { isInPiece, pieceSize } from '../piece-store.ts';
import { RateMeter } from '../rate.ts';
import { EXTENSION_NAME, type ExtendedHandshake } from '../wire/extension.ts';
import { decodeDontHave } from '../wire/lt-donthave.ts';
import type { WireMessage } from '../wire/messages.ts';
import { WEBSEED_CLAIMS_EXTENSION } from '../wire/webseed-claims.ts';
import { ClaimsExchange } from './claims-exchange.ts';
import { OurHaves } from './our-haves.ts';
import { PeerHave } from './peer-have.ts';
import { MAX_PIPELINE, PeerRequests } from './peer-requests.ts';
import { LimitGate } from '../token-bucket.ts';
import { UploadQueue } from './upload-queue.ts';
import type { PeerWire } from '../wire/peer-wire.ts';
import { clientName, OUR_EXTENSIONS, type PeerTorrent } from './peer-torrent.ts';
import type { Source, SourceEvents, SourceState, SourceView } from './source.ts';

export { REQUEST_TIMEOUT_MS } from './peer-requests.ts';
const CHECK_MS = 5_000;

export class WirePeer extends Emitter<SourceEvents> implements Source {
  readonly kind = 'peer';
  readonly id: string;
  state: SourceState = 'connecting';
  error: Error | null = null;
  /** What it has, and its share of the picker's counts. */
  private readonly pieces = new PeerHave();
  amChoking = true;
  amInterested = false;
  peerChoking = true;
  peerInterested = false;
  private started = false;
  /** What we tell the peer we have. */
  private readonly ours: OurHaves;
  private readonly requests = new PeerRequests();
  private readonly uploads: UploadQueue;
  private checkTimer: unknown = null;
  /** Waits for the download limit before more requests. */
  private readonly limit: LimitGate;
  readonly received: RateMeter;
  readonly sent: RateMeter;
  /** Our claims extension with the peer: what it fetches from the web seed now, and we. */
  private readonly claims: ClaimsExchange;

  constructor(
    readonly wire: PeerWire,
    private readonly torrent: PeerTorrent,
    /** Unique among the torrent's sources. */
    id: string,
    /** How the peer was found, for the view (e.g. the tracker's URL). */
    readonly via: string,
  ) {
    super();
    this.id = id;
    this.received = new RateMeter(torrent.clock);
    this.sent = new RateMeter(torrent.clock);
    this.uploads = new UploadQueue(wire, torrent, this.sent);
    this.limit = new LimitGate(torrent.clock, () => torrent.rates?.download);
    this.ours = new OurHaves(wire, torrent, () => this.isSeed);
    this.claims = new ClaimsExchange(wire, torrent, () => this.emit('released', 0));
    wire.on('handshake', () => this.onHandshake());
    wire.on('extended', (h) => this.onExtended(h));
    wire.on('message', (m) => this.onMessage(m));
    wire.on('drain', () => this.uploads.pump());
    wire.on('close', (err) => this.onClose(err));
  }

  /** What it has (`'all'` after have_all). */
  get has(): Have {
    return this.pieces.has;
  }

  get peerId(): Uint8Array | undefined {
    return this.wire.peer?.peerId;
  }

  /** It speaks our claims extension (a Swarmlink reader: it shares the web seed with us). */
  get speaksClaims(): boolean {
    return (this.wire.peerExtended?.extensions.get(WEBSEED_CLAIMS_EXTENSION) ?? 0) > 0;
  }

  /** It has every piece. */
  get isSeed(): boolean {
    return this.pieces.isSeed;
  }

  view(): SourceView {
    const id = this.peerId;
    return {
      id: this.id,
      kind: 'peer',
      url: id ? clientName(id, this.wire.peerExtended?.client) : this.via,
      state: this.state,
      error: this.error?.message,
      downloadRate: this.received.rate(),
      uploadRate: this.sent.rate(),
      downloadedBytes: this.received.total,
      uploadedBytes: this.sent.total,
      seed: this.isSeed,
    };
  }

  start(): void {
    this.started = true;
    this.updateInterest();
    this.fill();
  }

  destroy(): void {
    this.wire.destroy(null);
  }

  // ------------------------------------------------------------------ session

  private onHandshake(): void {
    this.setState('active');
    if (this.wire.extension) {
      this.wire.sendExtended({
        extensions: OUR_EXTENSIONS,
        client: 'Swarmlink 0.1',
        reqq: LIMITS.maxQueuedRequestsPerPeer,
        ...(this.torrent.metadataSize !== undefined && { metadataSize: this.torrent.metadataSize }),
      });
    }
    this.ours.sendBitfield();
    if (!this.wire.closed) {
      this.checkTimer = this.torrent.clock.setTimeout(() => this.check(), CHECK_MS);
    }
  }

  private onExtended(h: ExtendedHandshake): void {
    if ((h.extensions.get(EXTENSION_NAME.utMetadata) ?? 0) > 0 && h.metadataSize) {
      this.torrent.onPeerMetadata(this);
    }
    this.sendClaims();
  }

  /** The metadata is known and storage is open: what the peer said it has now counts. */
  attach(): void {
    const picker = this.torrent.picker;
    if (!picker || this.pieces.attached || this.wire.closed) return;
    this.wire.setPieceCount(picker.pieceCount);
    try {
      this.pieces.attach(picker);
    } catch (err) {
      return this.wire.destroy(err instanceof Error ? err : new Error(String(err)));
    }
    if (!this.peerChoking) this.pieces.setServing(true);
    this.updateInterest();
    this.fill();
    this.emit('have');
  }

  private onMessage(m: WireMessage): void {
    switch (m.type) {
      case 'choke':
        this.peerChoking = true;
        // Pieces the web seed may take now.
        if (this.pieces.setServing(false)) this.emit('released', 0);
        // Requests in flight are void (with BEP 6 the peer may still reject them).
        this.forgetRequests();
        return;
      case 'unchoke':
        this.peerChoking = false;
        this.pieces.setServing(true);
        return this.fill();
      case 'interested':
        this.peerInterested = true;
        return this.torrent.onPeerInterest(this);
      case 'not-interested':
        this.peerInterested = false;
        return;
      case 'have':
        return this.onHave(m.index);
      case 'bitfield':
        return this.onBitfield(m.bytes);
      case 'have-all':
        this.requireFast(m.type);
        return this.onBitfield('all');
      case 'have-none':
        this.requireFast(m.type);
        return;
      case 'request':
        return this.uploads.request(m, this.amChoking);
      case 'cancel':
        return this.uploads.cancel(m.index, m.begin);
      case 'piece':
        return this.onPiece(m.index, m.begin, m.block);
      case 'reject':
        this.requireFast(m.type);
        return this.onReject(m);
      case 'extended':
        return this.onExtendedMessage(m.id, m.payload);
      // suggest, allowed-fast, port, unknown ids: nothing to do (BEP 6 allows ignoring).
    }
  }

  private requireFast(what: string): void {
    if (!this.wire.fast) throw new WireError(what, 'BEP 6 message without the fast extension');
  }

  private onExtendedMessage(id: number, payload: Uint8Array): void {
    if (id === OUR_EXTENSIONS.get(EXTENSION_NAME.utMetadata)) {
      this.torrent.onMetadataMessage(this, payload);
    } else if (id === OUR_EXTENSIONS.get(WEBSEED_CLAIMS_EXTENSION)) {
      this.claims.onMessage(payload);
    } else if (id === OUR_EXTENSIONS.get(EXTENSION_NAME.ltDonthave)) {
      this.pieces.dontHave(decodeDontHave(payload));
      this.ours.pay();
    }
  }

  /** Tells the peer what our web seeds fetch now, if it speaks our extension. */
  sendClaims(): void {
    this.claims.send();
  }

  private onHave(index: number): void {
    if (this.pieces.attached) this.claims.done(index);
    if (!this.pieces.have(index)) return;
    const picker = this.torrent.picker!;
    if (!this.amInterested && picker.isWanted(index) && !picker.has(index)) {
      this.setInterested(true);
    }
    this.fill();
    this.emit('have');
  }

  private onBitfield(bytes: Uint8Array | 'all'): void {
    this.pieces.bitfield(bytes);
    if (!this.pieces.attached) return;
    this.updateInterest();
    this.fill();
    this.emit('have');
  }

  // ------------------------------------------------------------------ downloading

  private setInterested(on: boolean): void {
    if (this.amInterested === on) return;
    this.amInterested = on;
    this.wire.sendMessage({ type: on ? 'interested' : 'not-interested' });
  }

  /** Interested while the peer has a wanted piece we lack. */
  updateInterest(): void {
    const picker = this.torrent.picker;
    if (!picker || !this.wire.peer) return;
    const want = this.torrent.downloading && picker.remaining > 0 && this.pieces.hasWanted(picker);
    this.setInterested(want);
  }

  /** Keeps the pipeline of requests full. */
  fill(): void {
    const picker = this.torrent.picker;
    if (!picker || !this.started || this.peerChoking || !this.amInterested || this.wire.closed)
      return;
    if (!this.torrent.downloading || this.limit.blocked(() => this.fill())) return;
    const mine = picker.requestsOf(this.id);
    const line = Math.min(
      PeerRequests.pipeline(this.received.rate(), this.torrent.tailSeconds()),
      this.wire.peerExtended?.reqq ?? MAX_PIPELINE,
    );
    const limit = Math.min(line, PeerRequests.share(mine, picker.requestsTotal()));
    // Requests go out a batch at a time (one data channel message), not one per block that
    // came in: each message costs both ends a crossing to their WebRTC thread. The batch is
    // of the peer's own line: with the torrent's bound at its limit, room comes a block at a
    // time (2048 sends of 4 requests for 128 MiB from 8 seeders, instead of 512 of 16).
    const want = PeerRequests.topUp(limit, mine, line);
    if (want <= 0) return;
    const reqs = picker.pickBlocks(this.id, this.has, want, this.torrent.rateOf);
    const now = this.torrent.clock.now();
    for (const r of reqs) {
      this.requests.sent(r, now);
      this.wire.sendMessage({ type: 'request', index: r.piece, begin: r.begin, length: r.length });
    }
    if (reqs.length === 0 && picker.requestsOf(this.id) === 0) this.updateInterest();
  }

  private onPiece(index: number, begin: number, block: Uint8Array): void {
    const { picker, buffers, layout } = this.torrent;
    // Only whole 16 KiB blocks (the last one of a piece shorter), as we ask for them.
    const whole = layout && isInPiece(layout, index, begin, 1) ? pieceSize(layout, index) : 0;
    const expected = Math.min(BLOCK_LENGTH, whole - begin);
    if (!picker || !buffers || begin % BLOCK_LENGTH !== 0 || block.byteLength !== expected) {
      throw new WireError(
        'piece',
        `block ${index}:${begin}+${block.byteLength} is not ours to take`,
      );
    }
    this.requests.answered(index, begin, this.torrent.clock.now());
    this.received.add(block.byteLength);
    this.torrent.rates?.download.take(block.byteLength);
    this.emit('bytes', block.byteLength);
    const got = picker.blockReceived(this.id, index, begin);
    if (got.fresh) buffers.put(index, begin, block);
    for (const c of got.cancel) this.torrent.cancel(c.source, c.request);
    if (got.done) {
      const data = buffers.take(index);
      if (data) void this.torrent.deliver(index, data, this).catch(() => {});
    }
    this.fill();
  }

  private onReject(r: { index: number; begin: number }): void {
    const picker = this.torrent.picker;
    if (!picker) return;
    this.requests.forget(r.index, r.begin);
    picker.blockFailed(this.id, r.index, r.begin);
    this.emit('released', 1);
  }

  /** Sends a cancel for a block another peer delivered first. */
  cancel(r: BlockRequest): void {
    this.requests.forget(r.piece, r.begin);
    this.wire.sendMessage({ type: 'cancel', index: r.piece, begin: r.begin, length: r.length });
  }

  private forgetRequests(): void {
    const picker = this.torrent.picker;
    this.requests.clear();
    if (picker && picker.releaseSource(this.id).length > 0) this.emit('released', 1);
  }

  /** Requests that took too long go to other peers. */
  private check(): void {
    const picker = this.torrent.picker;
    const now = this.torrent.clock.now();
    const late = this.requests.check(
      now,
      (piece) => picker?.markLate(piece),
      (piece, begin) => picker?.blockFailed(this.id, piece, begin),
    );
    if (late > 0) this.emit('released', late);
    // Claims not repeated in time are void; ours are repeated while they last.
    if (this.claims.expire(now)) this.emit('released', 0);
    this.claims.refresh(now);
    this.fill();
    if (!this.wire.closed) {
      this.checkTimer = this.torrent.clock.setTimeout(() => this.check(), CHECK_MS);
    }
  }

  // ------------------------------------------------------------------ uploading

  /** The choker's decision. */
  setChoking(choke: boolean): void {
    if (this.amChoking === choke || this.wire.closed) return;
    this.amChoking = choke;
    this.wire.sendMessage({ type: choke ? 'choke' : 'unchoke' });
    if (choke) this.uploads.rejectAll();
  }

  /** A piece we now have: tell the peer, unless it is a seed (see OurHaves). */
  announceHave(index: number): void {
    this.ours.announce(index);
  }

  // ------------------------------------------------------------------ ending

  private onClose(err: Error | null): void {
    this.error = err;
    this.torrent.clock.clearTimeout(this.checkTimer);
    this.limit.clear();
    const picker = this.torrent.picker;
    if (picker) {
      this.claims.clear();
      picker.releaseSource(this.id);
      this.pieces.detach();
    }
    this.uploads.clear();
    this.setState('stopped');
    this.removeAllListeners();
  }

  private setState(state: SourceState): void {
    if (this.state === state || this.state === 'stopped') return;
    this.state = state;
    this.emit('state', state);
  }
}

/**
 * A wire peer as a Source: a PeerWire session (BEP 3, 6, 10) that takes block requests
 * from the picker against the peer's bitfield, puts pieces together from their blocks and
 * hands them to the verifier, and serves the peer's requests from the store. The choker
 * decides whether we choke it; the peer decides whether it chokes us.
 *
 * Before a magnet's metadata is known the peer only takes part in ut_metadata (see
 * `metadata.ts`); what it has is kept as raw bytes until the piece count is known.
 */
import { Bitfield } from '../bitfield.ts';
import type { Clock } from '../deps.ts';
import { Emitter } from '../emitter.ts';
import { WireError } from '../errors.ts';
import { LIMITS } from '../limits.ts';
import type { BlockRequest, Have, Picker } from '../picker.ts';
import { isInPiece, type StorageLayout } from '../piece-store.ts';
import { RateMeter } from '../rate.ts';
import { toHex } from '../bytes.ts';
import { EXTENSION_NAME, type ExtendedHandshake } from '../wire/extension.ts';
import { decodeDontHave } from '../wire/lt-donthave.ts';
import type { WireMessage } from '../wire/messages.ts';
import {
  CLAIM_REFRESH_MS,
  CLAIM_TTL_MS,
  WEBSEED_CLAIMS_EXTENSION,
  decodeClaims,
  encodeClaims,
} from '../wire/webseed-claims.ts';
import type { PeerWire } from '../wire/peer-wire.ts';
import type { PieceBuffers } from './piece-buffers.ts';
import type { Source, SourceEvents, SourceState, SourceView } from './source.ts';

/** Our extended ids for the extensions we speak (the peer sends them with these ids). */
export const OUR_EXTENSIONS: ReadonlyMap<string, number> = new Map([
  [EXTENSION_NAME.utMetadata, 1],
  [EXTENSION_NAME.ltDonthave, 2],
  [WEBSEED_CLAIMS_EXTENSION, 3],
]);

/** A request not answered in this time goes to someone else (WebTorrent: 30 s). */
export const REQUEST_TIMEOUT_MS = 20_000;
const CHECK_MS = 5_000;
/** Requests kept in flight to a peer: this many seconds of its recent rate, within bounds. */
const PIPELINE_SECONDS = 2;
const MIN_PIPELINE = 8;
const MAX_PIPELINE = 128;

/** What a wire peer needs of its torrent. */
export interface PeerTorrent {
  readonly clock: Clock;
  /** Our peer id (claims that overlap are settled by comparing ids). */
  readonly peerId: Uint8Array;
  /** Undefined until the metadata is known and the storage is open. */
  readonly picker: Picker | undefined;
  readonly layout: StorageLayout | undefined;
  readonly buffers: PieceBuffers | undefined;
  /** Whether the torrent fetches pieces now (not seeding, not paused). */
  readonly downloading: boolean;
  deliver(index: number, data: Uint8Array, from: Source): Promise<boolean>;
  readBlock(index: number, offset: number, length: number): Promise<Uint8Array>;
  countUpload(n: number): void;
  /** Other peers asked for a block this peer delivered first (endgame): cancel theirs. */
  cancel(source: string, request: BlockRequest): void;
  /** The info dictionary (for ut_metadata), its size when known. */
  readonly metadataSize: number | undefined;
  /** A ut_metadata message from the peer (metadata.ts handles it). */
  onMetadataMessage(peer: WirePeer, payload: Uint8Array): void;
  /** The peer said it has the metadata (size): a magnet can fetch it. */
  onPeerMetadata(peer: WirePeer): void;
  /** The peer became interested (the choker may unchoke it at once). */
  onPeerInterest(peer: WirePeer): void;
}

export class WirePeer extends Emitter<SourceEvents> implements Source {
  readonly kind = 'peer';
  readonly id: string;
  state: SourceState = 'connecting';
  error: Error | null = null;
  /** What it has (`'all'` after have_all); empty until its bitfield. */
  has: Have;
  /** Its bitfield before we knew the piece count (magnets). */
  private rawHave: Uint8Array | 'all' | null = null;
  private readonly rawHaves: number[] = [];
  amChoking = true;
  amInterested = false;
  peerChoking = true;
  peerInterested = false;
  private started = false;
  private readonly sentAt = new Map<number, number>();
  private readonly uploads: BlockRequest[] = [];
  private reading = false;
  private checkTimer: unknown = null;
  readonly received: RateMeter;
  readonly sent: RateMeter;
  private countedAvailability = false;
  private countedServing = false;
  /** What the peer said it fetches from the web seed now (counted in the picker). */
  private claims: [number, number][] = [];
  private claimsAt = 0;
  private claimsSentAt = 0;

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
    this.has = new Bitfield(0);
    this.received = new RateMeter(torrent.clock);
    this.sent = new RateMeter(torrent.clock);
    wire.on('handshake', () => this.onHandshake());
    wire.on('extended', (h) => this.onExtended(h));
    wire.on('message', (m) => this.onMessage(m));
    wire.on('drain', () => this.pumpUploads());
    wire.on('close', (err) => this.onClose(err));
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
    return this.has === 'all' || (this.has.length > 0 && this.has.full());
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
    this.sendHave();
    this.checkTimer = this.torrent.clock.setTimeout(() => this.check(), CHECK_MS);
  }

  /** Our bitfield (BEP 6: have_all / have_none when they say it). */
  private sendHave(): void {
    const have = this.torrent.picker?.have;
    if (this.wire.fast && (!have || have.empty())) this.wire.sendMessage({ type: 'have-none' });
    else if (this.wire.fast && have!.full()) this.wire.sendMessage({ type: 'have-all' });
    else if (have && !have.empty())
      this.wire.sendMessage({ type: 'bitfield', bytes: have.toBytes() });
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
    if (!picker || this.countedAvailability) return;
    this.wire.setPieceCount(picker.pieceCount);
    if (this.rawHave === 'all') this.has = 'all';
    else {
      this.has = this.rawHave
        ? Bitfield.fromBytes(picker.pieceCount, this.rawHave)
        : new Bitfield(picker.pieceCount);
      for (const i of this.rawHaves) if (i < picker.pieceCount) this.has.set(i);
    }
    this.rawHave = null;
    this.rawHaves.length = 0;
    picker.addAvailability(this.has);
    this.countedAvailability = true;
    if (!this.peerChoking) this.serve(true);
    this.updateInterest();
    this.fill();
    this.emit('have');
  }

  private onMessage(m: WireMessage): void {
    switch (m.type) {
      case 'choke':
        this.peerChoking = true;
        this.serve(false);
        // Requests in flight are void (with BEP 6 the peer may still reject them).
        this.forgetRequests();
        return;
      case 'unchoke':
        this.peerChoking = false;
        this.serve(true);
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
        return this.onRequest(m);
      case 'cancel':
        return this.dropUpload(m.index, m.begin);
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
      const picker = this.torrent.picker;
      if (!picker) return;
      this.setClaims(decodeClaims(payload, picker.pieceCount));
    } else if (id === OUR_EXTENSIONS.get(EXTENSION_NAME.ltDonthave)) {
      const index = decodeDontHave(payload);
      const picker = this.torrent.picker;
      if (!picker || this.has === 'all' || index >= this.has.length) return;
      if (this.has.set(index, false)) {
        picker.addAvailability(index, -1);
        if (this.countedServing) picker.addServing(index, -1);
      }
    }
  }

  /** Replaces the peer's claims (the picker counts them: our web seed leaves them alone). */
  private setClaims(ranges: [number, number][]): void {
    const picker = this.torrent.picker;
    if (!picker) return;
    for (const [a, b] of this.claims) picker.addClaim(a, b, -1);
    this.claims = ranges;
    this.claimsAt = this.torrent.clock.now();
    for (const [a, b] of ranges) picker.addClaim(a, b, 1);
    // Both of us fetch the same pieces from the server: the one with the higher peer id
    // stops its runs there (both sides decide alike), the other goes on.
    const theirs = this.peerId;
    if (theirs && toHex(this.torrent.peerId) > toHex(theirs)) {
      for (const [a, b] of ranges) picker.yieldRuns(a, b);
    }
    // Pieces it no longer claims may be our web seed's now.
    this.emit('released', 0);
  }

  /** The peer has piece `index`: its claim on it is fulfilled. */
  private claimDone(index: number): void {
    const at = this.claims.findIndex(([a, b]) => a <= index && index < b);
    if (at < 0) return;
    const [a, b] = this.claims[at]!;
    this.claims.splice(
      at,
      1,
      ...(
        [
          [a, index],
          [index + 1, b],
        ] as [number, number][]
      ).filter(([x, y]) => x < y),
    );
    this.torrent.picker?.addClaim(index, index + 1, -1);
  }

  /** Tells the peer what our web seeds fetch now, if it speaks our extension. */
  sendClaims(): void {
    const id = this.wire.peerExtended?.extensions.get(WEBSEED_CLAIMS_EXTENSION);
    const picker = this.torrent.picker;
    if (!id || !picker || this.wire.closed) return;
    this.claimsSentAt = this.torrent.clock.now();
    this.wire.sendMessage({ type: 'extended', id, payload: encodeClaims(picker.runRanges()) });
  }

  private onHave(index: number): void {
    const picker = this.torrent.picker;
    if (!picker) return void (this.rawHaves.length < 1e6 && this.rawHaves.push(index));
    if (this.has === 'all') return;
    if (!Number.isInteger(index) || index >= this.has.length) {
      throw new WireError('have', `piece ${index} is out of range`);
    }
    this.claimDone(index);
    if (!this.has.set(index)) return;
    picker.addAvailability(index);
    if (this.countedServing) {
      picker.addServing(index);
      // It can give us that piece: our web seed need not fetch it.
      picker.yieldRuns(index, index + 1);
    }
    if (!this.amInterested && picker.isWanted(index) && !picker.has(index))
      this.setInterested(true);
    this.fill();
    this.emit('have');
  }

  private onBitfield(bytes: Uint8Array | 'all'): void {
    const picker = this.torrent.picker;
    if (!picker) return void (this.rawHave = bytes === 'all' ? 'all' : bytes.slice());
    // A second bitfield replaces the first (only the first is allowed; be lenient).
    picker.addAvailability(this.has, -1);
    if (this.countedServing) picker.addServing(this.has, -1);
    this.has = bytes === 'all' ? 'all' : Bitfield.fromBytes(picker.pieceCount, bytes);
    picker.addAvailability(this.has);
    if (this.countedServing) {
      picker.addServing(this.has);
      picker.yieldToHave(this.has);
    }
    this.countedAvailability = true;
    this.updateInterest();
    this.fill();
    this.emit('have');
  }

  /** The peer serves us (it unchoked us) or stopped: its pieces are the web seed's or not. */
  private serve(on: boolean): void {
    const picker = this.torrent.picker;
    if (!picker || on === this.countedServing) return;
    picker.addServing(this.has, on ? 1 : -1);
    this.countedServing = on;
    if (on) picker.yieldToHave(this.has);
    // Pieces the web seed may take now.
    if (!on) this.emit('released', 0);
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
    let want = false;
    if (this.torrent.downloading && picker.remaining > 0) {
      for (let i = 0; i < picker.pieceCount && !want; i++) {
        if (!picker.has(i) && picker.isWanted(i) && (this.has === 'all' || this.has.get(i))) {
          want = true;
        }
      }
    }
    this.setInterested(want);
  }

  private pipeline(): number {
    const perSecond = this.received.rate() / 16384;
    return Math.max(MIN_PIPELINE, Math.min(MAX_PIPELINE, Math.ceil(perSecond * PIPELINE_SECONDS)));
  }

  /** Keeps the pipeline of requests full. */
  fill(): void {
    const picker = this.torrent.picker;
    if (!picker || !this.started || this.peerChoking || !this.amInterested || this.wire.closed)
      return;
    if (!this.torrent.downloading) return;
    const limit = Math.min(this.pipeline(), this.wire.peerExtended?.reqq ?? MAX_PIPELINE);
    const want = limit - picker.requestsOf(this.id);
    if (want <= 0) return;
    const reqs = picker.pickBlocks(this.id, this.has, want);
    const now = this.torrent.clock.now();
    for (const r of reqs) {
      this.sentAt.set(key(r.piece, r.begin), now);
      this.wire.sendMessage({ type: 'request', index: r.piece, begin: r.begin, length: r.length });
    }
    if (reqs.length === 0 && picker.requestsOf(this.id) === 0) this.updateInterest();
  }

  private onPiece(index: number, begin: number, block: Uint8Array): void {
    const { picker, buffers, layout } = this.torrent;
    if (!picker || !buffers || !layout || !isInPiece(layout, index, begin, block.byteLength)) {
      throw new WireError(
        'piece',
        `block ${index}:${begin}+${block.byteLength} is not ours to take`,
      );
    }
    this.sentAt.delete(key(index, begin));
    this.received.add(block.byteLength);
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
    this.sentAt.delete(key(r.index, r.begin));
    picker.blockFailed(this.id, r.index, r.begin);
    this.emit('released', 1);
  }

  /** Sends a cancel for a block another peer delivered first. */
  cancel(r: BlockRequest): void {
    this.sentAt.delete(key(r.piece, r.begin));
    this.wire.sendMessage({ type: 'cancel', index: r.piece, begin: r.begin, length: r.length });
  }

  private forgetRequests(): void {
    const picker = this.torrent.picker;
    this.sentAt.clear();
    if (picker && picker.releaseSource(this.id).length > 0) this.emit('released', 1);
  }

  /** Requests that took too long go to other peers. */
  private check(): void {
    const picker = this.torrent.picker;
    const now = this.torrent.clock.now();
    let late = 0;
    for (const [k, at] of this.sentAt) {
      if (now - at < REQUEST_TIMEOUT_MS) continue;
      this.sentAt.delete(k);
      picker?.blockFailed(this.id, Math.floor(k / 2 ** 26), k % 2 ** 26);
      late++;
    }
    if (late > 0) this.emit('released', late);
    // Claims not repeated in time are void; ours are repeated while they last.
    if (this.claims.length > 0 && now - this.claimsAt > CLAIM_TTL_MS) this.setClaims([]);
    if (now - this.claimsSentAt >= CLAIM_REFRESH_MS && picker && picker.runRanges().length > 0) {
      this.sendClaims();
    }
    this.fill();
    this.checkTimer = this.torrent.clock.setTimeout(() => this.check(), CHECK_MS);
  }

  // ------------------------------------------------------------------ uploading

  /** The choker's decision. */
  setChoking(choke: boolean): void {
    if (this.amChoking === choke || this.wire.closed) return;
    this.amChoking = choke;
    this.wire.sendMessage({ type: choke ? 'choke' : 'unchoke' });
    if (!choke) return;
    // BEP 6: a choke does not void the peer's requests; say so for each one.
    for (const r of this.uploads.splice(0)) this.reject(r);
  }

  /** A piece we now have: tell the peer. */
  announceHave(index: number): void {
    if (this.wire.peer) this.wire.sendMessage({ type: 'have', index });
  }

  private onRequest(r: { index: number; begin: number; length: number }): void {
    const { picker, layout } = this.torrent;
    const req = { piece: r.index, begin: r.begin, length: r.length };
    const ok =
      !this.amChoking &&
      picker !== undefined &&
      layout !== undefined &&
      isInPiece(layout, r.index, r.begin, r.length) &&
      r.length <= LIMITS.maxBlockLength &&
      picker.has(r.index);
    if (!ok) return this.reject(req);
    if (this.uploads.length >= LIMITS.maxQueuedRequestsPerPeer) {
      // Past the reqq we announced: a flood, not a client.
      throw new WireError('request', `more than ${LIMITS.maxQueuedRequestsPerPeer} queued`);
    }
    this.uploads.push(req);
    this.pumpUploads();
  }

  private reject(r: BlockRequest): void {
    if (this.wire.fast) {
      this.wire.sendMessage({ type: 'reject', index: r.piece, begin: r.begin, length: r.length });
    }
  }

  private dropUpload(index: number, begin: number): void {
    const at = this.uploads.findIndex((u) => u.piece === index && u.begin === begin);
    if (at >= 0) this.uploads.splice(at, 1);
  }

  /** Serves queued requests one block at a time while the transport takes more. */
  private pumpUploads(): void {
    if (this.reading || this.wire.closed) return;
    const r = this.uploads[0];
    if (!r || !this.wire.writable) return;
    this.reading = true;
    this.torrent.readBlock(r.piece, r.begin, r.length).then(
      (block) => {
        this.reading = false;
        // Cancelled or choked meanwhile: not sent.
        if (this.uploads[0] !== r || this.wire.closed) return this.pumpUploads();
        this.uploads.shift();
        this.wire.sendPiece(r.piece, r.begin, block);
        this.sent.add(block.byteLength);
        this.torrent.countUpload(block.byteLength);
        this.pumpUploads();
      },
      () => {
        this.reading = false;
        this.uploads.shift();
        this.reject(r);
        this.pumpUploads();
      },
    );
  }

  // ------------------------------------------------------------------ ending

  private onClose(err: Error | null): void {
    this.error = err;
    this.torrent.clock.clearTimeout(this.checkTimer);
    const picker = this.torrent.picker;
    if (picker) {
      for (const [a, b] of this.claims) picker.addClaim(a, b, -1);
      this.claims = [];
      picker.releaseSource(this.id);
      if (this.countedAvailability) picker.addAvailability(this.has, -1);
      if (this.countedServing) picker.addServing(this.has, -1);
      this.countedAvailability = this.countedServing = false;
    }
    this.uploads.length = 0;
    this.setState('stopped');
    this.removeAllListeners();
  }

  private setState(state: SourceState): void {
    if (this.state === state || this.state === 'stopped') return;
    this.state = state;
    this.emit('state', state);
  }
}

/** `piece:begin` as one number (begin < 2^26: pieces are at most 64 MiB). */
function key(piece: number, begin: number): number {
  return piece * 2 ** 26 + begin;
}

/** A readable name for a peer: its client (BEP 10 `v`, or the Azureus-style id prefix). */
function clientName(peerId: Uint8Array, v: string | undefined): string {
  if (v) return v.slice(0, 40);
  const prefix = String.fromCharCode(...peerId.subarray(0, 8));
  return /^-[A-Za-z0-9]{6}-$/.test(prefix) ? prefix.slice(1, 7) : toHex(peerId.subarray(0, 4));
}

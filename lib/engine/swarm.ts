/**
 * The swarm of one torrent: finds WebRTC peers through its WebSocket trackers (our offers
 * go out with each announce, relayed offers are answered), turns each open data channel
 * into a wire peer (a Source of the torrent), chokes and unchokes them (choker.ts), and
 * fetches a magnet's metadata from them (metadata.ts). It follows the torrent's state:
 * running while the torrent waits for metadata, downloads or seeds; stopped (announce
 * `stopped`, peers closed) when it is paused, failed or removed.
 */
import { Choker, chokerView, RECHOKE_MS } from './choker.ts';
import { toHex } from './bytes.ts';
import type { Clock } from './deps.ts';
import { WireError } from './errors.ts';
import { MetadataExchange } from './metadata.ts';
import type { BlockRequest } from './picker.ts';
import { pieceSize } from './piece-store.ts';
import { PendingOffers } from './swarm-offers.ts';
import { PEER_TARGET, SwarmConnector } from './swarm-connect.ts';
import { PieceBuffers } from './sources/piece-buffers.ts';
import type { PeerTorrent } from './sources/peer-torrent.ts';
import { WirePeer } from './sources/wire-peer.ts';
import type { Torrent } from './torrent.ts';
import { Announcer, MAX_OFFERS_PER_ANNOUNCE } from './tracker/announcer.ts';
import { isWebSocketTrackerUrl } from './tracker/pool.ts';
import { DEFAULT_SEED_LIMITS, Seeding, type SeedLimits, type SeedingStore } from './seeding.ts';
import { WebSeedShare } from './web-seed-share.ts';
import { SwarmBans } from './swarm-bans.ts';
import { hexToBytes } from './peer-id.ts';

export { makePeerId } from './peer-id.ts';
export type { SwarmHub, SwarmStatus } from './swarm-hub.ts';
import { announceStats, swarmStatus, type SwarmHub, type SwarmStatus } from './swarm-hub.ts';
import type { RateLimits } from './token-bucket.ts';

export { PEER_TARGET } from './swarm-connect.ts';
/** Claims of our runs go out this long after a change (changes come in bursts). */
const CLAIMS_DEBOUNCE_MS = 50;
/** How often a swarm short of peers asks its trackers for more (rate-limited there too). */
const TOP_UP_MS = 15_000;

export { DEFAULT_SEED_LIMITS, type SeedLimits, type SeedingStore };

export class Swarm implements PeerTorrent {
  readonly peers = new Set<WirePeer>();
  private announcers: Announcer[] = [];
  private readonly offers: PendingOffers;
  private readonly connector: SwarmConnector;
  private readonly choker: Choker;
  private readonly bans: SwarmBans;
  private readonly metadata: MetadataExchange;
  buffers: PieceBuffers | undefined;
  private readonly infoHash: Uint8Array;
  private running = false;
  private attached = false;
  private lastState: string | undefined;
  private rechokeTimer: unknown = null;
  private claimsTimer: unknown = null;
  private topUpTimer: unknown = null;
  private destroyed = false;
  private readonly seedingTime: Seeding;

  constructor(
    private readonly hub: SwarmHub,
    private readonly torrent: Torrent,
    infoHashHex: string,
    private trackers: string[],
    onMetadata: (info: Uint8Array) => void,
    seeding: SeedingStore,
    limits: SeedLimits = DEFAULT_SEED_LIMITS,
  ) {
    this.infoHash = hexToBytes(infoHashHex);
    this.seedingTime = new Seeding(torrent, hub.clock, seeding, limits);
    this.bans = new SwarmBans(
      hub.digest,
      (piece, begin, length) => torrent.readBlock(piece, begin, length),
      (id, reason) => {
        for (const p of this.peers) {
          if (p.peerId && toHex(p.peerId) === id)
            p.wire.destroy(new WireError('smart ban', reason));
        }
        torrent.noteBanned(reason);
      },
    );
    torrent.setSwarmed(trackers.some(isWebSocketTrackerUrl));
    this.choker = new Choker(hub.random);
    this.offers = new PendingOffers(hub);
    this.connector = new SwarmConnector({
      hub,
      torrent,
      infoHash: this.infoHash,
      peers: this.peers,
      offers: this.offers,
      bans: this.bans,
      swarm: this,
      running: () => this.running,
      shareChanged: () => this.updateShare(),
    });
    this.metadata = new MetadataExchange(
      this.infoHash,
      hub.digest,
      () => hub.clock.now(),
      torrent.meta?.infoBytes,
      onMetadata,
    );
    torrent.on('update', () => this.sync());
    torrent.on('verified', (i) => this.onVerified(i));
    torrent.on(
      'piece-failed',
      (i, from, data) => from.kind === 'peer' && this.bans.failed(i, data),
    );
    this.sync();
  }

  get clock(): Clock {
    return this.hub.clock;
  }

  get rates(): RateLimits | undefined {
    return this.hub.rates;
  }

  get peerId(): Uint8Array {
    return this.hub.peerId;
  }

  get picker() {
    return this.torrent.picker;
  }

  get layout() {
    return this.torrent.picker ? this.torrent.meta : undefined;
  }

  /** About how long the rest of the download takes at the rate of late (Infinity: unknown). */
  tailSeconds(): number {
    const { picker, meta, downloadRate } = this.torrent;
    if (!picker || !meta || downloadRate <= 0) return Infinity;
    return (picker.remaining * meta.pieceLength) / downloadRate;
  }

  get downloading(): boolean {
    return this.torrent.state === 'downloading';
  }

  get metadataSize(): number | undefined {
    return this.metadata.size;
  }

  /** More trackers (the same torrent added again, a magnet's tr=). */
  addTrackers(urls: readonly string[]): void {
    const fresh = urls.filter((u) => !this.trackers.includes(u));
    this.trackers = [...this.trackers, ...fresh];
    this.torrent.setSwarmed(this.trackers.some(isWebSocketTrackerUrl));
    if (this.running) for (const url of fresh) this.announce(url);
  }

  /** Trackers taken off the defaults: their announcers leave (event `stopped`). */
  removeTrackers(urls: readonly string[]): void {
    this.trackers = this.trackers.filter((u) => !urls.includes(u));
    this.torrent.setSwarmed(this.trackers.some(isWebSocketTrackerUrl));
    for (const a of this.announcers.filter((x) => urls.includes(x.url))) a.stop();
    this.announcers = this.announcers.filter((x) => !urls.includes(x.url));
    this.torrent.touch();
  }

  status(): SwarmStatus {
    return swarmStatus(this.announcers);
  }

  // ------------------------------------------------------------------ following the torrent

  private sync(): void {
    if (this.destroyed) return;
    const t = this.torrent;
    if (t.meta && !this.metadata.size) this.metadata.setInfo(t.meta.infoBytes);
    if (t.picker && !this.attached) {
      this.attached = true;
      const meta = t.meta!;
      this.buffers = new PieceBuffers(this.hub.buffers, (i) => pieceSize(meta, i));
      // What our web seeds fetch goes to our peers (a few at a time: runs change in bursts).
      t.picker.onRunsChanged = () => {
        if (this.claimsTimer !== null) return;
        this.claimsTimer = this.hub.clock.setTimeout(() => {
          this.claimsTimer = null;
          for (const p of this.peers) p.sendClaims();
        }, CLAIMS_DEBOUNCE_MS);
      };
      for (const p of this.peers) p.attach();
      this.updateShare();
    }
    const run = !t.paused && ['metadata', 'downloading', 'seeding'].includes(t.state);
    if (run && !this.running) this.start();
    else if (!run && this.running) this.stop();
    else if (run && t.state !== this.lastState) for (const p of this.peers) p.updateInterest();
    if (t.state !== this.lastState) this.onStateChange(this.lastState, t.state);
    this.lastState = t.state;
  }

  private onStateChange(from: string | undefined, to: string): void {
    if (from === 'downloading' && to === 'seeding') for (const a of this.announcers) a.complete();
    this.seedingTime.onState(from, to);
  }

  private start(): void {
    this.running = true;
    for (const url of this.trackers) this.announce(url);
    this.rechokeTimer = this.hub.clock.setTimeout(() => this.rechoke(), RECHOKE_MS);
    this.topUpTimer = this.hub.clock.setTimeout(() => this.topUp(), TOP_UP_MS);
  }

  private announce(url: string): void {
    if (!isWebSocketTrackerUrl(url)) return;
    const a = new Announcer({
      pool: this.hub.pool,
      url,
      infoHash: this.infoHash,
      peerId: this.hub.peerId,
      clock: this.hub.clock,
      stats: () => announceStats(this.torrent),
      wantOffers: () => this.wantOffers(),
      makeOffers: (n) => this.offers.make(n, () => this.running),
      onOffer: (peerId, offerId, offer) => void this.connector.answer(a, peerId, offerId, offer),
      onAnswer: (_peerId, offerId, answer) => void this.connector.accepted(url, offerId, answer),
      onOfferDropped: (offerId) => this.offers.drop(offerId),
    });
    a.on('update', (st) => {
      // The tracker's counts include us.
      if (st.incomplete !== undefined) {
        this.torrent.othersKnown(Math.max(0, (st.complete ?? 0) + st.incomplete - 1));
      }
      this.torrent.touch();
    });
    a.on('reachable', () => this.torrent.touch());
    this.announcers.push(a);
    a.start();
  }

  private stop(): void {
    this.running = false;
    for (const a of this.announcers) a.stop();
    this.announcers = [];
    this.offers.closeAll();
    for (const p of [...this.peers]) p.destroy();
    this.hub.clock.clearTimeout(this.rechokeTimer);
    this.hub.clock.clearTimeout(this.topUpTimer);
    this.hub.clock.clearTimeout(this.claimsTimer);
    this.claimsTimer = null;
  }

  destroy(): void {
    this.seedingTime.leave();
    // First: stopping announcers say "unreachable", and the torrent's update must not start
    // this swarm again (seen when a tracker joined at run time, lib/engine/live-settings.test.ts).
    this.destroyed = true;
    this.stop();
    this.buffers?.clear();
  }

  private wantOffers(): number {
    if (this.hub.connections.open >= this.hub.maxConnections) return 0;
    return Math.max(
      0,
      Math.min(MAX_OFFERS_PER_ANNOUNCE, PEER_TARGET - this.peers.size - this.offers.size),
    );
  }

  /** Short of peers: announce again (each announce carries fresh offers). */
  private topUp(): void {
    if (!this.running) return;
    if (this.peers.size < PEER_TARGET) for (const a of this.announcers) a.announceNow();
    this.topUpTimer = this.hub.clock.setTimeout(() => this.topUp(), TOP_UP_MS);
  }

  /** Which segments our web seed fetches, among the Swarmlink readers connected now. */
  private updateShare(): void {
    const picker = this.torrent.picker;
    const meta = this.torrent.meta;
    if (!picker || !meta) return;
    const others = [...this.peers].filter((p) => p.speaksClaims && p.peerId).map((p) => p.peerId!);
    if (others.length === 0) return picker.setWebSeedShare(null);
    const share = new WebSeedShare(meta.pieceLength, meta.pieceCount, [this.hub.peerId, ...others]);
    picker.setWebSeedShare((i) => share.ours(i));
    // Segments that are not ours any more may be free for nobody else: wake the seeds.
    this.torrent.touch();
  }

  // ------------------------------------------------------------------ PeerTorrent

  deliver(index: number, data: Uint8Array, from: WirePeer): Promise<boolean> {
    const senders = [...(this.torrent.picker?.partial.senders(index) ?? [])];
    return this.bans.delivering(index, senders, () => this.torrent.deliver(index, data, from));
  }

  /** Whether a peer id is banned here (for sending wrong data: never connected to again). */
  isBanned(peerId: Uint8Array): boolean {
    return this.bans.isBanned(peerId);
  }

  readBlock(index: number, offset: number, length: number): Promise<Uint8Array> {
    return this.torrent.readBlock(index, offset, length);
  }

  /** New seeding limits, applied at once (a torrent past them stops seeding). */
  setSeedLimits(limits: SeedLimits): void {
    this.seedingTime.setLimits(limits);
  }

  countUpload(n: number): void {
    this.torrent.countUpload(n);
    this.seedingTime.check();
  }

  readonly rateOf = (source: string): number => {
    for (const p of this.peers) if (p.id === source) return p.received.rate();
    return 0;
  };

  cancel(source: string, request: BlockRequest): void {
    for (const p of this.peers) if (p.id === source) p.cancel(request);
  }

  onMetadataMessage(peer: WirePeer, payload: Uint8Array): void {
    this.metadata.onMessage(peer, payload);
  }

  onPeerMetadata(peer: WirePeer): void {
    if (!this.torrent.meta) this.metadata.addPeer(peer);
  }

  onPeerInterest(peer: WirePeer): void {
    // A free slot: unchoke at once rather than at the next rechoke.
    const unchoked = [...this.peers].filter((p) => !p.amChoking).length;
    if (unchoked < this.choker.slots && this.torrent.picker) peer.setChoking(false);
  }

  private rechoke(): void {
    if (!this.running) return;
    // A magnet's metadata requests that went unanswered go to other peers.
    if (!this.torrent.meta) this.metadata.requestMore();
    this.seedingTime.check();
    if (!this.running) return;
    const peers = [...this.peers].filter((p) => p.wire.peer);
    const unchoke = this.torrent.picker
      ? this.choker.rechoke(peers.map(chokerView), this.torrent.state === 'seeding')
      : new Set<string>();
    for (const p of peers) p.setChoking(!unchoke.has(p.id));
    this.rechokeTimer = this.hub.clock.setTimeout(() => this.rechoke(), RECHOKE_MS);
  }

  private onVerified(index: number): void {
    this.buffers?.drop(index);
    this.bans.verified(index);
    for (const p of this.peers) {
      p.announceHave(index);
      p.fill();
    }
  }
}

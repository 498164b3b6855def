/**
 * How a swarm's peers connect: offers relayed by a tracker are answered (within the
 * connection limits, never a banned peer's), answers to our own offers accepted, each data
 * channel that opens made a wire peer of the torrent, and two connections to one peer (both
 * offered at once) reduced to the same one on both sides.
 */
import { equalBytes, toHex } from './bytes.ts';
import { WireError } from './errors.ts';
import { answerOffer } from './rtc/connect.ts';
import type { ChannelTransport } from './rtc/transport.ts';
import type { PeerTorrent } from './sources/peer-torrent.ts';
import { WirePeer } from './sources/wire-peer.ts';
import type { SwarmBans } from './swarm-bans.ts';
import type { SwarmHub } from './swarm-hub.ts';
import type { PendingOffers } from './swarm-offers.ts';
import type { Torrent } from './torrent.ts';
import type { Announcer } from './tracker/announcer.ts';
import { PeerWire } from './wire/peer-wire.ts';

/** Peers a torrent tries to keep connected (a swarm of 8 readers is fully connected). */
export const PEER_TARGET = 12;

/** What connecting needs of its swarm. */
export interface ConnectContext {
  hub: SwarmHub;
  torrent: Torrent;
  infoHash: Uint8Array;
  /** The swarm's peers: a new one is added, and leaves when it stops. */
  peers: Set<WirePeer>;
  offers: PendingOffers;
  bans: SwarmBans;
  /** The swarm, as its wire peers see it. */
  swarm: PeerTorrent;
  /** Whether the swarm runs (a channel that opens after it stopped is closed). */
  running(): boolean;
  /** A peer that speaks our claims extension came or went (the web seed share changes). */
  shareChanged(): void;
}

export class SwarmConnector {
  /** Answers to relayed offers being set up (not yet peers). */
  private answering = 0;
  private nextPeer = 1;

  constructor(private readonly ctx: ConnectContext) {}

  /** A peer answered one of our offers: a wire peer once its channel opens. */
  async accepted(url: string, offerId: Uint8Array, answer: unknown): Promise<void> {
    try {
      const channel = await this.ctx.offers.accept(offerId, answer);
      if (channel) this.connect(channel, url, true);
    } catch {
      // The peer never connected: nothing to undo (the offer closed itself).
    }
  }

  /** An offer relayed by tracker `a`: answered (within the limits), a wire peer once open. */
  async answer(
    a: Announcer,
    peerId: Uint8Array,
    offerId: Uint8Array,
    offer: unknown,
  ): Promise<void> {
    if (!this.ctx.running() || this.ctx.hub.connections.open >= this.ctx.hub.maxConnections) return;
    // Answers being set up count too: a burst of offers opens no more connections than that.
    if (this.ctx.peers.size + this.answering >= PEER_TARGET * 2) return;
    if ([...this.ctx.peers].some((p) => p.peerId && equalBytes(p.peerId, peerId))) return;
    if (this.ctx.bans.isBanned(peerId)) return;
    this.answering++;
    let channel: ChannelTransport;
    try {
      const ans = await answerOffer(this.ctx.hub.createPeerConnection, offer, {
        clock: this.ctx.hub.clock,
        rtcConfig: this.ctx.hub.rtcConfig,
      });
      if (!this.ctx.running() || !a.answer(peerId, offerId, ans.answer)) return ans.close();
      channel = await ans.channel;
    } catch {
      // Setup failed or timed out: the connection closed itself.
      return;
    } finally {
      this.answering--;
    }
    this.connect(channel, a.url, false);
  }

  private connect(transport: ChannelTransport, via: string, initiator: boolean): void {
    if (!this.ctx.running()) return transport.close();
    const wire = new PeerWire(transport, {
      infoHash: this.ctx.infoHash,
      peerId: this.ctx.hub.peerId,
      clock: this.ctx.hub.clock,
      pieceCount: this.ctx.torrent.picker?.pieceCount,
    });
    // The transport died under our handshake: nothing to keep.
    if (wire.closed) return;
    const peer = new WirePeer(wire, this.ctx.swarm, `peer-${this.nextPeer++}`, via);
    this.ctx.hub.connections.open++;
    this.ctx.peers.add(peer);
    wire.on('handshake', (h) => {
      this.ctx.bans.identify(peer.id, h.peerId);
      this.dedupe(peer, h.peerId, initiator);
    });
    wire.on('extended', () => peer.speaksClaims && this.ctx.shareChanged());
    peer.on('state', (s) => {
      if (s !== 'stopped') return;
      this.ctx.hub.connections.open--;
      this.ctx.peers.delete(peer);
      if (peer.speaksClaims) this.ctx.shareChanged();
      this.ctx.torrent.touch();
    });
    if (this.ctx.torrent.picker) peer.attach();
    this.ctx.torrent.addSource(peer);
  }

  /** Two connections to one peer (both offered at once): both sides keep the same one. */
  private dedupe(peer: WirePeer, peerId: Uint8Array, initiator: boolean): void {
    if (this.ctx.bans.isBanned(peerId)) {
      return peer.wire.destroy(new WireError('handshake', 'banned for sending wrong data'));
    }
    const other = [...this.ctx.peers].find(
      (p) => p !== peer && p.peerId && equalBytes(p.peerId, peerId),
    );
    if (!other) return;
    // Keep the connection offered by the side with the lower peer id.
    const ours = toHex(this.ctx.hub.peerId) < toHex(peerId);
    const keepNew = initiator === ours;
    (keepNew ? other : peer).wire.destroy(new WireError('handshake', 'already connected'));
  }
}

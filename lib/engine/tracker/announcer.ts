/**
 * One torrent's announces to one WebSocket tracker, in WebTorrent's protocol: `started`,
 * regular announces at the tracker's interval carrying fresh WebRTC offers, `completed`
 * and `stopped` (no offers); relayed offers and answers go to the torrent; scrapes.
 *
 * BEP 27: a private torrent announces only to the trackers in its own metainfo. Which
 * URLs get an Announcer is the caller's decision; nothing here adds or shares trackers.
 */
import type { Clock } from '../deps.ts';
import { Emitter } from '../emitter.ts';
import { TrackerError, errorMessage } from '../errors.ts';
import { LIMITS } from '../limits.ts';
import {
  binaryToBytes,
  bytesToBinary,
  encodeAnnounce,
  encodeAnswer,
  encodeScrape,
  type AnnounceEvent,
  type AnnounceMessage,
  type AnswerDescription,
  type BinaryId,
  type ScrapeCounts,
} from './messages.ts';
import { PendingOffers, RateWindow, sortOffers, type SignedOffer } from './offers.ts';
import { ScrapeWaiters } from './scrape.ts';
import { OneTimer } from './timer.ts';
import type { TrackerSocket, TrackerSubscriber } from './socket.ts';
import type {
  AnnounceStats,
  AnnouncerEvents,
  AnnouncerOptions,
  AnnouncerStatus,
  OfferInit,
} from './types.ts';

export type { AnnounceStats, AnnouncerEvents, AnnouncerOptions, AnnouncerStatus, OfferInit };

/** WebTorrent's announce interval until the tracker names one. */
export const DEFAULT_INTERVAL_MS = 30_000;
/** announceNow() waits this long after the last announce (or the tracker's `min interval`). */
export const ANNOUNCE_NOW_MIN_GAP_MS = 10_000;
/**
 * Offers per announce. WebTorrent sends at most 5; bittorrent-tracker hands each offer to a
 * different peer, so with 5 a reader arriving 8th met only 5 of the 7 before it, and the
 * others found it at the next top-up (15 s later): readers that arrive together must meet
 * in one announce (their web seed share depends on it, web-seed-share.ts).
 */
export const MAX_OFFERS_PER_ANNOUNCE = 10;

const clampCount = (n: number, max: number): number =>
  Number.isFinite(n) ? Math.max(0, Math.min(max, Math.floor(n))) : 0;

export class Announcer extends Emitter<AnnouncerEvents> {
  readonly url: string;
  private readonly infoHash: BinaryId;
  private readonly peerId: BinaryId;
  private readonly clock: Clock;
  private socket: TrackerSocket | undefined;
  private unsubscribe: (() => void) | undefined;
  private started = false;
  /** Bumped by start() and stop(): offers made for an older one are not sent. */
  private generation = 0;
  /** `started` or `completed` not sent yet: the next announce carries it. */
  private pendingEvent: 'started' | 'completed' | undefined;
  private makingOffers = false;
  /** The next announce: the regular interval, or an announceNow() deferral ('soon'). */
  private readonly timer: OneTimer<'soon'>;
  private intervalMs = DEFAULT_INTERVAL_MS;
  private minIntervalMs = 0;
  private lastAnnounceAt: number | undefined;
  private trackerId: string | undefined;
  private reachable = false;
  private counts: { complete?: number; incomplete?: number } = {};
  private lastFailure: TrackerError | undefined;
  private lastWarning: TrackerError | undefined;
  private readonly offers: PendingOffers;
  private readonly offersIn: RateWindow;
  private readonly scrapes: ScrapeWaiters;
  private readonly subscriber: TrackerSubscriber = {
    onOpen: () => this.onOpen(),
    onClose: () => this.onClose(),
    onAnnounce: (m) => this.onAnnounce(m),
    onScrape: (r) => this.settleScrapes(r),
    onWarning: (e) => this.warn(e),
  };

  constructor(private readonly opts: AnnouncerOptions) {
    super();
    this.url = opts.url;
    if (opts.infoHash.length !== 20 || opts.peerId.length !== 20) {
      throw new TrackerError(opts.url, 'usage', 'info hash and peer id must be 20 bytes');
    }
    this.infoHash = bytesToBinary(opts.infoHash);
    this.peerId = bytesToBinary(opts.peerId);
    this.clock = opts.clock;
    this.timer = new OneTimer(opts.clock);
    this.offers = new PendingOffers(opts.clock, (id) => this.dropOffers([id]));
    this.offersIn = new RateWindow(opts.clock, LIMITS.maxTrackerOffersInPerMinute, 60_000);
    this.scrapes = new ScrapeWaiters(opts.clock, () =>
      this.settleScrapes(new TrackerError(this.url, 'timeout', 'no scrape response')),
    );
  }

  get status(): AnnouncerStatus {
    return {
      started: this.started,
      reachable: this.reachable,
      ...this.counts,
      intervalMs: this.intervalMs,
      lastAnnounceAt: this.lastAnnounceAt,
      lastFailure: this.lastFailure,
      lastWarning: this.lastWarning,
      pendingOffers: this.offers.size,
    };
  }

  /** Joins the swarm (event `started`), once connected. Throws on a bad tracker URL. */
  start(): void {
    if (this.started) return;
    this.subscribe();
    this.started = true;
    this.generation++;
    this.pendingEvent = 'started';
    void this.announce();
  }

  /** Tells the tracker the download finished (event `completed`, no offers). */
  complete(): void {
    if (!this.started) return;
    this.pendingEvent = 'completed';
    if (!this.makingOffers) void this.announce();
  }

  /** Leaves the swarm (event `stopped`, no offers) and releases the shared socket. */
  stop(): void {
    if (!this.started) return;
    if (this.socket?.connected && this.pendingEvent !== 'started') this.send('stopped', []);
    this.started = false;
    this.generation++;
    this.pendingEvent = undefined;
    this.timer.clear();
    this.dropOffers(this.offers.clear());
    this.release();
  }

  /** Announces soon to get more peers: at most once per `ANNOUNCE_NOW_MIN_GAP_MS`. */
  announceNow(): void {
    if (!this.started) return;
    const now = this.clock.now();
    const gap = Math.max(ANNOUNCE_NOW_MIN_GAP_MS, this.minIntervalMs);
    const wait = this.lastAnnounceAt === undefined ? 0 : this.lastAnnounceAt + gap - now;
    if (wait <= 0) void this.announce();
    else if ((this.timer.dueAt ?? Infinity) > now + wait) this.schedule(wait, true);
  }

  /** Answers a relayed offer. false if not sent (stopped, bad ids, socket queue full). */
  answer(toPeerId: Uint8Array, offerId: Uint8Array, answer: AnswerDescription): boolean {
    if (!this.started || !this.socket || toPeerId.length !== 20 || offerId.length !== 20) {
      return false;
    }
    return this.socket.send(
      encodeAnswer({
        infoHash: this.infoHash,
        peerId: this.peerId,
        toPeerId: bytesToBinary(toPeerId),
        offerId: bytesToBinary(offerId),
        answer: { type: 'answer', sdp: answer.sdp },
        trackerId: this.trackerId,
      }),
    );
  }

  /** The tracker's counts for this torrent (concurrent calls share one request). */
  scrape(): Promise<ScrapeCounts> {
    const { promise, first } = this.scrapes.wait();
    if (first) {
      try {
        this.subscribe();
        if (!this.socket?.send(encodeScrape([this.infoHash]))) {
          this.settleScrapes(new TrackerError(this.url, 'closed', 'cannot send the scrape'));
        }
      } catch (err) {
        this.settleScrapes(err as TrackerError); // pool.get: a bad URL
      }
    }
    return promise;
  }

  private async announce(): Promise<void> {
    if (!this.started || !this.socket?.connected || this.makingOffers) return;
    if (this.pendingEvent === 'completed') return this.send('completed', []);
    const generation = this.generation;
    let made: OfferInit[] = [];
    let want = 0;
    try {
      want = clampCount(this.opts.wantOffers(), MAX_OFFERS_PER_ANNOUNCE);
      if (want > 0) {
        this.makingOffers = true;
        made = await this.opts.makeOffers(want);
      }
    } catch (err) {
      this.warn(new TrackerError(this.url, 'offers', `making offers failed: ${errorMessage(err)}`));
    } finally {
      this.makingOffers = false;
    }
    const sorted = sortOffers(made, want, (id) => this.offers.has(id));
    if (sorted.badIds > 0) {
      this.warn(new TrackerError(this.url, 'offers', 'an offer without a fresh 20-byte id'));
    }
    this.dropOffers(sorted.dropped);
    const event = this.pendingEvent as AnnounceEvent | undefined; // changed during the await?
    if (generation !== this.generation || !this.socket?.connected || event === 'completed') {
      // Stopped, restarted, disconnected or completed meanwhile: these offers go nowhere.
      this.dropOffers(sorted.accepted.map((o) => o.offerId));
      if (this.started) void this.announce();
      return;
    }
    this.send(event, sorted.accepted);
  }

  private send(event: AnnounceEvent | undefined, offers: SignedOffer[]): void {
    let stats: AnnounceStats = { uploaded: 0, downloaded: 0 };
    try {
      stats = this.opts.stats();
    } catch (err) {
      this.warn(new TrackerError(this.url, 'usage', `stats() threw: ${errorMessage(err)}`));
    }
    const sent = this.socket?.send(
      encodeAnnounce({
        infoHash: this.infoHash,
        peerId: this.peerId,
        uploaded: clampCount(stats.uploaded, Number.MAX_SAFE_INTEGER),
        downloaded: clampCount(stats.downloaded, Number.MAX_SAFE_INTEGER),
        // NaN or undefined: unknown, and omitted (the tracker then counts a leecher).
        left: Number.isFinite(stats.left)
          ? clampCount(stats.left!, Number.MAX_SAFE_INTEGER)
          : undefined,
        event,
        trackerId: this.trackerId,
        offers,
      }),
    );
    if (!sent) return this.dropOffers(offers.map((o) => o.offerId));
    for (const o of offers) this.offers.add(o.offerId);
    this.lastAnnounceAt = this.clock.now();
    if (event === 'stopped') return;
    this.pendingEvent = undefined;
    this.schedule(this.intervalMs);
  }

  private onOpen(): void {
    this.setReachable(true);
    void this.announce();
  }

  private onClose(): void {
    this.setReachable(false);
    this.settleScrapes(new TrackerError(this.url, 'closed', 'connection closed'));
  }

  private onAnnounce(m: AnnounceMessage): void {
    if (m.peerId === this.peerId) return; // our own, echoed
    if (m.failure !== undefined) {
      this.lastFailure = new TrackerError(this.url, 'failure', m.failure);
      this.emit('failure', this.lastFailure);
      return;
    }
    if (m.warning !== undefined) this.warn(new TrackerError(this.url, 'warning', m.warning));
    const toMs = (s: number) => Math.min(s * 1000, LIMITS.maxTrackerIntervalMs);
    if (m.minInterval !== undefined) this.minIntervalMs = toMs(m.minInterval);
    const interval = m.interval ?? m.minInterval;
    if (interval !== undefined) {
      this.intervalMs = Math.max(LIMITS.minTrackerIntervalMs, toMs(interval));
      if (this.started && this.timer.tag !== 'soon') this.schedule(this.intervalMs);
    }
    if (m.trackerId !== undefined) this.trackerId = m.trackerId;
    if (m.complete !== undefined || m.incomplete !== undefined) {
      this.counts = { complete: m.complete, incomplete: m.incomplete };
      this.lastFailure = undefined;
      this.emit('update', this.status);
    }
    if (m.offer && m.peerId !== undefined && this.started) {
      const take = this.offersIn.take();
      if (take.ok) {
        const { offerId, offer } = m.offer;
        this.opts.onOffer(binaryToBytes(m.peerId), binaryToBytes(offerId), offer);
      } else if (take.firstRefusal) {
        this.warn(new TrackerError(this.url, 'protocol', 'too many relayed offers: dropping'));
      }
    }
    if (m.answer && m.peerId !== undefined && this.offers.take(m.answer.offerId)) {
      const { offerId, answer } = m.answer;
      this.opts.onAnswer(binaryToBytes(m.peerId), binaryToBytes(offerId), answer);
    }
  }

  private settleScrapes(result: ScrapeCounts | TrackerError): void {
    if (this.scrapes.settle(result)) this.release();
  }

  private schedule(delayMs: number, soon = false): void {
    const fire = () => {
      if (!this.started) return;
      this.schedule(this.intervalMs);
      void this.announce();
    };
    this.timer.set(delayMs, fire, soon ? 'soon' : undefined);
  }

  private subscribe(): void {
    if (this.unsubscribe) return;
    this.socket = this.opts.pool.get(this.url);
    this.unsubscribe = this.socket.subscribe(this.infoHash, this.subscriber);
    this.setReachable(this.socket.connected);
  }

  /** Leaves the shared socket once neither announcing nor scraping. */
  private release(): void {
    if (this.started || this.scrapes.size > 0) return;
    this.unsubscribe?.();
    this.unsubscribe = this.socket = undefined;
    this.setReachable(false);
  }

  private dropOffers(ids: BinaryId[]): void {
    for (const id of ids) this.opts.onOfferDropped?.(binaryToBytes(id));
  }

  private setReachable(reachable: boolean): void {
    if (this.reachable === reachable) return;
    this.reachable = reachable;
    this.emit('reachable', reachable);
  }

  private warn(error: TrackerError): void {
    this.lastWarning = error;
    this.emit('warning', error);
  }
}

/** The types an Announcer's owner (the torrent) and its UI see. */
import type { Clock } from '../deps.ts';
import type { TrackerError } from '../errors.ts';
import type { AnswerDescription, OfferDescription } from './messages.ts';
import type { TrackerPool } from './pool.ts';

export interface AnnounceStats {
  uploaded: number;
  downloaded: number;
  /** Bytes still wanted; undefined when unknown (a magnet link without metadata yet). */
  left?: number;
}

export interface OfferInit {
  /** 20 bytes, unique among this torrent's offers (see `randomId`). */
  offerId: Uint8Array;
  offer: OfferDescription;
}

export interface AnnouncerOptions {
  pool: TrackerPool;
  url: string;
  infoHash: Uint8Array;
  /** One peer id per client: the tracker keys its cleanup of a closed socket by one. */
  peerId: Uint8Array;
  clock: Clock;
  stats(): AnnounceStats;
  /** How many offers to send with the next regular announce (clamped to 0..5). */
  wantOffers(): number;
  /** Makes `n` non-trickle offers; the torrent keeps their connections until answered or dropped. */
  makeOffers(n: number): Promise<OfferInit[]>;
  /** A peer's relayed offer: the torrent may reply with `announcer.answer(...)`. */
  onOffer(peerId: Uint8Array, offerId: Uint8Array, offer: OfferDescription): void;
  /** The answer to one of our offers. */
  onAnswer(peerId: Uint8Array, offerId: Uint8Array, answer: AnswerDescription): void;
  /** One of our offers will get no answer (unanswered for 50 s, never sent, or stopped). */
  onOfferDropped?(offerId: Uint8Array): void;
}

export interface AnnouncerStatus {
  started: boolean;
  /** The connection to the tracker is open. */
  reachable: boolean;
  /** Seeders and leechers in the tracker's last response. */
  complete?: number;
  incomplete?: number;
  intervalMs: number;
  lastAnnounceAt?: number;
  /** The tracker's `failure reason` for our last announce, if that is what we got. */
  lastFailure?: TrackerError;
  lastWarning?: TrackerError;
  pendingOffers: number;
}

export type AnnouncerEvents = {
  /** A response with swarm counts. */
  update: [AnnouncerStatus];
  failure: [TrackerError];
  warning: [TrackerError];
  reachable: [boolean];
};

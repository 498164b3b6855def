/**
 * WebSocket tracker client (WebTorrent's protocol, bittorrent-tracker 11). One
 * `TrackerPool` per client; one `Announcer` per torrent per tracker URL.
 */
export {
  Announcer,
  ANNOUNCE_NOW_MIN_GAP_MS,
  DEFAULT_INTERVAL_MS,
  MAX_OFFERS_PER_ANNOUNCE,
} from './announcer.ts';
export type {
  AnnounceStats,
  AnnouncerEvents,
  AnnouncerOptions,
  AnnouncerStatus,
  OfferInit,
} from './types.ts';
export {
  binaryToBytes,
  bytesToBinary,
  isBinaryId,
  randomId,
  type AnswerDescription,
  type OfferDescription,
  type ScrapeCounts,
} from './messages.ts';
export { OFFER_TIMEOUT_MS } from './offers.ts';
export { isWebSocketTrackerUrl, TrackerPool, type TrackerPoolOptions } from './pool.ts';
export { SCRAPE_TIMEOUT_MS } from './scrape.ts';
export {
  CONNECT_TIMEOUT_MS,
  reconnectDelay,
  RECONNECT_BASE_MS,
  RECONNECT_JITTER,
  RECONNECT_MAX_MS,
  TrackerSocket,
} from './socket.ts';

/**
 * Network defaults for real use (editable on the options page, lib/settings). Tests build
 * nothing of these in: the peers on one machine need no STUN server, and inside the
 * loopback-only namespace none is reachable anyway.
 */

/** The public WebTorrent WebSocket trackers (what WebTorrent itself announces to). */
export const DEFAULT_TRACKERS: readonly string[] = [
  'wss://tracker.openwebtorrent.com',
  'wss://tracker.webtorrent.dev',
  'wss://tracker.btorrent.xyz',
];

/** Public STUN servers (simple-peer's defaults), so peers behind NAT can reach each other. */
export const DEFAULT_ICE_SERVERS: RTCIceServer[] = [
  { urls: ['stun:stun.l.google.com:19302', 'stun:global.stun.twilio.com:3478'] },
];

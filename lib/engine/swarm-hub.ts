/** What the swarms of one client share, and what a swarm shows and tells of itself. */
import type { BufferPool } from './buffer-pool.ts';
import type { Clock, Digest, PeerConnectionFactory } from './deps.ts';
import type { Torrent } from './torrent.ts';
import type { Announcer } from './tracker/announcer.ts';
import type { TrackerPool } from './tracker/pool.ts';
import type { RateLimits } from './token-bucket.ts';

/** What every swarm of one client shares. */
export interface SwarmHub {
  pool: TrackerPool;
  /** One peer id per client (trackers key a socket's peers by it). */
  peerId: Uint8Array;
  createPeerConnection: PeerConnectionFactory;
  rtcConfig: RTCConfiguration;
  clock: Clock;
  random(): number;
  digest: Digest;
  buffers: BufferPool;
  /** Open peer connections of the whole client, against `maxConnections`. */
  connections: { open: number };
  maxConnections: number;
  /** The client's speed limits. */
  rates?: RateLimits;
}

/** The trackers of a swarm, as the popup shows them. */
export interface SwarmStatus {
  trackers: {
    url: string;
    reachable: boolean;
    error?: string;
    seeds?: number;
    leechers?: number;
  }[];
}

export function swarmStatus(announcers: readonly Announcer[]): SwarmStatus {
  return {
    trackers: announcers.map((a) => ({
      url: a.url,
      reachable: a.status.reachable,
      error: a.status.lastFailure?.message,
      seeds: a.status.complete,
      leechers: a.status.incomplete,
    })),
  };
}

/** What an announce tells the tracker of the torrent's transfer. */
export function announceStats(torrent: Torrent) {
  const v = torrent.view();
  return {
    uploaded: v.uploadedBytes,
    downloaded: v.verifiedBytes,
    left: torrent.meta ? v.selectedBytes - v.verifiedBytes : undefined,
  };
}

/**
 * Every tracker socket of one client, one per URL, shared by all its torrents (as
 * WebTorrent shares them). A socket's subscribers are its references: it connects with the
 * first, and closes and leaves the pool with the last.
 */
import type { Clock, WebSocketFactory } from '../deps.ts';
import { TrackerError } from '../errors.ts';
import { LIMITS } from '../limits.ts';
import { TrackerSocket } from './socket.ts';

export interface TrackerPoolOptions {
  createWebSocket: WebSocketFactory;
  clock: Clock;
  /** Uniform in [0, 1): reconnect jitter. */
  random(): number;
}

/** true for a `ws:` or `wss:` URL the pool accepts. */
export function isWebSocketTrackerUrl(url: string): boolean {
  if (url.length > LIMITS.maxUrlLength) return false;
  try {
    const { protocol } = new URL(url);
    return protocol === 'ws:' || protocol === 'wss:';
  } catch {
    return false;
  }
}

export class TrackerPool {
  private readonly sockets = new Map<string, TrackerSocket>();
  private destroyed = false;

  constructor(private readonly opts: TrackerPoolOptions) {}

  /** The shared socket for `url` (made, not connected, on first use). Throws on a bad URL. */
  get(url: string): TrackerSocket {
    if (this.destroyed) throw new TrackerError(url, 'usage', 'tracker pool destroyed');
    if (!isWebSocketTrackerUrl(url)) {
      throw new TrackerError(url, 'usage', 'not a ws: or wss: tracker URL');
    }
    let socket = this.sockets.get(url);
    if (!socket || socket.destroyed) {
      socket = new TrackerSocket({
        ...this.opts,
        url,
        onIdle: (idle) => {
          if (this.sockets.get(url) === idle) this.sockets.delete(url);
        },
      });
      this.sockets.set(url, socket);
    }
    return socket;
  }

  /** URLs with a socket in the pool. */
  get urls(): string[] {
    return [...this.sockets.keys()];
  }

  get size(): number {
    return this.sockets.size;
  }

  /** Closes every socket (their subscribers hear nothing more). */
  destroy(): void {
    this.destroyed = true;
    for (const socket of this.sockets.values()) socket.destroy();
    this.sockets.clear();
  }
}

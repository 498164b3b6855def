/**
 * One WebSocket to one tracker URL, shared by every torrent that announces there:
 * frames are routed to subscribers by info hash. Connects on its first subscriber,
 * reconnects with jittered exponential backoff, and is destroyed after its last one leaves.
 */
import type { Clock, WebSocketFactory, WebSocketLike } from '../deps.ts';
import { TrackerError, errorMessage } from '../errors.ts';
import {
  parseTrackerMessage,
  type AnnounceMessage,
  type BinaryId,
  type ScrapeCounts,
} from './messages.ts';

/** Reconnect after `RECONNECT_BASE_MS × 2ⁿ`, capped at `RECONNECT_MAX_MS`, plus up to 50%. */
export const RECONNECT_BASE_MS = 5_000;
export const RECONNECT_MAX_MS = 10 * 60_000;
export const RECONNECT_JITTER = 0.5;
/** A connection not open after this long is given up (and retried with backoff). */
export const CONNECT_TIMEOUT_MS = 15_000;
/** Most frames held while connecting (answers, scrapes; announces wait for the connection). */
export const MAX_QUEUED_SENDS = 64;

/** Delay before reconnect attempt `attempt` (0 for the first), from a uniform [0, 1) source. */
export function reconnectDelay(attempt: number, random: () => number): number {
  const base = Math.min(RECONNECT_BASE_MS * 2 ** attempt, RECONNECT_MAX_MS);
  return Math.round(base * (1 + RECONNECT_JITTER * random()));
}

/** What a torrent's announcer hears from the shared socket. */
export interface TrackerSubscriber {
  /** The connection opened (first time or after a reconnect). */
  onOpen(): void;
  /** The connection closed or failed to open; frames queued for it were dropped. */
  onClose(): void;
  /** An `announce` frame for this subscriber's info hash. */
  onAnnounce(message: AnnounceMessage): void;
  /** Scrape counts for this info hash, or a scrape failure (which names no info hash). */
  onScrape(result: ScrapeCounts | TrackerError): void;
  /** A problem with the tracker as a whole (ignored frames, unroutable failures). */
  onWarning(error: TrackerError): void;
}

export interface TrackerSocketOptions {
  url: string;
  createWebSocket: WebSocketFactory;
  clock: Clock;
  /** Uniform in [0, 1): reconnect jitter. */
  random(): number;
  /** Told when the last subscriber left (the socket then destroys itself). */
  onIdle?(socket: TrackerSocket): void;
}

type State = 'idle' | 'connecting' | 'open' | 'backoff' | 'destroyed';

const OPEN = 1;
const noop = (): void => {};

export class TrackerSocket {
  readonly url: string;
  private state: State = 'idle';
  private ws: WebSocketLike | undefined;
  private timer: unknown;
  /** Connections lost in a row without a valid frame: the backoff exponent. */
  private failures = 0;
  private queue: string[] = [];
  private readonly subscribers = new Map<BinaryId, TrackerSubscriber>();
  /** Connections attempted so far. */
  private attempts = 0;

  constructor(private readonly opts: TrackerSocketOptions) {
    this.url = opts.url;
  }

  get connected(): boolean {
    return this.state === 'open';
  }

  get destroyed(): boolean {
    return this.state === 'destroyed';
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Connections attempted so far (the first one and every reconnect). */
  get connectAttempts(): number {
    return this.attempts;
  }

  /** Routes frames for `infoHash` to `subscriber`; returns the unsubscribe function. */
  subscribe(infoHash: BinaryId, subscriber: TrackerSubscriber): () => void {
    if (this.state === 'destroyed') throw new TrackerError(this.url, 'usage', 'socket destroyed');
    if (this.subscribers.has(infoHash)) {
      throw new TrackerError(this.url, 'usage', 'info hash already subscribed on this socket');
    }
    this.subscribers.set(infoHash, subscriber);
    if (this.state === 'idle') this.connect();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (this.subscribers.get(infoHash) !== subscriber) return;
      this.subscribers.delete(infoHash);
      if (this.subscribers.size === 0 && this.state !== 'destroyed') {
        this.opts.onIdle?.(this);
        this.destroy();
      }
    };
  }

  /**
   * Sends a frame now, or once the connection being made opens. false if it was dropped:
   * destroyed, queue full, or waiting to reconnect (a frame held for minutes would be stale).
   */
  send(text: string): boolean {
    if (this.state === 'destroyed' || this.state === 'backoff') return false;
    if (this.state === 'open' && this.ws?.readyState === OPEN) {
      try {
        this.ws.send(text);
        return true;
      } catch {
        return false;
      }
    }
    if (this.queue.length >= MAX_QUEUED_SENDS) return false;
    this.queue.push(text);
    if (this.state === 'idle') this.connect();
    return true;
  }

  /** Closes the connection and forgets every subscriber and timer. */
  destroy(): void {
    if (this.state === 'destroyed') return;
    this.state = 'destroyed';
    this.opts.clock.clearTimeout(this.timer);
    this.drop(this.ws);
    this.ws = undefined;
    this.queue = [];
    this.subscribers.clear();
  }

  private connect(): void {
    this.state = 'connecting';
    this.attempts++;
    let ws: WebSocketLike;
    try {
      ws = this.opts.createWebSocket(this.url);
    } catch (err) {
      this.warnAll(new TrackerError(this.url, 'closed', `cannot connect: ${errorMessage(err)}`));
      this.lost();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws === ws) this.opened(ws);
    };
    ws.onmessage = (ev) => {
      if (this.ws === ws) this.received(ev.data);
    };
    ws.onclose = () => {
      if (this.ws === ws) this.lost();
    };
    ws.onerror = () => {
      if (this.ws === ws) this.lost();
    };
    this.timer = this.opts.clock.setTimeout(() => {
      if (this.ws === ws && this.state === 'connecting') this.lost();
    }, CONNECT_TIMEOUT_MS);
  }

  private opened(ws: WebSocketLike): void {
    this.opts.clock.clearTimeout(this.timer);
    this.state = 'open';
    const queued = this.queue;
    this.queue = [];
    for (const text of queued) {
      try {
        ws.send(text);
      } catch {
        break;
      }
    }
    this.each((s) => s.onOpen());
  }

  /** The connection closed, failed or timed out: schedule the next attempt. */
  private lost(): void {
    if (this.state === 'destroyed') return;
    this.opts.clock.clearTimeout(this.timer);
    this.drop(this.ws);
    this.ws = undefined;
    this.queue = [];
    this.state = 'backoff';
    const delay = reconnectDelay(this.failures++, this.opts.random);
    this.timer = this.opts.clock.setTimeout(() => {
      if (this.state === 'backoff') this.connect();
    }, delay);
    this.each((s) => s.onClose());
  }

  private drop(ws: WebSocketLike | undefined): void {
    if (!ws) return;
    // No-ops, not null: `ws` under Node throws an 'error' event nobody listens to.
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = noop;
    try {
      ws.close(1000);
    } catch {
      // already closed
    }
  }

  private received(data: unknown): void {
    const parsed = parseTrackerMessage(data);
    if (!parsed.ok) {
      this.warnAll(new TrackerError(this.url, 'protocol', `ignored a frame: ${parsed.reason}`));
      return;
    }
    // A tracker that speaks the protocol: the next disconnection starts the backoff afresh.
    this.failures = 0;
    const m = parsed.message;
    if (m.action === undefined) {
      this.warnAll(new TrackerError(this.url, 'failure', m.failure));
    } else if (m.action === 'announce') {
      // Frames for an info hash nobody here announces (any more) are ignored, like WebTorrent.
      const s = this.subscribers.get(m.infoHash);
      if (s) this.deliver(s, () => s.onAnnounce(m));
    } else {
      if (m.warning !== undefined) this.warnAll(new TrackerError(this.url, 'warning', m.warning));
      for (const [hash, counts] of m.files) {
        const s = this.subscribers.get(hash);
        if (s) this.deliver(s, () => s.onScrape(counts));
      }
      const failure = m.failure;
      if (failure !== undefined) {
        this.each((s) => s.onScrape(new TrackerError(this.url, 'failure', failure)));
      }
    }
  }

  private warnAll(error: TrackerError): void {
    this.each((s) => s.onWarning(error));
  }

  private each(fn: (s: TrackerSubscriber) => void): void {
    for (const [hash, s] of [...this.subscribers]) {
      // One that left during an earlier call is not told any more.
      if (this.subscribers.get(hash) === s) this.deliver(s, () => fn(s));
    }
  }

  /** A subscriber that throws is told so; nothing escapes into the WebSocket's handlers. */
  private deliver(s: TrackerSubscriber, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      try {
        s.onWarning(new TrackerError(this.url, 'usage', `handler threw: ${errorMessage(err)}`));
      } catch {
        // nothing left to tell
      }
    }
  }
}

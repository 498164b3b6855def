import type { BufferPool } from './buffer-pool.ts';
import type { PieceStore } from './piece-store.ts';
import type { RateLimits } from './token-bucket.ts';
import type { WebSeedOptions } from './webseed.ts';

export type DigestAlgorithm = 'SHA-1' | 'SHA-256';

/** Hashing, injected (WebCrypto in browsers and in Node). */
export type Digest = (algorithm: DigestAlgorithm, data: Uint8Array) => Promise<Uint8Array>;

/** A clock, injected so tests can control time. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * The part of the WebSocket API the tracker client uses: the browser's WebSocket, or the
 * `ws` package under Node. Text frames only (WebTorrent trackers speak JSON).
 */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  // Checked bivariantly, so the browser's WebSocket (handlers of Event) fits.
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
  onclose: Handler<unknown> | null;
  onerror: Handler<unknown> | null;
}

type Handler<E> = { bivariant(ev: E): void }['bivariant'];

/** Makes a WebSocket (injected: the browser's, or `ws` in Node). */
export type WebSocketFactory = (url: string) => WebSocketLike;

/** Makes an RTCPeerConnection (injected: the browser's, or `@roamhq/wrtc` in Node). */
export type PeerConnectionFactory = (config: RTCConfiguration) => RTCPeerConnection;

/**
 * Everything the engine touches outside itself. In the browser these are the real
 * ones; in Vitest under Node, Node's fetch and WebCrypto and the memory store.
 */
export interface EngineDeps {
  fetch: typeof fetch;
  digest: Digest;
  store: PieceStore;
  clock: Clock;
  /** Uniform random number in [0, 1). */
  random(): number;
  /** Piece buffers to reuse (one pool per client); a torrent makes its own without it. */
  buffers?: BufferPool;
  /** Global download and upload limits (one pair per client; none: unlimited). */
  rates?: RateLimits;
  /** Told of every `n` bytes read from the network (the host keeps its garbage in check). */
  onBytesRead?(n: number): void;
  /** WebSocket trackers; without it the torrent uses web seeds only. */
  createWebSocket?: WebSocketFactory;
  /** WebRTC peers; without it the torrent uses web seeds only. */
  createPeerConnection?: PeerConnectionFactory;
  /**
   * Web seed settings other than the defaults (WEBSEED_DEFAULTS): tests whose fake clock
   * fires every timer at once turn the idle timeout off.
   */
  webSeed?: Partial<WebSeedOptions>;
}

/** WebCrypto digest, available in browsers, workers and Node >= 20. */
export const webCryptoDigest: Digest = async (algorithm, data) => {
  const out = await globalThis.crypto.subtle.digest(algorithm, data as Uint8Array<ArrayBuffer>);
  return new Uint8Array(out);
};

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
};

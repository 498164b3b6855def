/**
 * Typed errors with a stable `name`, so callers (and the UI) can tell them apart
 * without parsing messages.
 */
export class SwarmlinkError extends Error {
  override name = 'SwarmlinkError';
}

/** A `.torrent` (or its info dictionary) is malformed or over a limit. */
export class MetainfoError extends SwarmlinkError {
  override name = 'MetainfoError';
  constructor(
    /** Dotted path of the offending field, e.g. `info.piece length` or `info.files[3].path`. */
    readonly field: string,
    readonly reason: string,
  ) {
    super(`Invalid torrent: ${field}: ${reason}`);
  }
}

/** A magnet URI is malformed. */
export class MagnetError extends SwarmlinkError {
  override name = 'MagnetError';
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`Invalid magnet link: ${field}: ${reason}`);
  }
}

/** A web seed failed (HTTP status, missing Range support, wrong bytes, network). */
export class WebSeedError extends SwarmlinkError {
  override name = 'WebSeedError';
  constructor(
    readonly url: string,
    readonly reason: string,
    /** true when retrying cannot help (404, no Range support, wrong length). */
    readonly permanent: boolean,
  ) {
    super(`Web seed ${url}: ${reason}`);
  }
}

/** The piece store failed (quota, IO). */
export class StoreError extends SwarmlinkError {
  override name = 'StoreError';
}

/** Fetching a torrent file failed. */
export class FetchTorrentError extends SwarmlinkError {
  override name = 'FetchTorrentError';
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A peer broke the peer wire protocol (BEP 3, 6, 9, 10) or went over a limit. */
export class WireError extends SwarmlinkError {
  override name = 'WireError';
  constructor(
    /** What was malformed, e.g. `handshake`, `request`, `extended handshake.m`. */
    readonly what: string,
    readonly reason: string,
  ) {
    super(`Peer wire: ${what}: ${reason}`);
  }
}

/**
 * A WebSocket tracker problem: its `failure reason` or `warning message`, a malformed
 * message, a request that timed out or a connection that closed under it.
 */
export class TrackerError extends SwarmlinkError {
  override name = 'TrackerError';
  constructor(
    readonly url: string,
    readonly kind: 'failure' | 'warning' | 'protocol' | 'timeout' | 'closed' | 'offers' | 'usage',
    readonly reason: string,
  ) {
    super(`Tracker ${url}: ${reason}`);
  }
}

/**
 * A WebRTC connection could not be set up or broke: the RTCPeerConnection failed or was
 * refused a description, the data channel did not open in time, or the setup was aborted.
 */
export class RtcError extends SwarmlinkError {
  override name = 'RtcError';
  constructor(
    readonly kind:
      | 'create' // the factory, createDataChannel or createOffer/createAnswer threw
      | 'description' // a malformed offer or answer, or the connection refused it
      | 'timeout' // no open data channel within the connect timeout
      | 'expired' // an offer was not answered in time
      | 'failed' // ICE or DTLS failed, or the data channel errored
      | 'closed' // closed (by us or the peer) before it was connected
      | 'aborted' // the caller's AbortSignal fired
      | 'overflow', // received data piled up with nobody reading it
    readonly reason: string,
  ) {
    super(`WebRTC: ${reason}`);
  }
}

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
  /** 'full': no space left (the disk or the browser's storage quota); 'io': anything else. */
  readonly kind: 'full' | 'io';
  constructor(message: string, options?: ErrorOptions & { kind?: 'full' | 'io' }) {
    super(message, options);
    this.kind = options?.kind ?? 'io';
  }
}

/** What the user reads when a torrent's storage failed mid-download. */
export function storageFailure(err: unknown): string {
  if (err instanceof StoreError && err.kind === 'full') {
    return 'Out of storage space: the disk or the browser’s storage is full. Free some space, then Resume: the pieces verified so far are kept.';
  }
  return `Storage failed: ${errorMessage(err)}`;
}

/** What went wrong fetching a torrent file, for the user's words. */
export type FetchTorrentFailure =
  | 'http' // an HTTP error status (`status`)
  | 'network' // no answer at all
  | 'web-page' // an HTML page came instead (a login page, an error page)
  | 'not-torrent' // some other file: not bencoded at all
  | 'too-large';

/** Fetching a torrent file failed. */
export class FetchTorrentError extends SwarmlinkError {
  override name = 'FetchTorrentError';
  constructor(
    message: string,
    readonly failure: FetchTorrentFailure = 'network',
    /** The HTTP status, for `http`. */
    readonly status?: number,
  ) {
    super(message);
  }
}

/**
 * Why a torrent or one of its sources failed, as a code the UI turns into plain words, and
 * the technical message kept as `detail` (shown on demand).
 */
export interface Problem {
  code:
    | FetchTorrentFailure
    | 'invalid-torrent'
    | 'invalid-magnet'
    | 'webseed'
    | 'storage'
    | 'storage-full'
    | 'tracker'
    | 'peer'
    | 'other';
  /** An HTTP status, when one was the cause (a torrent file's or a web seed's). */
  status?: number;
  /** Retrying cannot help (a web seed's 404, no Range support). */
  permanent?: boolean;
  detail: string;
}

/** The Problem of an error (or of a bare message), keeping its type's facts. */
export function problemOf(err: unknown): Problem {
  const detail = errorMessage(err);
  if (err instanceof FetchTorrentError) {
    return { code: err.failure, status: err.status, detail };
  }
  if (err instanceof MetainfoError) return { code: 'invalid-torrent', detail };
  if (err instanceof MagnetError) return { code: 'invalid-magnet', detail };
  if (err instanceof WebSeedError) {
    const status = /\bHTTP (\d{3})\b/.exec(err.reason)?.[1];
    return {
      code: 'webseed',
      status: status ? Number(status) : undefined,
      permanent: err.permanent,
      detail,
    };
  }
  if (err instanceof StoreError) {
    return { code: err.kind === 'full' ? 'storage-full' : 'storage', detail };
  }
  if (err instanceof TrackerError) return { code: 'tracker', detail };
  if (err instanceof WireError || err instanceof RtcError) return { code: 'peer', detail };
  return { code: 'other', detail };
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

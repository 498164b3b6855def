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

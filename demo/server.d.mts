// Types for demo/server.mjs (plain JavaScript so that `npm start` needs no build step).

export interface DemoFile {
  /** Download-relative path as Chrome saves it: `<name>` or `<name>/<a>/<b>`. */
  path: string;
  length: number;
  /** Hex SHA-256 of the whole file. */
  sha256: string;
  /** Plain http URL of the file on the web seed. */
  url: string;
  /** Absolute path of the file on this machine. */
  diskPath: string;
}

export interface DemoTorrent {
  name: string;
  /** Hex v1 infohash; stable across restarts for the same `mib`. */
  infoHash: string;
  /** `<origin>/torrents/<file>.torrent`, served as application/x-bittorrent. */
  torrentUrl: string;
  /** `<origin>/get?id=single|multi`: no `.torrent` in the URL, Content-Disposition attachment. */
  restUrl: string;
  /** magnet: with xt, dn, tr (tracker), ws (web seed), xs (torrentUrl). */
  magnetUri: string;
  /** In torrent order. */
  files: DemoFile[];
}

export interface DemoFault {
  /** Substring of the request path (raw or decoded); default: every /seed/ request. */
  match?: string;
  /** Respond with this status (and a short text body) instead of the file. */
  status?: number;
  /** Ignore Range: answer 200 with the full body. */
  noRange?: boolean;
  /** Flip the body's first byte and every 1024th byte after it. */
  corrupt?: boolean;
  /** Destroy the socket after sending this many body bytes (per response). */
  dropAfterBytes?: number;
}

export interface DemoStats {
  /** Body bytes sent from /seed/ (including what a client that went away never read). */
  seedBytes: number;
  /**
   * Body bytes asked for from /seed/: the sum of the ranges (or whole files) of the responses
   * started. Unlike seedBytes, it does not depend on when a dropped connection is noticed.
   */
  seedBytesRequested: number;
  seedRequests: number;
  /** Requests for .torrent files and REST torrent URLs. */
  torrentRequests: number;
}

export interface DemoOptions {
  /** Size of the single-file torrent, and about the size of the multi-file one. Default 4. */
  mib?: number;
  /**
   * Piece length of both torrents, in bytes (a power of two, 16 KiB or more). Default: 256 KiB
   * below 512 MiB of content, 1 MiB from there on.
   */
  pieceLength?: number;
  /** Bytes per second shared by all /seed/ responses; 0 = unlimited (default). */
  rateLimit?: number;
  /** Where sample files and cached piece hashes go. Default `<repo>/.demo-data`. */
  dataDir?: string;
  /** HTTP port; default 0 (any). The tracker always takes any free port. */
  port?: number;
  host?: '127.0.0.1';
  /** Progress messages (generating / hashing); silent by default. */
  log?: (message: string) => void;
  /**
   * Also run one more peer (`npm start` does): a WebTorrent client in Node that seeds both
   * torrents from the sample files through the demo's tracker (demo/peer.mjs), so a reader's
   * browser has someone to share with. The blog page then says so. Default false.
   */
  peer?: boolean;
}

export interface DemoPeerStats {
  /** Piece bytes the peer has sent to readers, both torrents. */
  uploadedBytes: number;
  /** Readers connected to it now (wires, both torrents). */
  connections: number;
}

export interface Demo {
  /** Origin, e.g. http://127.0.0.1:PORT */
  url: string;
  blogUrl: string;
  /** ws://127.0.0.1:TPORT */
  trackerUrl: string;
  /** `<origin>/seed/`, the url-list entry of both torrents (BEP 19). */
  webSeedUrl: string;
  torrents: { single: DemoTorrent; multi: DemoTorrent };
  /** A `.torrent` URL whose bytes are malformed. */
  brokenTorrentUrl: string;
  /** The single-file torrent again, served only with the cookie that `membersLoginUrl` sets (403 otherwise). */
  membersTorrentUrl: string;
  /** A `.torrent` URL answered with a login page (200, text/html) instead of a torrent. */
  loginPageTorrentUrl: string;
  /** Sets the login cookie and redirects to the blog. */
  membersLoginUrl: string;
  setRateLimit(bytesPerSecond: number): void;
  setFault(fault: DemoFault | null): void;
  stats(): DemoStats;
  resetStats(): void;
  /** The WebTorrent peer, when started with `peer: true`. */
  peer?: { stats(): DemoPeerStats };
  /** Closes the peer (if any), the HTTP server, every open socket and the tracker. */
  close(): Promise<void>;
}

export function startDemo(opts?: DemoOptions): Promise<Demo>;

/** Human-readable lines with the blog, tracker, web seed and torrent URLs. */
export function describeDemo(demo: Demo): string;

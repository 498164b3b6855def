/** What a torrent shows of itself: its states and the view the popup renders. */
import type { Problem } from './errors.ts';
import type { SourceView } from './sources/source.ts';

export type { SourceView } from './sources/source.ts';

export type TorrentState =
  | 'fetching' // getting the .torrent file
  | 'metadata' // a magnet waiting for its metadata
  | 'checking' // opening storage, reading what was verified before
  | 'downloading'
  | 'seeding' // complete and sharing with peers
  | 'done' // complete, not sharing (no swarm, or its seeding limit was reached)
  | 'paused'
  | 'error';

export interface TorrentView {
  id: string;
  infoHash?: string;
  name: string;
  state: TorrentState;
  /** floor(100 × verified bytes ÷ selected bytes). */
  progress: number;
  verifiedBytes: number;
  selectedBytes: number;
  /** Verified bytes the extension keeps in its own storage (0 once freed). */
  storedBytes: number;
  /** Bytes per second received over the last few seconds. */
  downloadRate: number;
  /** Bytes per second sent to peers over the last few seconds. */
  uploadRate: number;
  /** Piece bytes sent to peers since the torrent started. */
  uploadedBytes: number;
  error?: string;
  /** What `error` is about, for the user's words. */
  problem?: Problem;
  /** Every source: web seeds and peers. */
  sources: SourceView[];
  /** The web seeds among them. */
  webSeeds: SourceView[];
  /** Connected wire peers, and how many of them have every piece. */
  peers: number;
  seeds: number;
  /** Peers banned for sending wrong data (smart ban). */
  bannedPeers: number;
  fileCount: number;
  /** The files among them selected to download and save. */
  selectedFiles: number;
  addedAt: number;
}

/** Where a torrent's metainfo comes from, when it can be fetched again. */
export type TorrentSource = { kind: 'url'; url: string } | { kind: 'magnet'; uri: string };

/** One file of a multi-file torrent, as its file list shows it. */
export interface FileView {
  index: number;
  /** Path inside the torrent, `/`-separated. */
  path: string;
  length: number;
  selected: boolean;
  /** floor(100 × verified pieces of it ÷ its pieces). */
  progress: number;
}

/** What a torrent shows of itself: its states, its events and the view the popup renders. */
import type { Problem } from './errors.ts';
import type { Metainfo } from './metainfo.ts';
import type { Progress } from './progress.ts';
import type { RateMeter } from './rate.ts';
import type { Source, SourceView } from './sources/source.ts';

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

/** What a torrent tells its listeners. */
export type TorrentEvents = {
  update: [];
  /** A selected, non-pad file whose pieces are all verified (also on resume). */
  'file-complete': [fileIndex: number];
  done: [];
  error: [message: string];
  warning: [message: string];
  /** A piece was verified and stored (wire peers announce it with `have`). */
  verified: [index: number];
  /** A piece failed its hash check; `data` (the wrong bytes) is valid only during the call. */
  'piece-failed': [index: number, from: Source, data: Uint8Array];
};

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

/** What a torrent's view is made from (Torrent.view). */
export interface ViewParts {
  id: string;
  name: string;
  state: TorrentState;
  meta: Metainfo | undefined;
  /** Once storage is open; with `remaining` wanted pieces not had. */
  progress: Progress | undefined;
  remaining: number;
  /** A complete torrent whose stored pieces were freed: what it had. */
  freed: { verifiedBytes: number; selectedBytes: number } | undefined;
  received: RateMeter;
  sent: RateMeter;
  error: string | undefined;
  problem: Problem | undefined;
  sources: SourceView[];
  bannedPeers: number;
  addedAt: number;
}

export function torrentView(p: ViewParts): TorrentView {
  const { progress: o, meta } = p;
  const peers = p.sources.filter((s) => s.kind === 'peer');
  return {
    id: p.id,
    infoHash: meta?.infoHash,
    name: p.name,
    state: p.state,
    progress: o ? o.percent(p.remaining) : p.freed ? 100 : 0,
    verifiedBytes: o?.verifiedBytes ?? p.freed?.verifiedBytes ?? 0,
    selectedBytes: o?.selectedBytes ?? p.freed?.selectedBytes ?? 0,
    storedBytes: o?.verifiedBytes ?? 0,
    // Rates say what moves now: nothing while paused, finished or failed.
    downloadRate: p.state === 'downloading' ? p.received.rate() : 0,
    uploadRate: p.state === 'downloading' || p.state === 'seeding' ? p.sent.rate() : 0,
    uploadedBytes: p.sent.total,
    error: p.error,
    problem: p.problem,
    sources: p.sources,
    webSeeds: p.sources.filter((s) => s.kind === 'webseed'),
    peers: peers.length,
    seeds: peers.filter((s) => s.seed).length,
    bannedPeers: p.bannedPeers,
    fileCount: meta ? meta.files.filter((f) => !f.pad).length : 0,
    selectedFiles: meta ? meta.files.filter((f, i) => !f.pad && (!o || o.isSelected(i))).length : 0,
    addedAt: p.addedAt,
  };
}

/** A torrent's files (pad files left out), at most `max` of them. */
export function fileViews(meta: Metainfo, progress: Progress, max: number): FileView[] {
  const out: FileView[] = [];
  meta.files.forEach((f, index) => {
    if (f.pad || out.length >= max) return;
    out.push({
      index,
      path: f.path.join('/'),
      length: f.length,
      selected: progress.isSelected(index),
      progress: progress.filePercent(index),
    });
  });
  return out;
}

/** The popup's list: newest first, filtered by Active / Done / Errors, and what Clear finished removes. */
import type { TorrentState } from '../engine/torrent-view.ts';

export type Filter = 'all' | 'active' | 'done' | 'errors';
export const FILTERS: readonly Filter[] = ['all', 'active', 'done', 'errors'];

const GROUP: Record<TorrentState, Exclude<Filter, 'all'>> = {
  fetching: 'active',
  metadata: 'active',
  checking: 'active',
  downloading: 'active',
  paused: 'active',
  seeding: 'done',
  done: 'done',
  error: 'errors',
};

interface Listed {
  state: TorrentState;
  addedAt: number;
}

export function inFilter(t: Listed, filter: Filter): boolean {
  return filter === 'all' || GROUP[t.state] === filter;
}

/** Newest first, then only those of `filter`. */
export function listed<T extends Listed>(torrents: readonly T[], filter: Filter): T[] {
  return torrents.filter((t) => inFilter(t, filter)).sort((a, b) => b.addedAt - a.addedAt);
}

/** How many torrents each filter shows. */
export function counts(torrents: readonly Listed[]): Record<Filter, number> {
  const n = { all: torrents.length, active: 0, done: 0, errors: 0 };
  for (const t of torrents) n[GROUP[t.state]]++;
  return n;
}

/**
 * What Clear finished removes: the finished torrents. Their stored pieces go too once every
 * file is saved (the saved files stay); a finished torrent with a file not saved keeps them.
 */
export function finished<T extends Listed & { selectedFiles: number; savedFiles: number }>(
  torrents: readonly T[],
): { torrent: T; deleteData: boolean }[] {
  return torrents
    .filter((t) => GROUP[t.state] === 'done')
    .map((t) => ({
      torrent: t,
      deleteData: t.selectedFiles > 0 && t.savedFiles >= t.selectedFiles,
    }));
}

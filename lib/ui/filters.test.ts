import { describe, expect, it } from 'vitest';
import type { TorrentState } from '../engine/torrent-view.ts';
import { counts, finished, listed } from './filters.ts';

const t = (id: string, state: TorrentState, addedAt: number, savedFiles = 1) => ({
  id,
  state,
  addedAt,
  selectedFiles: 1,
  savedFiles,
});
const all = [
  t('a', 'downloading', 1),
  t('b', 'done', 3),
  t('c', 'error', 2),
  t('d', 'seeding', 4, 0),
  t('e', 'paused', 5),
];

describe('popup list', () => {
  it('newest first, by filter', () => {
    expect(listed(all, 'all').map((x) => x.id)).toEqual(['e', 'd', 'b', 'c', 'a']);
    expect(listed(all, 'active').map((x) => x.id)).toEqual(['e', 'a']);
    expect(listed(all, 'done').map((x) => x.id)).toEqual(['d', 'b']);
    expect(listed(all, 'errors').map((x) => x.id)).toEqual(['c']);
    expect(counts(all)).toEqual({ all: 5, active: 2, done: 2, errors: 1 });
  });

  it('Clear finished: the finished ones; stored pieces go only once their files are saved', () => {
    expect(finished(all).map((f) => [f.torrent.id, f.deleteData])).toEqual([
      ['b', true],
      ['d', false],
    ]);
  });
});

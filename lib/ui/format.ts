import type { TorrentState } from '../engine/torrent.ts';

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

const LABELS: Record<TorrentState, string> = {
  fetching: 'Fetching torrent…',
  metadata: 'Waiting for metadata…',
  checking: 'Checking…',
  downloading: 'Downloading',
  seeding: 'Done · seeding',
  done: 'Done',
  paused: 'Paused',
  error: 'Error',
};

export function stateLabel(state: TorrentState): string {
  return LABELS[state];
}

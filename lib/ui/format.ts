import type { TorrentState } from '../engine/torrent.ts';
import { t, type MessageKey } from './i18n.ts';

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

const LABELS: Record<TorrentState, MessageKey> = {
  fetching: 'stateFetching',
  metadata: 'stateMetadata',
  checking: 'stateChecking',
  downloading: 'stateDownloading',
  seeding: 'stateSeeding',
  done: 'stateDone',
  paused: 'statePaused',
  error: 'stateError',
};

export function stateLabel(state: TorrentState): string {
  return t(LABELS[state]);
}

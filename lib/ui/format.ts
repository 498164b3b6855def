/** Numbers and states in the popup's words. */
import type { TorrentState } from '../engine/torrent-view.ts';
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

/** Time left at `rate` bytes/s, as "45 s", "12 min", "3 h 20 min", "2 d"; none when not moving. */
export function formatEta(remainingBytes: number, rate: number): string | undefined {
  if (rate <= 0 || remainingBytes <= 0) return undefined;
  const s = Math.ceil(remainingBytes / rate);
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  return `${Math.round(h / 24)} d`;
}

/** Uploaded ÷ size with two decimals; none before the size is known. */
export function formatRatio(uploaded: number, size: number): string | undefined {
  return size > 0 ? (uploaded / size).toFixed(2) : undefined;
}

/** The host (with port) of a URL, for short lines. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host || url;
  } catch {
    return url;
  }
}

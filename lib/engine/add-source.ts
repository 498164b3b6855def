/** What a torrent is added from, and the small helpers the client adds it with. */
import { parseMagnet, type Magnet } from './magnet.ts';
import type { TorrentRecord } from './records.ts';

export type AddSource =
  | { kind: 'file'; bytes: Uint8Array; name?: string }
  | { kind: 'url'; url: string }
  | { kind: 'magnet'; uri: string };

/** A new torrent's record: not paused, nothing saved yet. */
export function newRecord(
  fields: Pick<TorrentRecord, 'infoHash' | 'name' | 'addedAt'> &
    Partial<Pick<TorrentRecord, 'magnet' | 'torrentFile' | 'sourceUrl'>>,
): TorrentRecord {
  return { ...fields, paused: false, savedFiles: [], version: 1 };
}

export function parseMagnetOrUndefined(uri: string): Magnet | undefined {
  try {
    return parseMagnet(uri);
  } catch {
    return undefined;
  }
}

export function nameFromUrl(url: string): string {
  try {
    const u = new URL(url);
    const last = u.pathname.split('/').filter(Boolean).pop();
    return last ? decodeURIComponent(last) : u.hostname;
  } catch {
    return url.slice(0, 80);
  }
}

/**
 * Fetches a .torrent file with the reader's cookies (sites that need a login), read as a
 * stream and refused as soon as it passes LIMITS.maxTorrentFileBytes, with or without a
 * Content-Length. Every failure is a FetchTorrentError naming the URL.
 */
import { concatBytes } from './bytes.ts';
import { FetchTorrentError, errorMessage } from './errors.ts';
import { LIMITS } from './limits.ts';

export async function fetchTorrent(
  fetch: typeof globalThis.fetch,
  url: string,
): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url, { credentials: 'include' });
  } catch (err) {
    throw new FetchTorrentError(`Could not fetch ${url}: ${errorMessage(err)}`);
  }
  if (!res.ok) throw new FetchTorrentError(`Could not fetch ${url}: HTTP ${res.status}`);
  const max = LIMITS.maxTorrentFileBytes;
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > max) {
    res.body?.cancel().catch(() => {});
    throw new FetchTorrentError(`${url} is too large for a torrent file (${declared} bytes)`);
  }
  if (!res.body) return new Uint8Array(0);
  // Read as a stream, so a body without Content-Length is never held past the limit.
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > max) {
        throw new FetchTorrentError(`${url} is too large for a torrent file (over ${max} bytes)`);
      }
      chunks.push(value);
    }
  } catch (err) {
    reader.cancel().catch(() => {});
    if (err instanceof FetchTorrentError) throw err;
    throw new FetchTorrentError(`Could not fetch ${url}: ${errorMessage(err)}`);
  }
  return concatBytes(chunks);
}

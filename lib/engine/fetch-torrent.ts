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
  if (!res.ok) {
    res.body?.cancel().catch(() => {});
    throw new FetchTorrentError(`Could not fetch ${url}: HTTP ${res.status}`, 'http', res.status);
  }
  const max = LIMITS.maxTorrentFileBytes;
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > max) {
    res.body?.cancel().catch(() => {});
    throw new FetchTorrentError(
      `${url} is too large for a torrent file (${declared} bytes)`,
      'too-large',
    );
  }
  const contentType = res.headers.get('content-type') ?? '';
  if (!res.body) return notATorrent(url, new Uint8Array(0), contentType);
  // Read as a stream, so a body without Content-Length is never held past the limit.
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      // The first bytes say whether it is a torrent at all: stop reading a page or a video.
      if (total === 0 && value[0] !== 0x64) notATorrent(url, value, contentType); // 'd'
      total += value.byteLength;
      if (total > max) {
        throw new FetchTorrentError(
          `${url} is too large for a torrent file (over ${max} bytes)`,
          'too-large',
        );
      }
      chunks.push(value);
    }
  } catch (err) {
    reader.cancel().catch(() => {});
    if (err instanceof FetchTorrentError) throw err;
    throw new FetchTorrentError(`Could not fetch ${url}: ${errorMessage(err)}`);
  }
  if (total === 0) notATorrent(url, new Uint8Array(0), contentType);
  return concatBytes(chunks);
}

const WHITESPACE = new Set([0x09, 0x0a, 0x0d, 0x20, 0xef, 0xbb, 0xbf]);

/**
 * What a body that does not start with `d` (a torrent file is a bencoded dictionary) is: a
 * web page (a login or error page served with 200) or some other file, said as such rather
 * than as a bencode error at byte 0.
 */
function notATorrent(url: string, first: Uint8Array, contentType: string): never {
  // Past whitespace and a UTF-8 byte order mark, a page starts with `<`.
  let i = 0;
  while (i < first.length && WHITESPACE.has(first[i]!)) i++;
  if (first[i] === 0x3c || /html/i.test(contentType)) {
    throw new FetchTorrentError(
      `${url} is a web page (${contentType || 'starts with <'}), not a torrent file`,
      'web-page',
    );
  }
  throw new FetchTorrentError(
    `${url} is not a torrent file (${contentType || 'no content type'}; ${
      first.length ? `starts with byte 0x${first[0]!.toString(16).padStart(2, '0')}` : 'empty'
    })`,
    'not-torrent',
  );
}

/**
 * What a web seed's (BEP 19) answer to an HTTP Range request means: the range asked for, the
 * whole file from a server that ignores Range, or an error that is either permanent (the file
 * is not there, or not what the torrent says) or worth a retry (the server is busy or down).
 */
import { WebSeedError } from './errors.ts';

/** A 200 with the whole file: its length, when given, must be the torrent's. */
export function checkLength(seed: string, res: Response, length: number): void {
  const len = res.headers.get('content-length');
  if (len !== null && Number(len) !== length) {
    throw new WebSeedError(seed, `file is ${len} bytes, the torrent says ${length}`, true);
  }
  if (!res.body) throw new WebSeedError(seed, 'response has no body', false);
}

/** Throws unless `res` is the range asked for (or, asked for the whole file, the file). */
export function checkResponse(
  seed: string,
  res: Response,
  offset: number,
  length: number,
  whole: boolean,
): void {
  const s = res.status;
  if (s === 404 || s === 410 || s === 403 || s === 401) {
    throw new WebSeedError(seed, `HTTP ${s}: file not available`, true);
  }
  if (s === 416) throw new WebSeedError(seed, 'HTTP 416: file shorter than the torrent says', true);
  if (s >= 500 || s === 429 || s === 408) throw new WebSeedError(seed, `HTTP ${s}`, false);
  if (s === 200 && whole) {
    checkLength(seed, res, length);
  } else if (s === 200) {
    throw new WebSeedError(seed, 'server does not support HTTP Range requests', true);
  } else if (s === 206) {
    const m = /^bytes (\d+)-(\d+)\//.exec(res.headers.get('content-range') ?? '');
    if (!m || Number(m[1]) !== offset || Number(m[2]) !== offset + length - 1) {
      throw new WebSeedError(seed, 'server answered a different range than asked', true);
    }
  } else {
    throw new WebSeedError(seed, `unexpected HTTP ${s}`, s >= 400);
  }
  if (!res.body) throw new WebSeedError(seed, 'response has no body', false);
}

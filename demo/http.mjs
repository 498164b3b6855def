// The demo's HTTP side: the routes (blog page, .torrent files, members-only torrent, BEP 19 web
// seed with Range support), fault injection on /seed/, and the plain responses they use.
import http from 'node:http';
import fs from 'node:fs';
import { setImmediate } from 'node:timers';
import { BROKEN_TORRENT } from './torrents.mjs';
import { KiB } from './units.mjs';

/**
 * @typedef {import('./server.mjs').DemoFault} Fault
 * @typedef {import('./server.mjs').DemoFile} DemoFile
 * @typedef {import('./server.mjs').DemoTorrent} DemoTorrent
 * @typedef {import('./server.mjs').DemoStats} DemoStats
 * @typedef {{ html: Buffer, torrentFiles: Map<string, Buffer>, rest: Map<string, { name: string, bytes: Buffer }>, seedFiles: Map<string, DemoFile> }} Routes
 */

/** A torrent that needs the reader's login cookie: the engine must fetch it with cookies. */
export const MEMBERS_TORRENT_PATH = '/members/sample.torrent';
export const MEMBERS_LOGIN_PATH = '/members/login';
/** A torrent link whose server answers with its login page (200, HTML), as some sites do. */
export const LOGIN_PAGE_TORRENT_PATH = '/members/redirected.torrent';
const LOGIN_PAGE = Buffer.from(
  '<!doctype html><title>Log in</title><form>Log in to continue</form>',
);
const MEMBERS_COOKIE = 'demo_session=member';

const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers':
    'Content-Range, Accept-Ranges, Content-Length, Content-Disposition',
};

/**
 * @param {string | undefined} header
 * @param {number} size
 * @returns {{ start: number, end: number } | 'unsatisfiable' | null} null: serve the whole file
 */
function parseRange(header, size) {
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header ?? '');
  if (!match) return null; // absent, malformed or several ranges: RFC 9110 lets us ignore it
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return null;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? Infinity : Number(last);
  if (end < start) return null;
  if (start >= size) return 'unsatisfiable';
  return { start, end: Math.min(end, size - 1) };
}

/** Flips the body's first byte and every 1024th after it: every response is detectably wrong. */
function corruptChunk(chunk, bodyOffset) {
  const copy = Buffer.from(chunk);
  for (let i = (1024 - (bodyOffset % 1024)) % 1024; i < copy.length; i += 1024) copy[i] ^= 0xff;
  return copy;
}

/** @param {http.ServerResponse} res */
function drainOrClose(res) {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve(undefined);
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** @param {Buffer} chunk @param {number} size */
function* slices(chunk, size) {
  for (let i = 0; i < chunk.length; i += size) yield chunk.subarray(i, i + size);
}

/** @param {http.ServerResponse} res @param {number} status @param {string} [body] @param {boolean} [head] */
function sendText(res, status, body = http.STATUS_CODES[status] ?? '', head = false) {
  res.writeHead(status, {
    ...CORS_HEADERS,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(head ? undefined : body);
}

/** @param {string} name */
function contentDisposition(name) {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** What the blog page shows live (GET /stats.json). */
export const LIVE_STATS_PATH = '/stats.json';

/**
 * The server's request handler. routes: undefined until the torrents are built (503 until then).
 * live: the body of /stats.json.
 * @param {{ routes: () => Routes | undefined, bucket: ReturnType<typeof import('./rate-limit.mjs').createTokenBucket>, getFault: () => Fault | null, stats: DemoStats, live?: () => object }} ctx
 */
export function createRequestHandler({ routes, bucket, getFault, stats, live }) {
  /** @param {http.IncomingMessage} req @param {http.ServerResponse} res */
  return function handle(req, res) {
    const r = routes();
    if (!r) return sendText(res, 503);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const head = req.method === 'HEAD';
    if (req.method === 'OPTIONS') return sendPreflight(res);
    if (req.method !== 'GET' && !head) return sendText(res, 405);
    if (url.pathname === '/' || url.pathname === '/blog')
      return sendBytes(res, r.html, 'text/html; charset=utf-8', head);
    if (url.pathname === LIVE_STATS_PATH && live)
      return sendBytes(res, Buffer.from(JSON.stringify(live())), 'application/json', head);
    if (url.pathname === MEMBERS_LOGIN_PATH) {
      res.writeHead(302, {
        'Set-Cookie': `${MEMBERS_COOKIE}; Path=/; HttpOnly; SameSite=Lax`,
        Location: '/blog',
      });
      return res.end();
    }
    if (url.pathname === LOGIN_PAGE_TORRENT_PATH) {
      stats.torrentRequests++;
      return sendBytes(res, LOGIN_PAGE, 'text/html; charset=utf-8', head);
    }
    if (url.pathname === MEMBERS_TORRENT_PATH) {
      stats.torrentRequests++;
      const loggedIn = (req.headers.cookie ?? '').split(/;\s*/).includes(MEMBERS_COOKIE);
      if (!loggedIn) return sendText(res, 403, 'Log in first', head);
      return sendBytes(res, r.rest.get('single').bytes, 'application/x-bittorrent', head);
    }
    if (url.pathname.startsWith('/torrents/')) {
      stats.torrentRequests++;
      const bytes = r.torrentFiles.get(url.pathname.slice('/torrents/'.length));
      return bytes
        ? sendBytes(res, bytes, 'application/x-bittorrent', head)
        : sendText(res, 404, undefined, head);
    }
    if (url.pathname === '/get') {
      stats.torrentRequests++;
      const item = r.rest.get(url.searchParams.get('id') ?? '');
      if (!item) return sendText(res, 404, undefined, head);
      return sendBytes(res, item.bytes, 'application/x-bittorrent', head, {
        'Content-Disposition': contentDisposition(`${item.name}.torrent`),
      });
    }
    if (url.pathname.startsWith('/seed/')) return serveSeed(req, res, url.pathname, r.seedFiles);
    return sendText(res, 404, undefined, head);
  };

  /** @param {http.IncomingMessage} req @param {http.ServerResponse} res @param {string} rawPath @param {Map<string, DemoFile>} seedFiles */
  function serveSeed(req, res, rawPath, seedFiles) {
    stats.seedRequests++;
    const head = req.method === 'HEAD';
    const decoded = decodeSeedPath(rawPath);
    const file = decoded === undefined ? undefined : seedFiles.get(decoded);
    const fault = getFault();
    const faulty =
      fault && (!fault.match || rawPath.includes(fault.match) || decoded?.includes(fault.match));
    const active = faulty ? fault : null;
    if (active?.status) return sendText(res, active.status, undefined, head);
    if (!file) return sendText(res, decoded === undefined ? 400 : 404, undefined, head);
    const range = active?.noRange ? null : parseRange(req.headers.range, file.length);
    const base = {
      ...CORS_HEADERS,
      'Accept-Ranges': 'bytes',
      'Content-Type': 'application/octet-stream',
      // The demo counts what the server sends; the browser's HTTP cache must not hide requests.
      'Cache-Control': 'no-store',
    };
    if (range === 'unsatisfiable') {
      res.writeHead(416, {
        ...base,
        'Content-Range': `bytes */${file.length}`,
        'Content-Length': 0,
      });
      return res.end();
    }
    const start = range ? range.start : 0;
    const end = range ? range.end : file.length - 1;
    const headers = { ...base, 'Content-Length': end - start + 1 };
    if (range) headers['Content-Range'] = `bytes ${start}-${end}/${file.length}`;
    res.writeHead(range ? 206 : 200, headers);
    if (head || end < start) return res.end();
    stats.seedBytesRequested += end - start + 1;
    void streamBody(res, file.diskPath, start, end, active);
  }

  /**
   * @param {http.ServerResponse} res @param {string} diskPath @param {number} start @param {number} end
   * @param {Fault | null} fault
   */
  async function streamBody(res, diskPath, start, end, fault) {
    const dropAfter = fault?.dropAfterBytes;
    if (dropAfter !== undefined && dropAfter <= 0) return dropNow(res);
    const source = fs.createReadStream(diskPath, { start, end, highWaterMark: 64 * KiB });
    let aborted = false;
    res.once('close', () => (aborted = !res.writableFinished));
    let sent = 0;
    try {
      for await (const chunk of source) {
        for (let data of slices(chunk, bucket.sliceSize())) {
          if (dropAfter !== undefined) data = data.subarray(0, dropAfter - sent);
          if (fault?.corrupt) data = corruptChunk(data, sent);
          if (bucket.limited) await bucket.take(data.length);
          if (aborted || res.destroyed) return;
          stats.seedBytes += data.length;
          sent += data.length;
          if (dropAfter !== undefined && sent >= dropAfter) {
            res.write(data, () => res.destroy());
            return;
          }
          if (!res.write(data)) await drainOrClose(res);
        }
      }
      res.end();
    } catch {
      res.destroy();
    } finally {
      source.destroy();
    }
  }
}

/** @param {http.ServerResponse} res */
function dropNow(res) {
  res.flushHeaders();
  setImmediate(() => res.destroy());
}

/** @param {string} rawPath @returns {string | undefined} undefined when the escapes are malformed */
function decodeSeedPath(rawPath) {
  try {
    return rawPath
      .slice('/seed/'.length)
      .split('/')
      .map(decodeURIComponent)
      .join('/')
      .normalize('NFC');
  } catch {
    return undefined;
  }
}

/** @param {http.ServerResponse} res */
function sendPreflight(res) {
  res.writeHead(204, {
    ...CORS_HEADERS,
    'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
    'Access-Control-Allow-Headers': 'Range',
    'Access-Control-Max-Age': '600',
  });
  res.end();
}

/** @param {http.ServerResponse} res @param {Buffer} bytes @param {string} type @param {boolean} head */
function sendBytes(res, bytes, type, head, extra = {}) {
  res.writeHead(200, {
    ...CORS_HEADERS,
    ...extra,
    'Content-Type': type,
    'Content-Length': bytes.length,
    'Cache-Control': 'no-store',
  });
  res.end(head ? undefined : bytes);
}

/** @param {http.Server} server @param {number} port @param {string} host */
export function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(/** @type {import('node:net').AddressInfo} */ (server.address()).port);
    });
  });
}

/**
 * What the request handler serves, once the torrents are built.
 * @param {{
 *   torrents: { single: DemoTorrent, multi: DemoTorrent },
 *   bytes: { single: Buffer, multi: Buffer },
 *   brokenTorrentUrl: string,
 *   html: string,
 * }} parts
 * @returns {Routes}
 */
export function buildRoutes({ torrents, bytes, brokenTorrentUrl, html }) {
  const fileName = (/** @type {string} */ u) =>
    decodeURIComponent(new URL(u).pathname.split('/').pop() ?? '');
  const torrentFiles = new Map([
    [fileName(torrents.single.torrentUrl), bytes.single],
    [fileName(torrents.multi.torrentUrl), bytes.multi],
    [fileName(brokenTorrentUrl), BROKEN_TORRENT],
  ]);
  const rest = new Map([
    ['single', { name: torrents.single.name, bytes: bytes.single }],
    ['multi', { name: torrents.multi.name, bytes: bytes.multi }],
  ]);
  const seedFiles = new Map(
    [...torrents.single.files, ...torrents.multi.files].map((f) => [f.path.normalize('NFC'), f]),
  );
  return { html: Buffer.from(html), torrentFiles, rest, seedFiles };
}

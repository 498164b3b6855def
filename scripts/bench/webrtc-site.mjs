// The web site of the WebRTC benchmark, on 127.0.0.1:
//  - /link.html?t=<name>: a page with a link to /t/<name>.torrent (the extension takes the click);
//  - /wt.html: a page that downloads a torrent with WebTorrent's own browser bundle
//    (node_modules/webtorrent/dist/webtorrent.min.js, served as /webtorrent.min.js);
//  - /raw.html: a page that receives bytes on a bare data channel from a Node peer (the
//    transport's ceiling);
//  - /box?key=…: a mailbox between the pages and the benchmark, so the pages can run in a
//    Chromium nobody is attached to. GET waits until the benchmark puts a value under the key;
//    POST hands a value to the benchmark.
// A page given ?id=… first GETs `go-<id>` (the benchmark samples idle memory meanwhile), then
// runs and POSTs its timings as `result-<id>`. Times in pages are performance.timeOrigin +
// performance.now(): ms since the epoch, comparable with Node's.
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BUNDLE = path.join(ROOT, 'node_modules', 'webtorrent', 'dist', 'webtorrent.min.js');

const BOX_SCRIPT = `
const now = () => performance.timeOrigin + performance.now();
const q = new URLSearchParams(location.search);
const box = {
  get: async (key) => (await fetch('/box?key=' + encodeURIComponent(key))).json(),
  put: (key, value) => fetch('/box?key=' + encodeURIComponent(key), { method: 'POST', body: JSON.stringify(value) }),
};
const message = (e) => String((e && e.message) || e);
`;

// Fetch the .torrent, add it, resolve on 'done'. ice null: WebTorrent's own default rtcConfig
// (simple-peer's public STUN servers).
const WT_SCRIPT = `
import WebTorrent from '/webtorrent.min.js';
${BOX_SCRIPT}
async function run(torrentUrl, ice) {
  const r = { startAt: now(), wires: 0 };
  try {
    const bytes = new Uint8Array(await (await fetch(torrentUrl)).arrayBuffer());
    const client = new WebTorrent(ice === null ? {} : { tracker: { rtcConfig: { iceServers: ice } } });
    return await new Promise((resolve) => {
      const fail = (e) => resolve({ ...r, error: message(e) });
      client.on('error', fail);
      const t = client.add(bytes);
      t.on('error', fail);
      t.on('metadata', () => { r.metadataAt ??= now(); });
      t.on('wire', () => { r.firstWireAt ??= now(); r.wires++; });
      t.on('download', () => { r.firstByteAt ??= now(); });
      t.on('done', () => resolve({ ...r, doneAt: now(), downloaded: t.downloaded, length: t.length }));
    });
  } catch (e) {
    return { ...r, error: message(e) };
  }
}
globalThis.runWebTorrent = run;
if (q.get('id')) {
  await box.get('go-' + q.get('id'));
  await box.put('result-' + q.get('id'), await run(q.get('torrent'), JSON.parse(q.get('ice') ?? '[]')));
}
`;

// Answer the Node peer's offer (non-trickle; this page gathers no candidates in the namespace,
// the Node side's are enough), count bytes until ?bytes= arrived.
const RAW_SCRIPT = `
${BOX_SCRIPT}
const id = q.get('id');
const total = Number(q.get('bytes'));
await box.get('go-' + id);
const r = { startAt: now() };
try {
  const offer = await box.get('offer-' + id);
  const pc = new RTCPeerConnection({ iceServers: [] });
  const done = new Promise((resolve, reject) => {
    pc.ondatachannel = ({ channel }) => {
      channel.binaryType = 'arraybuffer';
      r.openAt = now();
      let got = 0;
      channel.onmessage = ({ data }) => {
        r.firstByteAt ??= now();
        got += data.byteLength;
        if (got >= total) resolve(got);
      };
      channel.onclose = () => reject(new Error('channel closed after ' + got + ' bytes'));
    };
  });
  await pc.setRemoteDescription(offer);
  await pc.setLocalDescription(await pc.createAnswer());
  await new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve();
    setTimeout(resolve, 5000);
  });
  await box.put('answer-' + id, { type: 'answer', sdp: pc.localDescription.sdp });
  r.received = await done;
  r.doneAt = now();
  pc.close();
} catch (e) {
  r.error = message(e);
}
await box.put('result-' + id, r);
`;

const html = (/** @type {string} */ script) =>
  '<!doctype html><html><head><meta charset="utf-8"><title>bench</title></head><body>' +
  `<script type="module">${script}</script></body></html>`;

/**
 * @returns {Promise<{
 *   origin: string,
 *   setTorrent(name: string, bytes: Uint8Array): void,
 *   linkPageUrl(name: string): string,
 *   torrentUrl(name: string): string,
 *   webTorrentPageUrl(o?: { name: string, id: string, ice: RTCIceServer[] | null }): string,
 *   rawPageUrl(o: { id: string, bytes: number }): string,
 *   waiting(key: string): Promise<void>,
 *   put(key: string, value: unknown): void,
 *   take(key: string): Promise<any>,
 *   close(): Promise<void>,
 * }>}
 */
export async function startSite() {
  const bundle = await readFile(BUNDLE);
  /** @type {Map<string, Uint8Array>} */
  const torrents = new Map();
  /** Values posted by pages, and the benchmark waiting for them. */
  const posted = /** @type {Map<string, unknown>} */ (new Map());
  const takers = /** @type {Map<string, (v: unknown) => void>} */ (new Map());
  /** Pages waiting for a value, the values put for them, and the benchmark waiting for pages. */
  const readers = /** @type {Map<string, import('node:http').ServerResponse>} */ (new Map());
  const values = /** @type {Map<string, unknown>} */ (new Map());
  const onReader = /** @type {Map<string, () => void>} */ (new Map());

  /** @param {import('node:http').ServerResponse} res @param {unknown} value */
  const sendJson = (res, value) => {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(value ?? null));
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const reply = (/** @type {number} */ status, /** @type {string} */ type, body) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (url.pathname === '/box') {
      const key = url.searchParams.get('key') ?? '';
      if (req.method === 'POST') {
        const chunks = /** @type {Buffer[]} */ ([]);
        req.on('data', (c) => chunks.push(c));
        req.on('end', () => {
          let value;
          try {
            value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch (err) {
            value = { error: `bad JSON from the page: ${err}` };
          }
          const take = takers.get(key);
          takers.delete(key);
          if (take) take(value);
          else posted.set(key, value);
          reply(204, 'text/plain', '');
        });
        return;
      }
      if (values.has(key)) {
        sendJson(res, values.get(key));
        values.delete(key);
        return;
      }
      readers.set(key, res);
      onReader.get(key)?.();
      onReader.delete(key);
      return;
    }
    const t = /^\/t\/([^/]+)\.torrent$/.exec(url.pathname);
    if (t) {
      const bytes = torrents.get(decodeURIComponent(t[1] ?? ''));
      if (!bytes) return reply(404, 'text/plain', 'no such torrent');
      return reply(200, 'application/x-bittorrent', bytes);
    }
    if (url.pathname === '/link.html') {
      const name = url.searchParams.get('t') ?? '';
      return reply(
        200,
        'text/html; charset=utf-8',
        '<!doctype html><html><head><meta charset="utf-8"><title>bench</title></head><body>' +
          `<a id="go" href="/t/${encodeURIComponent(name)}.torrent">${name}</a></body></html>`,
      );
    }
    if (url.pathname === '/wt.html') return reply(200, 'text/html; charset=utf-8', html(WT_SCRIPT));
    if (url.pathname === '/raw.html') {
      return reply(200, 'text/html; charset=utf-8', html(RAW_SCRIPT));
    }
    if (url.pathname === '/webtorrent.min.js') return reply(200, 'text/javascript', bundle);
    reply(404, 'text/plain', 'not found');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const origin = `http://127.0.0.1:${port}`;
  const torrentUrl = (/** @type {string} */ name) =>
    `${origin}/t/${encodeURIComponent(name)}.torrent`;
  return {
    origin,
    setTorrent: (name, bytes) => void torrents.set(name, bytes),
    linkPageUrl: (name) => `${origin}/link.html?t=${encodeURIComponent(name)}`,
    torrentUrl,
    webTorrentPageUrl(o) {
      if (!o) return `${origin}/wt.html`;
      const url = new URL('/wt.html', origin);
      url.searchParams.set('id', o.id);
      url.searchParams.set('torrent', torrentUrl(o.name));
      url.searchParams.set('ice', JSON.stringify(o.ice));
      return url.href;
    },
    rawPageUrl(o) {
      const url = new URL('/raw.html', origin);
      url.searchParams.set('id', o.id);
      url.searchParams.set('bytes', String(o.bytes));
      return url.href;
    },
    /** Resolves once a page waits for a value under `key`. */
    waiting(key) {
      if (readers.has(key)) return Promise.resolve();
      return new Promise((resolve) => onReader.set(key, () => resolve(undefined)));
    },
    put(key, value) {
      const res = readers.get(key);
      readers.delete(key);
      if (res) sendJson(res, value);
      else values.set(key, value);
    },
    take(key) {
      if (posted.has(key)) {
        const v = posted.get(key);
        posted.delete(key);
        return Promise.resolve(v);
      }
      return new Promise((resolve) => takers.set(key, resolve));
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve(undefined));
      }),
  };
}

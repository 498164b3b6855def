import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import parseTorrentLoose from 'parse-torrent';
import { startDemo, type Demo, type DemoFile, type DemoTorrent } from './server.mjs';

interface ParsedTorrent {
  infoHash: string;
  name: string;
  announce: string[];
  urlList: string[];
  pieceLength: number;
  pieces: string[];
  files: { path: string; length: number }[];
  xs?: string;
}

/** parse-torrent's declared type (lib/engine/fixtures) is looser than what these torrents hold. */
const parseTorrent = parseTorrentLoose as unknown as (
  id: string | Uint8Array,
) => Promise<ParsedTorrent>;

const MiB = 1024 * 1024;
let dataDir: string;
let demo: Demo;

beforeAll(async () => {
  dataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'swarmlink-demo-test-'));
  demo = await startDemo({ mib: 2, dataDir });
}, 60_000);

afterAll(async () => {
  await demo?.close();
  if (dataDir) await fsp.rm(dataDir, { recursive: true, force: true });
});

afterEach(() => {
  demo.setFault(null);
  demo.setRateLimit(0);
});

const sha256 = (bytes: Uint8Array) => crypto.createHash('sha256').update(bytes).digest('hex');
const allFiles = () => [...demo.torrents.single.files, ...demo.torrents.multi.files];
const singleFile = () => demo.torrents.single.files[0] as DemoFile;
const fileNamed = (suffix: string) => allFiles().find((f) => f.path.endsWith(suffix)) as DemoFile;

async function fetchBytes(url: string, init?: RequestInit) {
  const res = await fetch(url, init);
  return { res, body: Buffer.from(await res.arrayBuffer()) };
}

async function diskSlice(file: DemoFile, start: number, end: number) {
  return (await fsp.readFile(file.diskPath)).subarray(start, end + 1);
}

async function parseTorrentAt(url: string): Promise<ParsedTorrent> {
  const { body } = await fetchBytes(url);
  return parseTorrent(body);
}

describe('sample content', () => {
  it('serves every file with the bytes its sha256 describes', async () => {
    for (const file of allFiles()) {
      const { res, body } = await fetchBytes(file.url);
      expect(res.status, file.path).toBe(200);
      expect(body.length, file.path).toBe(file.length);
      expect(sha256(body), file.path).toBe(file.sha256);
      expect(sha256(await fsp.readFile(file.diskPath)), file.path).toBe(file.sha256);
    }
  });

  it('has the documented layout', () => {
    expect(demo.torrents.single.name).toBe('swarmlink-demo-2MiB.bin');
    expect(singleFile()).toMatchObject({ path: 'swarmlink-demo-2MiB.bin', length: 2 * MiB });
    expect(demo.torrents.multi.files.map((f) => f.path)).toEqual([
      'Demo Album/cover.jpg',
      'Demo Album/notes/empty.txt',
      'Demo Album/notes/readme.txt',
      'Demo Album/tracks/01 Intro.bin',
      'Demo Album/tracks/02 Ünïcode – Café.bin',
    ]);
    expect(fileNamed('empty.txt').length).toBe(0);
    const total = demo.torrents.multi.files.reduce((sum, f) => sum + f.length, 0);
    expect(Math.abs(total - 2 * MiB)).toBeLessThan(64 * 1024);
  });

  it('keeps the infohash and reuses the cache across restarts', async () => {
    const again = await startDemo({ mib: 2, dataDir });
    try {
      expect(again.url).not.toBe(demo.url);
      expect(again.torrents.single.infoHash).toBe(demo.torrents.single.infoHash);
      expect(again.torrents.multi.infoHash).toBe(demo.torrents.multi.infoHash);
      const parsed = await parseTorrentAt(again.torrents.single.torrentUrl);
      expect(parsed.infoHash).toBe(demo.torrents.single.infoHash);
      expect(parsed.announce).toEqual([again.trackerUrl]);
    } finally {
      await again.close();
    }
  });
});

describe('web seed ranges', () => {
  it('answers a closed range with 206 and Content-Range', async () => {
    const file = fileNamed('02 Ünïcode – Café.bin');
    const { res, body } = await fetchBytes(file.url, { headers: { Range: 'bytes=1000-70999' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes 1000-70999/${file.length}`);
    expect(res.headers.get('content-length')).toBe('70000');
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-expose-headers')).toMatch(/Content-Range/);
    expect(body.equals(await diskSlice(file, 1000, 70999))).toBe(true);
  });

  it('answers open-ended and suffix ranges, clamping the end', async () => {
    const file = singleFile();
    const open = await fetchBytes(file.url, { headers: { Range: `bytes=${file.length - 10}-` } });
    expect(open.res.status).toBe(206);
    expect(open.body.equals(await diskSlice(file, file.length - 10, file.length - 1))).toBe(true);
    const suffix = await fetchBytes(file.url, { headers: { Range: 'bytes=-5' } });
    expect(suffix.res.headers.get('content-range')).toBe(
      `bytes ${file.length - 5}-${file.length - 1}/${file.length}`,
    );
    const clamped = await fetchBytes(file.url, { headers: { Range: 'bytes=0-99999999' } });
    expect(clamped.res.status).toBe(206);
    expect(clamped.body.length).toBe(file.length);
  });

  it('answers 416 to an unsatisfiable range', async () => {
    const file = singleFile();
    const { res } = await fetchBytes(file.url, { headers: { Range: `bytes=${file.length}-` } });
    expect(res.status).toBe(416);
    expect(res.headers.get('content-range')).toBe(`bytes */${file.length}`);
  });

  it('answers HEAD with the length and no body', async () => {
    const file = singleFile();
    const { res, body } = await fetchBytes(file.url, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(file.length));
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(body.length).toBe(0);
  });

  it('serves the empty file, and 404 for unknown paths', async () => {
    const empty = await fetchBytes(fileNamed('empty.txt').url);
    expect(empty.res.status).toBe(200);
    expect(empty.body.length).toBe(0);
    const missing = await fetch(`${demo.url}/seed/Demo%20Album/nope.bin`);
    expect(missing.status).toBe(404);
    const escape = await fetch(`${demo.url}/seed/..%2F..%2Fpackage.json`);
    expect(escape.status).toBe(404);
  });

  it('counts seed bytes and requests', async () => {
    demo.resetStats();
    await fetchBytes(singleFile().url, { headers: { Range: 'bytes=0-999' } });
    expect(demo.stats()).toMatchObject({
      seedBytes: 1000,
      seedBytesRequested: 1000,
      seedRequests: 1,
    });
  });
});

describe('rate limit', () => {
  it('slows /seed/ responses down to about the limit', async () => {
    demo.setRateLimit(2 * MiB);
    const started = performance.now();
    const { body } = await fetchBytes(singleFile().url, {
      headers: { Range: `bytes=0-${MiB - 1}` },
    });
    const seconds = (performance.now() - started) / 1000;
    expect(body.length).toBe(MiB);
    expect(seconds).toBeGreaterThanOrEqual(0.4);
  });

  it('can be lifted while a response is in flight', async () => {
    demo.setRateLimit(64 * 1024);
    const started = performance.now();
    const pending = fetchBytes(singleFile().url);
    setTimeout(() => demo.setRateLimit(0), 200);
    const { body } = await pending;
    expect(body.length).toBe(2 * MiB);
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});

describe('fault injection', () => {
  it('answers a chosen status only for matching paths', async () => {
    demo.setFault({ match: 'Intro', status: 404 });
    expect((await fetch(fileNamed('01 Intro.bin').url)).status).toBe(404);
    expect((await fetch(fileNamed('cover.jpg').url)).status).toBe(200);
    demo.setFault({ status: 503 });
    expect((await fetch(singleFile().url)).status).toBe(503);
  });

  it('ignores Range with noRange', async () => {
    demo.setFault({ noRange: true });
    const file = singleFile();
    const { res, body } = await fetchBytes(file.url, { headers: { Range: 'bytes=0-99' } });
    expect(res.status).toBe(200);
    expect(body.length).toBe(file.length);
  });

  it('corrupts the body with corrupt, keeping its length', async () => {
    demo.setFault({ corrupt: true });
    const file = singleFile();
    const { res, body } = await fetchBytes(file.url, { headers: { Range: 'bytes=5000-9999' } });
    expect(res.status).toBe(206);
    expect(body.length).toBe(5000);
    expect(body.equals(await diskSlice(file, 5000, 9999))).toBe(false);
  });

  it('drops the connection after dropAfterBytes', async () => {
    demo.setFault({ dropAfterBytes: 100_000 });
    demo.resetStats();
    const res = await fetch(singleFile().url);
    expect(res.status).toBe(200);
    await expect(res.arrayBuffer()).rejects.toThrow();
    expect(demo.stats().seedBytes).toBe(100_000);
  });
});

describe('torrents', () => {
  async function expectPiecesMatchDisk(parsed: ParsedTorrent, torrent: DemoTorrent) {
    const all = Buffer.concat(
      await Promise.all(torrent.files.map((f) => fsp.readFile(f.diskPath))),
    );
    expect(parsed.pieces.length).toBe(Math.ceil(all.length / parsed.pieceLength));
    parsed.pieces.forEach((hash, i) => {
      const piece = all.subarray(i * parsed.pieceLength, (i + 1) * parsed.pieceLength);
      expect(crypto.createHash('sha1').update(piece).digest('hex'), `piece ${i}`).toBe(hash);
    });
  }

  it('describes the single file', async () => {
    const { single } = demo.torrents;
    const parsed = await parseTorrentAt(single.torrentUrl);
    expect(parsed.infoHash).toBe(single.infoHash);
    expect(parsed.name).toBe(single.name);
    expect(parsed.announce).toEqual([demo.trackerUrl]);
    expect(parsed.urlList).toEqual([`${demo.url}/seed/`]);
    expect(parsed.pieceLength).toBe(256 * 1024);
    expect(parsed.files.map((f) => [f.path, f.length])).toEqual([[single.name, 2 * MiB]]);
    await expectPiecesMatchDisk(parsed, single);
  });

  it('describes the multi-file folder, with pieces spanning files', async () => {
    const { multi } = demo.torrents;
    const parsed = await parseTorrentAt(multi.torrentUrl);
    expect(parsed.infoHash).toBe(multi.infoHash);
    expect(parsed.name).toBe('Demo Album');
    expect(parsed.urlList).toEqual([demo.webSeedUrl]);
    expect(parsed.files.map((f) => [f.path.split(path.sep).join('/'), f.length])).toEqual(
      multi.files.map((f) => [f.path, f.length]),
    );
    expect(fileNamed('cover.jpg').length % parsed.pieceLength).not.toBe(0);
    await expectPiecesMatchDisk(parsed, multi);
  });

  it('serves .torrent files as application/x-bittorrent and counts them', async () => {
    demo.resetStats();
    const res = await fetch(demo.torrents.multi.torrentUrl);
    expect(res.headers.get('content-type')).toBe('application/x-bittorrent');
    expect(new URL(demo.torrents.multi.torrentUrl).pathname).toMatch(/^\/torrents\/.+\.torrent$/);
    expect(demo.stats().torrentRequests).toBe(1);
  });

  it('serves the REST-style URL as an attachment', async () => {
    const { single } = demo.torrents;
    expect(single.restUrl).not.toMatch(/\.torrent/);
    const { res, body } = await fetchBytes(single.restUrl);
    expect(res.headers.get('content-type')).toBe('application/x-bittorrent');
    expect(res.headers.get('content-disposition')).toContain(
      `attachment; filename="${single.name}.torrent"`,
    );
    const parsed: ParsedTorrent = await parseTorrent(body);
    expect(parsed.infoHash).toBe(single.infoHash);
  });

  it('gives magnets with tracker, web seed and torrent URL', async () => {
    const { multi } = demo.torrents;
    const parsed: ParsedTorrent = await parseTorrent(multi.magnetUri);
    expect(parsed).toMatchObject({
      infoHash: multi.infoHash,
      name: multi.name,
      announce: [demo.trackerUrl],
      urlList: [demo.webSeedUrl],
      xs: multi.torrentUrl,
    });
  });

  it('serves a broken torrent that does not parse', async () => {
    const { res, body } = await fetchBytes(demo.brokenTorrentUrl);
    expect(res.status).toBe(200);
    expect(demo.brokenTorrentUrl).toMatch(/\.torrent$/);
    await expect(Promise.resolve().then(() => parseTorrent(body))).rejects.toThrow();
  });
});

describe('blog page', () => {
  it('links every kind of download by id', async () => {
    for (const url of [demo.url + '/', demo.blogUrl]) {
      const res = await fetch(url);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await res.text();
      const href = (id: string) =>
        new RegExp(`id="${id}" href="([^"]*)"`).exec(html)?.[1]?.replace(/&#38;/g, '&');
      expect(html).toMatch(/<h1>[^<]+<\/h1>/);
      expect(href('link-single')).toBe(demo.torrents.single.torrentUrl);
      expect(href('link-multi')).toBe(demo.torrents.multi.torrentUrl);
      expect(href('link-rest')).toBe(demo.torrents.single.restUrl);
      expect(href('link-magnet')).toBe(demo.torrents.single.magnetUri);
      expect(href('link-broken')).toBe(demo.brokenTorrentUrl);
      expect(href('link-direct')).toBe(singleFile().url);
    }
  });
});

describe('live figures', () => {
  it('serves /stats.json: seed bytes, rate limit, and no peer unless asked for one', async () => {
    demo.setRateLimit(3 * MiB);
    demo.resetStats();
    await fetchBytes(singleFile().url, { headers: { Range: 'bytes=0-99' } });
    const res = await fetch(`${demo.url}/stats.json`);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ seedBytes: 100, rateLimit: 3 * MiB, peer: null });
    expect(demo.peer).toBeUndefined();
  });

  it('without a peer, the blog page names no other peer than other readers', async () => {
    const html = await (await fetch(demo.blogUrl)).text();
    expect(html).toContain('id="server-stats"');
    expect(html).toContain('/stats.json');
    expect(html).toMatch(/The other peers are whoever else opens a\s+torrent from this page/);
    expect(html).not.toContain('WebTorrent client');
  });
});

describe('tracker', () => {
  it('accepts a WebSocket connection and answers an announce', async () => {
    const socket = await openWebSocket(demo.trackerUrl);
    try {
      const infoHash = Buffer.from(demo.torrents.single.infoHash, 'hex').toString('latin1');
      const announce = {
        action: 'announce',
        info_hash: infoHash,
        peer_id: '-SL0001-' + 'x'.repeat(12),
        uploaded: 0,
        downloaded: 0,
        left: 0,
        event: 'started',
        numwant: 0,
        offers: [],
      };
      const reply = readTextFrame(socket);
      socket.write(maskedTextFrame(JSON.stringify(announce)));
      const answer = JSON.parse(await reply);
      expect(answer).toMatchObject({ action: 'announce', info_hash: infoHash, complete: 1 });
    } finally {
      socket.destroy();
    }
  });

  it('closes while a client is still connected', async () => {
    const other = await startDemo({ mib: 2, dataDir });
    const socket = await openWebSocket(other.trackerUrl);
    const closed = new Promise((resolve) => socket.once('close', resolve));
    await other.close();
    await closed;
    await expect(fetch(other.blogUrl)).rejects.toThrow();
  });
});

// A minimal WebSocket client: Node 20 has no global WebSocket, and `ws` is not a direct dependency.
function openWebSocket(url: string): Promise<net.Socket> {
  const { hostname, port } = new URL(url);
  const key = crypto.randomBytes(16).toString('base64');
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: hostname,
      port,
      path: '/',
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': key,
      },
    });
    req.on('upgrade', (res, socket) => {
      const accept = crypto
        .createHash('sha1')
        .update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11')
        .digest('base64');
      if (res.headers['sec-websocket-accept'] !== accept) reject(new Error('bad accept header'));
      else resolve(socket);
    });
    req.on('response', (res) => reject(new Error(`no upgrade: HTTP ${res.statusCode}`)));
    req.on('error', reject);
    req.end();
  });
}

function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const mask = crypto.randomBytes(4);
  const length =
    payload.length < 126
      ? Buffer.from([0x80 | payload.length])
      : Buffer.from([0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  const masked = payload.map((byte, i) => byte ^ (mask[i % 4] as number));
  return Buffer.concat([Buffer.from([0x81]), length, mask, masked]);
}

function readTextFrame(socket: net.Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < 2) return;
      const short = (buffered[1] as number) & 0x7f;
      const headerLength = short === 126 ? 4 : short === 127 ? 10 : 2;
      if (buffered.length < headerLength) return;
      const length =
        short === 126
          ? buffered.readUInt16BE(2)
          : short === 127
            ? Number(buffered.readBigUInt64BE(2))
            : short;
      if (buffered.length < headerLength + length) return;
      socket.off('data', onData);
      resolve(buffered.subarray(headerLength, headerLength + length).toString('utf8'));
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

/**
 * The extension sharing with a real WebTorrent client in Node over WebRTC, through a local
 * tracker, with no web seed: the torrent's only source is the other peer. In every browser
 * (drivers/): Chromium's engine in its offscreen document, Firefox's in its background page.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type WebTorrent from 'webtorrent';
import type { Torrent as WtTorrent } from 'webtorrent';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  destroyWebTorrent,
  startTracker,
  webTorrent,
  wtStore,
  type LocalTracker,
} from '../fixtures/swarm.ts';
import { content, sha1 } from '../fixtures/torrents.ts';
import { waitForFile } from './harness.ts';
import { DRIVERS, type E2EBrowser } from './drivers/index.ts';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

let tracker: LocalTracker;
let site: {
  server: Server;
  origin: string;
  files: Map<string, { type: string; body: Uint8Array }>;
};
const peers: WebTorrent[] = [];

beforeAll(async () => {
  tracker = await startTracker();
  const files = new Map<string, { type: string; body: Uint8Array }>();
  const server = createServer((req, res) => {
    const f = files.get(req.url ?? '');
    if (!f) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': f.type, 'content-length': f.body.byteLength });
    res.end(f.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  site = { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, files };
});

afterAll(async () => {
  await new Promise((resolve) => site?.server.close(resolve));
  await tracker?.close();
});

function peer(): WebTorrent {
  const p = webTorrent();
  peers.push(p);
  return p;
}

function seed(data: Uint8Array, name: string): Promise<WtTorrent> {
  return new Promise((resolve) =>
    peer().seed(
      Buffer.from(data),
      { ...wtStore, announce: [tracker.url], name, pieceLength: 64 * 1024 },
      resolve,
    ),
  );
}

/** A page with one link; the reader clicks it. */
async function clickLink(b: E2EBrowser, href: string): Promise<void> {
  site.files.set('/page.html', {
    type: 'text/html',
    body: new TextEncoder().encode(`<!doctype html><a id="go" href="${href}">get it</a>`),
  });
  const page = await b.openPage(`${site.origin}/page.html`);
  await page.click('#go');
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

async function expectSaved(b: E2EBrowser, name: string, data: Uint8Array): Promise<void> {
  const path = join(b.downloadDir, name);
  await waitForFile(path, data.byteLength, 120_000);
  expect(sha256(await readFile(path))).toBe(sha256(data));
}

for (const driver of DRIVERS) {
  describe(`${driver.name}: the extension and a WebTorrent peer in Node (WebRTC only, no web seed)`, () => {
    let b: E2EBrowser;
    beforeEach(async () => {
      b = await driver.launch();
    });
    afterEach(async () => {
      await b?.close();
      for (const p of peers.splice(0)) await destroyWebTorrent(p);
    });

    it('downloads from a WebTorrent seeder; then a WebTorrent leecher downloads from the extension', async () => {
      const data = content(3 * 1024 * 1024 + 999, 71);
      const seeded = await seed(data, 'peer-only.bin');
      const torrentFile = new Uint8Array(seeded.torrentFile);
      site.files.set('/peer-only.torrent', { type: 'application/x-bittorrent', body: torrentFile });
      await clickLink(b, `${site.origin}/peer-only.torrent`);
      await expectSaved(b, 'peer-only.bin', data);

      // The seeder leaves; a new reader can only get the bytes from the extension.
      await destroyWebTorrent(peers.shift()!);
      const leecher = peer();
      const got = await new Promise<WtTorrent>((resolve) => {
        const t = leecher.add(torrentFile, { ...wtStore, announce: [tracker.url] });
        t.on('done', () => resolve(t));
      });
      const bytes = new Uint8Array(await got.files[0]!.arrayBuffer());
      expect(sha1(bytes).equals(sha1(data))).toBe(true);
    });

    it('a magnet link whose only source is a WebRTC peer: metadata and data from the peer', async () => {
      const data = content(1024 * 1024 + 17, 72);
      const seeded = await seed(data, 'magnet-only.bin');
      await clickLink(
        b,
        `magnet:?xt=urn:btih:${seeded.infoHash}&dn=magnet-only.bin&tr=${encodeURIComponent(tracker.url)}`,
      );
      await expectSaved(b, 'magnet-only.bin', data);
    });
  });
}

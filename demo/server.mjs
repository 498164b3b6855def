// The demo "torrent-enabled web server": a blog page linking torrents, a BEP 19 web seed and a
// WebSocket tracker, all on 127.0.0.1. Used by `npm start` and the end-to-end tests.
//
// Pieces: content.mjs (sample files and their cached piece hashes), torrents.mjs (.torrent files
// and magnets), http.mjs (routes, web seed, fault injection), rate-limit.mjs (the web seed's token
// bucket), tracker.mjs (WebSocket tracker), blog.mjs (the blog page), peer.mjs (the optional
// WebTorrent peer that seeds the sample files). Types: server.d.mts.
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { blogHtml } from './blog.mjs';
import { contentDirFor, contentSpecs, prepareContent } from './content.mjs';
import {
  MEMBERS_LOGIN_PATH,
  MEMBERS_TORRENT_PATH,
  LOGIN_PAGE_TORRENT_PATH,
  buildRoutes,
  createRequestHandler,
  listen,
} from './http.mjs';
import { startSeeder } from './peer.mjs';
import { createTokenBucket } from './rate-limit.mjs';
import { buildTorrent } from './torrents.mjs';
import { startTracker } from './tracker.mjs';

/**
 * @typedef {import('./server.mjs').DemoFault} Fault
 * @typedef {import('./server.mjs').DemoStats} DemoStats
 * @typedef {import('./http.mjs').Routes} Routes
 */

/**
 * Starts the blog page, web seed and tracker on 127.0.0.1.
 * @param {import('./server.mjs').DemoOptions} [opts]
 */
export async function startDemo(opts = {}) {
  const mib = opts.mib ?? 4;
  if (!(mib > 0)) throw new Error(`startDemo: mib must be positive, got ${mib}`);
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log ?? (() => {});
  const contentDir = contentDirFor(opts.dataDir);

  const specs = contentSpecs(mib);
  const prepared = {
    single: await prepareContent(specs.single, contentDir, log, opts.pieceLength),
    multi: await prepareContent(specs.multi, contentDir, log, opts.pieceLength),
  };

  /** @type {DemoStats} */
  const stats = { seedBytes: 0, seedBytesRequested: 0, seedRequests: 0, torrentRequests: 0 };
  const bucket = createTokenBucket(opts.rateLimit ?? 0);
  /** @type {Fault | null} */
  let fault = null;
  /** @type {Routes | undefined} */
  let routes;
  /** @type {Awaited<ReturnType<typeof startSeeder>> | undefined} */
  let peer;
  const live = () => ({
    seedBytes: stats.seedBytes,
    rateLimit: bucket.rate,
    peer: peer ? peer.stats() : null,
  });

  const server = http.createServer(
    createRequestHandler({ routes: () => routes, bucket, getFault: () => fault, stats, live }),
  );
  const port = await listen(server, opts.port ?? 0, host);
  const origin = `http://${host}:${port}`;
  let tracker;
  try {
    tracker = await startTracker(host, log);
  } catch (err) {
    server.closeAllConnections();
    server.close();
    throw err;
  }

  const where = { origin, trackerUrl: tracker.url };
  const single = buildTorrent(prepared.single, where);
  const multi = buildTorrent(prepared.multi, where);
  const torrents = { single: single.demoTorrent, multi: multi.demoTorrent };
  const brokenTorrentUrl = `${origin}/torrents/broken.torrent`;
  if (opts.peer) {
    log('starting the demo peer (WebTorrent in Node), checking the sample files');
    try {
      peer = await startSeeder(
        [
          { bytes: single.bytes, dir: prepared.single.dir },
          { bytes: multi.bytes, dir: prepared.multi.dir },
        ],
        log,
      );
    } catch (err) {
      server.closeAllConnections();
      server.close();
      await tracker.close();
      throw err;
    }
  }
  routes = buildRoutes({
    torrents,
    bytes: { single: single.bytes, multi: multi.bytes },
    brokenTorrentUrl,
    html: blogHtml(torrents, brokenTorrentUrl, { peer: !!peer }),
  });

  let closed;
  return {
    url: origin,
    blogUrl: `${origin}/blog`,
    trackerUrl: tracker.url,
    webSeedUrl: `${origin}/seed/`,
    torrents,
    brokenTorrentUrl,
    membersTorrentUrl: origin + MEMBERS_TORRENT_PATH,
    loginPageTorrentUrl: origin + LOGIN_PAGE_TORRENT_PATH,
    membersLoginUrl: origin + MEMBERS_LOGIN_PATH,
    /** @param {number} bytesPerSecond */
    setRateLimit: (bytesPerSecond) => bucket.setRate(bytesPerSecond),
    /** @param {Fault | null} next */
    setFault: (next) => {
      fault = next ? { ...next } : null;
    },
    stats: () => ({ ...stats }),
    ...(peer ? { peer: { stats: peer.stats } } : {}),
    resetStats: () => {
      stats.seedBytes = 0;
      stats.seedBytesRequested = 0;
      stats.seedRequests = 0;
      stats.torrentRequests = 0;
    },
    close() {
      closed ??= (async () => {
        await peer?.close();
        bucket.close();
        server.closeAllConnections();
        await Promise.all([
          new Promise((resolve) => server.close(() => resolve(undefined))),
          tracker.close(),
        ]);
      })();
      return closed;
    },
  };
}

/** @param {Awaited<ReturnType<typeof startDemo>>} demo */
export function describeDemo(demo) {
  return [
    `Blog page:  ${demo.blogUrl}`,
    `Tracker:    ${demo.trackerUrl}`,
    `Web seed:   ${demo.webSeedUrl}`,
    `Torrents:   ${demo.torrents.single.torrentUrl}`,
    `            ${demo.torrents.multi.torrentUrl}`,
    ...(demo.peer
      ? ['Peer:       WebTorrent in Node, seeding both torrents through the tracker']
      : []),
  ].join('\n');
}

async function main() {
  const demo = await startDemo({
    mib: process.env.DEMO_MIB ? Number(process.env.DEMO_MIB) : undefined,
    port: process.env.PORT ? Number(process.env.PORT) : undefined,
    log: (m) => console.log(m),
  });
  console.log(describeDemo(demo));
  console.log('Press Ctrl-C to stop.');
  const stop = () => {
    void demo.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

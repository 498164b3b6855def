// One more peer for the demo: a real WebTorrent client in Node that seeds the demo's torrents
// from the demo's own sample files, as a reader who downloaded them earlier and stayed to share
// would. It announces to the demo's tracker only, so a browser that clicks a torrent link finds
// it there and gets pieces from it over WebRTC. Used by `npm start` (startDemo({ peer: true })).
//
// WebTorrent as shared/e2e-recipe.md runs it in Node: WebRTC from @roamhq/wrtc (through the
// webrtc-polyfill override in package.json), no DHT, LSD, uTP or port mapping, no STUN server
// (every peer is on this machine). Its web seeds are off: it has every piece and never asks the
// server for any.

import { clearTimeout, setImmediate, setTimeout } from 'node:timers';

/**
 * @typedef {{ bytes: Uint8Array, dir: string }} SeedInput the .torrent, and the folder that
 *   holds `<torrent name>` (a file, or a folder of files) as WebTorrent's `path`
 * @typedef {import('./server.mjs').DemoPeerStats} DemoPeerStats
 */

/** How long WebTorrent may take to check the files against the piece hashes. */
const READY_TIMEOUT_MS = 120_000;

/**
 * Starts the WebTorrent client and seeds every input; resolves once each torrent's files were
 * checked against its piece hashes (WebTorrent verifies existing data on add).
 * @param {SeedInput[]} inputs
 * @param {(message: string) => void} log
 */
export async function startSeeder(inputs, log) {
  // Imported here: only `npm start` runs a peer, and webtorrent takes a while to load.
  const { default: WebTorrent } = await import('webtorrent');
  const client = new WebTorrent({
    dht: false,
    lsd: false,
    utp: false,
    natUpnp: false,
    natPmp: false,
    webSeeds: false,
    tracker: { rtcConfig: { iceServers: [] } },
  });
  client.on('error', (/** @type {Error} */ err) => log(`demo peer error: ${err.message}`));
  /** @type {any[]} */
  const torrents = [];
  try {
    for (const { bytes, dir } of inputs) torrents.push(await seedOne(client, bytes, dir, log));
  } catch (err) {
    await destroy(client);
    throw err;
  }

  let closed;
  return {
    /** @returns {DemoPeerStats} */
    stats: () => ({
      uploadedBytes: torrents.reduce((sum, t) => sum + t.uploaded, 0),
      connections: torrents.reduce((sum, t) => sum + t.numPeers, 0),
    }),
    close() {
      closed ??= destroy(client);
      return closed;
    },
  };
}

/** @param {any} client @param {Uint8Array} bytes @param {string} dir @param {(m: string) => void} log */
function seedOne(client, bytes, dir, log) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the demo peer did not get ready in ${READY_TIMEOUT_MS / 1000} s`)),
      READY_TIMEOUT_MS,
    );
    const torrent = client.add(Buffer.from(bytes), { path: dir });
    torrent.once('error', (/** @type {Error} */ err) => {
      clearTimeout(timer);
      reject(err);
    });
    torrent.once('ready', () => {
      clearTimeout(timer);
      // WebTorrent checks `done` right after 'ready'. Every piece on disk was verified: a sample
      // file that changed would leave pieces missing here.
      setImmediate(() => {
        if (!torrent.done) {
          const have = Math.floor(torrent.progress * 100);
          log(`demo peer: ${torrent.name} has only ${have}% of its pieces on disk`);
        }
        torrent.on('wire', () => log(`demo peer: a reader connected for ${torrent.name}`));
        resolve(torrent);
      });
    });
  });
}

/** @param {any} client @returns {Promise<void>} */
function destroy(client) {
  if (client.destroyed) return Promise.resolve();
  return new Promise((resolve) => client.destroy(() => resolve(undefined)));
}

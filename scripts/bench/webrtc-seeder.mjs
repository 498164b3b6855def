// Child process of the WebRTC benchmark (webrtc.mjs): a local WebSocket tracker and real
// WebTorrent 3 seeders in Node (@roamhq/wrtc, memory store: the test settings of
// tests/fixtures/swarm.ts), or one bare data channel, kept out of the benchmark's own event
// loop. Talks over IPC:
//   → { type: 'seed', mib, seeders, pieceLength, name, salt, kind? }  kind 'swarmlink': one
//     Swarmlink engine seeds instead (it got the data from a WebTorrent seeder that then left)
//   ← { type: 'seeded', torrentFile (base64), infoHash, length, sha256, setupMs }
//   ← { type: 'wire', at, wires, seeder, seedersReached }   a downloader connected to a seeder
//   ← { type: 'uploaded', at, bytes }        every 1/8 of the file and when all of it went out
//   ← { type: 'tracker-socket', at }         a WebSocket connected to the tracker
//   ← { type: 'announce', at, offers }       a first announce reached the tracker
//   → { type: 'raw-offer', bytes, messageBytes, highWaterBytes, pollMs }  ← { type: 'raw-offer', offer }
//   → { type: 'raw-answer', answer }  ← { type: 'raw-answered' }, then 'wire' and 'uploaded'
//   → { type: 'unseed' }  ← { type: 'unseeded', uploaded, uploadedBySeeder, wires, seedersReached }
//   → { type: 'close' }
// `at`: performance.timeOrigin + performance.now() (ms since the epoch, comparable across
// processes on this machine). A fresh salt gives fresh bytes, so a fresh infohash.
import { createCipheriv, createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'node:timers';
import { once } from 'node:events';
import wrtc from '@roamhq/wrtc';
import { Server } from 'bittorrent-tracker';
import { importTs } from './ts.mjs';

const { destroyWebTorrent, engine, until, webTorrent, wtStore } =
  await importTs('tests/fixtures/swarm.ts');

const send = (/** @type {object} */ msg) => process.send?.(msg);
const now = () => performance.timeOrigin + performance.now();

/** Deterministic, incompressible bytes: AES-128-CTR keystream keyed by the salt. */
function content(bytes, salt) {
  const key = createHash('sha256').update(`swarmlink-bench-${salt}`).digest().subarray(0, 16);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(Buffer.alloc(bytes)), cipher.final()]);
}

/**
 * The WebSocket tracker (as tests/fixtures/swarm.ts starts it), telling of each socket that
 * connects and each first announce (event 'started'): the seeders' come before a measurement
 * starts, so the first ones after are the downloader's.
 */
async function startTracker() {
  const server = new Server({ udp: false, http: false, ws: true, stats: false });
  server.on('warning', () => {});
  server.on('start', (/** @type {string} */ _addr, /** @type {any} */ params) =>
    send({ type: 'announce', at: now(), offers: params?.offers?.length ?? 0 }),
  );
  server.ws.on('connection', () => send({ type: 'tracker-socket', at: now() }));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `ws://127.0.0.1:${server.http.address().port}`,
    close: () => new Promise((resolve) => server.close(() => resolve(undefined))),
  };
}

const tracker = await startTracker();
/** @type {any[]} */
let clients = [];
/** @type {any[]} */
let torrents = [];

/**
 * @param {{ mib: number, seeders: number, pieceLength: number, name: string, salt: string, kind?: 'webtorrent' | 'swarmlink' }} o
 */
async function seed(o) {
  if (o.kind === 'swarmlink') return seedWithSwarmlink(o);
  const t0 = performance.now();
  const data = content(Math.round(o.mib * 1024 * 1024), o.salt);
  clients = Array.from({ length: o.seeders }, () => webTorrent());
  // Each seeder hashes the data itself (≈ 0.3 s per 128 MiB); same bytes, same infohash.
  // Each announces to the same tracker under its own URL: bittorrent-tracker's client shares
  // one socket per URL within a process, and every WebTorrent client of the infohash on that
  // socket answers every offer relayed to it. Two answers to one offer: the offerer takes the
  // first, the second answerer's ICE checks reach it too, and the connection fails (seen:
  // Swarmlink got no peer from 8 such seeders for 115 s). The downloaders' .torrent is the
  // first seeder's, with the plain URL.
  for (const [i, c] of clients.entries()) {
    const announce = [i === 0 ? tracker.url : `${tracker.url}/?seeder=${i}`];
    const opts = { ...wtStore, announce, name: o.name, pieceLength: o.pieceLength };
    torrents.push(await new Promise((resolve) => c.seed(data, opts, resolve)));
  }
  const first = torrents[0];
  let uploaded = 0;
  const uploadedBySeeder = torrents.map(() => 0);
  let wires = 0;
  let next = data.length / 8;
  // Seeders find each other through the tracker too: only wires to someone else count.
  const own = new Set(clients.map((c) => c.peerId));
  /** @type {Set<number>} */
  const reached = new Set();
  torrents.forEach((t, i) => {
    t.on('wire', (/** @type {{ peerId?: string }} */ wire) => {
      if (wire.peerId && own.has(wire.peerId)) return;
      reached.add(i);
      send({ type: 'wire', at: now(), wires: ++wires, seeder: i, seedersReached: reached.size });
    });
    t.on('upload', (/** @type {number} */ n) => {
      uploaded += n;
      uploadedBySeeder[i] += n;
      if (uploaded < next) return;
      send({ type: 'uploaded', at: now(), bytes: uploaded });
      next = next >= data.length ? Infinity : Math.min(next + data.length / 8, data.length);
    });
  });
  return {
    type: 'seeded',
    torrentFile: Buffer.from(first.torrentFile).toString('base64'),
    infoHash: first.infoHash,
    length: data.length,
    sha256: createHash('sha256').update(data).digest('hex'),
    trackerUrl: tracker.url,
    setupMs: performance.now() - t0,
    stats: () => ({ uploaded, uploadedBySeeder, wires, seedersReached: reached.size }),
  };
}

/** A Swarmlink engine seeding, and what stops it. @type {(() => Promise<void>) | null} */
let stopEngine = null;

/**
 * One Swarmlink engine in Node as the seeder (its transport polls bufferedAmount every 5 ms
 * where simple-peer, on @roamhq/wrtc, polls every 150 ms). It gets the data the way a peer
 * does: from a WebTorrent seeder, which then leaves.
 * @param {{ mib: number, pieceLength: number, name: string, salt: string }} o
 */
async function seedWithSwarmlink(o) {
  const t0 = performance.now();
  const data = content(Math.round(o.mib * 1024 * 1024), o.salt);
  const wt = webTorrent();
  clients = [wt];
  const opts = { ...wtStore, announce: [tracker.url], name: o.name, pieceLength: o.pieceLength };
  const made = await new Promise((resolve) => wt.seed(data, opts, resolve));
  const { client } = engine(Math.floor(Math.random() * 2 ** 31), {
    seedLimits: { ratio: 1e6, timeMs: 1e10 },
  });
  const t = client.add({ kind: 'file', bytes: new Uint8Array(made.torrentFile) });
  await until(client, () => t.state === 'seeding', 110_000, 'the Swarmlink seeder');
  await destroyWebTorrent(wt);
  clients = [];
  await until(client, () => t.view().peers === 0, 10_000, 'the WebTorrent seeder to leave');
  // Its downloaders: the torrent's peer count (after the WebTorrent seeder left) and upload.
  const base = t.view().uploadedBytes;
  let wires = 0;
  let next = data.length / 8;
  const poll = setInterval(() => {
    const v = t.view();
    if (v.peers > wires) {
      wires = v.peers;
      send({ type: 'wire', at: now(), wires, seeder: 0, seedersReached: 1 });
    }
    const up = v.uploadedBytes - base;
    if (up >= next) {
      send({ type: 'uploaded', at: now(), bytes: up });
      next = next >= data.length ? Infinity : Math.min(next + data.length / 8, data.length);
    }
  }, 5);
  stopEngine = async () => {
    clearInterval(poll);
    await client.destroy();
  };
  return {
    type: 'seeded',
    torrentFile: Buffer.from(made.torrentFile).toString('base64'),
    infoHash: made.infoHash,
    length: data.length,
    sha256: createHash('sha256').update(data).digest('hex'),
    trackerUrl: tracker.url,
    setupMs: performance.now() - t0,
    stats: () => ({
      uploaded: t.view().uploadedBytes - base,
      uploadedBySeeder: [t.view().uploadedBytes - base],
      wires,
      seedersReached: wires ? 1 : 0,
    }),
  };
}

/** @type {Awaited<ReturnType<typeof seed>> | null} */
let current = null;
/** @type {any} */
let rawPc = null;

/**
 * A bare data channel to a page (the transport's ceiling, without BitTorrent on either side):
 * makes the offer (non-trickle), and once answered and open sends `bytes` in messages of
 * `messageBytes` while the channel's bufferedAmount is below `highWaterBytes`, looking again
 * every `pollMs` (@roamhq/wrtc has no bufferedamountlow event). Reports the open
 * channel as a 'wire' and progress as 'uploaded', like the seeders.
 * @param {{ bytes: number, messageBytes: number, highWaterBytes: number, pollMs: number }} o
 */
async function rawOffer(o) {
  const pc = new wrtc.RTCPeerConnection({ iceServers: [] });
  rawPc = pc;
  const channel = pc.createDataChannel('raw', {});
  channel.binaryType = 'arraybuffer';
  const chunk = new Uint8Array(content(o.messageBytes, 'raw'));
  channel.onopen = () => {
    send({ type: 'wire', at: now(), wires: 1, seeder: 0, seedersReached: 1 });
    let sent = 0;
    let next = o.bytes / 8;
    const pump = () => {
      if (pc !== rawPc || channel.readyState !== 'open') return;
      while (sent < o.bytes && channel.bufferedAmount < o.highWaterBytes) {
        const n = Math.min(o.messageBytes, o.bytes - sent);
        channel.send(n === chunk.length ? chunk : chunk.subarray(0, n));
        sent += n;
        if (sent >= next) {
          send({ type: 'uploaded', at: now(), bytes: sent });
          next = next >= o.bytes ? Infinity : Math.min(next + o.bytes / 8, o.bytes);
        }
      }
      // @roamhq/wrtc has no bufferedamountlow event: poll.
      if (sent < o.bytes) setTimeout(pump, o.pollMs);
    };
    pump();
  };
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, 5000);
    const check = () => {
      if (pc.iceGatheringState !== 'complete') return;
      clearTimeout(timer);
      resolve(undefined);
    };
    pc.onicegatheringstatechange = check;
    check();
  });
  return { type: 'raw-offer', offer: { type: 'offer', sdp: pc.localDescription.sdp } };
}

/** Stops every seeder (and the raw channel); what they did, even if stopping one fails. */
async function unseed() {
  const stats = current?.stats() ?? {};
  const stops = [
    async () => rawPc?.close(),
    async () => stopEngine?.(),
    ...clients.map((c) => () => destroyWebTorrent(c)),
  ];
  rawPc = null;
  stopEngine = null;
  clients = [];
  torrents = [];
  current = null;
  /** @type {string[]} */
  const errors = [];
  for (const stop of stops) {
    await stop().catch((/** @type {unknown} */ err) => errors.push(String(err)));
  }
  return errors.length ? { ...stats, stopErrors: errors } : stats;
}

process.on('message', async (/** @type {any} */ msg) => {
  try {
    if (msg.type === 'seed') {
      await unseed();
      current = await seed(msg);
      const { stats: _stats, ...reply } = current;
      send(reply);
    } else if (msg.type === 'raw-offer') {
      await unseed();
      send(await rawOffer(msg));
    } else if (msg.type === 'raw-answer') {
      await rawPc?.setRemoteDescription(msg.answer);
      send({ type: 'raw-answered' });
    } else if (msg.type === 'unseed') {
      send({ type: 'unseeded', ...(await unseed()) });
    } else if (msg.type === 'close') {
      await unseed();
      await tracker.close();
      // @roamhq/wrtc can keep the process alive (or crash in its exit handlers): leave now.
      process.exit(0);
    }
  } catch (err) {
    send({
      type: 'error',
      message: err instanceof Error ? (err.stack ?? err.message) : String(err),
    });
  }
});
send({ type: 'ready', trackerUrl: tracker.url });

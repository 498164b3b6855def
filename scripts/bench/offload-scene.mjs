// Child process of the offload part (offload.mjs): runs one server-offload scene,
// tests/scenes/offload.ts, through jiti (ts.mjs), and sends its result over IPC. One process per
// scene: every scene starts with a fresh event loop, heap and @roamhq/wrtc, and a crash
// (wrtc's exit handlers) costs one scene, not the benchmark.
//   argv[2]: JSON { scene: SceneOptions without log, wtOwnSockets: boolean }
//   ← { type: 'log', line }
//   ← { type: 'result', result, sceneMs, cpuSeconds, mainThreadBusy, busiestThreads, maxRssBytes }
//   ← { type: 'error', message }
//
// wtOwnSockets: bittorrent-tracker's client keeps one WebSocket per tracker URL per process,
// shared by every WebTorrent client in it, and each client of an infohash on that socket
// answers every offer relayed to any of them; the offerer takes the first answer and the
// others' ICE checks then break its connection (4 readers of 32 MiB: 6 wire events with one
// shared socket, 16 with one each; server copies 3.74 and 2.86). Real readers are separate
// browsers, one socket each: so each WebTorrent reader's .torrent names the scene's tracker
// under its own URL (`<url>/?reader=<n>`: same server, same swarm, same infohash).
import bencode from 'bencode';
import WebTorrent from 'webtorrent';
import { performance } from 'node:perf_hooks';
import { threadCpuBetween, threadTicks } from './memory.mjs';
import { importTs } from './ts.mjs';

const send = (/** @type {object} */ msg) =>
  new Promise((resolve) =>
    process.send ? process.send(msg, () => resolve(undefined)) : resolve(undefined),
  );

/** @param {Uint8Array} torrentFile @param {number} n */
function ownTrackerUrl(torrentFile, n) {
  const dict = /** @type {Record<string, any>} */ (bencode.decode(torrentFile));
  if (!dict.announce) return torrentFile;
  const url = `${Buffer.from(dict.announce).toString().replace(/\/$/, '')}/?reader=${n}`;
  dict.announce = url;
  dict['announce-list'] = [[url]];
  return bencode.encode(dict);
}

try {
  const { scene, wtOwnSockets } = JSON.parse(process.argv[2] ?? '{}');
  if (scene.kind === 'webtorrent' && wtOwnSockets) {
    let readers = 0;
    const add = WebTorrent.prototype.add;
    WebTorrent.prototype.add = function (id, ...rest) {
      return add.call(this, id instanceof Uint8Array ? ownTrackerUrl(id, readers++) : id, ...rest);
    };
  }
  const { runOffloadScene } = await importTs('tests/scenes/offload.ts');
  const self = [{ pid: process.pid, label: 'scene' }];
  const threads0 = await threadTicks(self);
  const before = process.cpuUsage();
  const started = performance.now();
  const result = await runOffloadScene({
    ...scene,
    log: (/** @type {string} */ line) => void send({ type: 'log', line }),
  });
  const sceneMs = performance.now() - started;
  const cpu = process.cpuUsage(before);
  const threads = threadCpuBetween(threads0, await threadTicks(self));
  const main = threads.find((t) => t.thread.startsWith('scene: main thread'));
  await send({
    type: 'result',
    result,
    sceneMs,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    /** The event loop's thread: busy this share of the scene's time. */
    mainThreadBusy: main ? main.seconds / (sceneMs / 1000) : null,
    busiestThreads: threads.slice(0, 6),
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  });
} catch (err) {
  await send({
    type: 'error',
    message: err instanceof Error ? (err.stack ?? err.message) : String(err),
  });
}
// @roamhq/wrtc can keep the process alive after its connections closed: leave now.
process.exit(0);

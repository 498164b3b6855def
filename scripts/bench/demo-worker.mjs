// Runs the demo server (blog page, web seed, tracker) in a worker thread, so that serving the
// web seed does not share an event loop with the benchmark's memory sampling and polling.
import { parentPort, workerData } from 'node:worker_threads';
import { startDemo } from '../../demo/server.mjs';

const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);
const demo = await startDemo({
  mib: workerData.mib,
  pieceLength: workerData.pieceLength,
  log: (message) => port.postMessage({ type: 'log', message }),
});
port.postMessage({
  type: 'ready',
  demo: { url: demo.url, blogUrl: demo.blogUrl, torrents: demo.torrents },
});
port.on('message', async (/** @type {{ type: string }} */ msg) => {
  if (msg.type === 'stats') port.postMessage({ type: 'stats', stats: demo.stats() });
  else if (msg.type === 'reset-stats') {
    demo.resetStats();
    port.postMessage({ type: 'reset-stats' });
  } else if (msg.type === 'close') {
    await demo.close();
    port.postMessage({ type: 'close' });
    port.close();
  }
});

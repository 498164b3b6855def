// The demo server in a worker thread (see demo-worker.mjs), with a small promise API.
import { Worker } from 'node:worker_threads';

/**
 * @param {number} mib @param {(message: string) => void} log
 * @param {number} [pieceLength] bytes; default: the demo's (by size)
 * @returns {Promise<{
 *   blogUrl: string,
 *   torrents: { single: import('../../demo/server.mjs').DemoTorrent },
 *   stats(): Promise<import('../../demo/server.mjs').DemoStats>,
 *   resetStats(): Promise<void>,
 *   close(): Promise<void>,
 * }>}
 */
export async function startDemoWorker(mib, log, pieceLength) {
  const worker = new Worker(new URL('./demo-worker.mjs', import.meta.url), {
    workerData: { mib, pieceLength },
  });
  /** @type {Map<string, (msg: any) => void>} */
  const waiting = new Map();
  let failed = /** @type {Error | null} */ (null);
  worker.on('error', (err) => {
    failed = err;
    for (const resolve of waiting.values()) resolve({ error: err });
    waiting.clear();
  });
  worker.on('message', (/** @type {any} */ msg) => {
    if (msg.type === 'log') return log(msg.message);
    const resolve = waiting.get(msg.type);
    waiting.delete(msg.type);
    resolve?.(msg);
  });
  /** @param {string} type */
  const reply = (type) =>
    new Promise((resolve, reject) => {
      if (failed) return reject(failed);
      waiting.set(type, (msg) => (msg.error ? reject(msg.error) : resolve(msg)));
    });
  /** @param {string} type */
  const request = (type) => {
    const answer = reply(type);
    worker.postMessage({ type });
    return answer;
  };
  const ready = /** @type {any} */ (await reply('ready'));
  return {
    ...ready.demo,
    stats: async () => /** @type {any} */ (await request('stats')).stats,
    resetStats: async () => void (await request('reset-stats')),
    async close() {
      await request('close');
      await worker.terminate();
    },
  };
}

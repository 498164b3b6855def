// One measured parse (child process of scripts/bench/parse.mjs): reads a `.torrent` file,
// waits at idle, then parses it as the engine host does (parseMetainfo, then savePaths).
// A worker thread samples the process's RSS every millisecond meanwhile, since the main
// thread is busy parsing. Prints one JSON line: ok, error, parseMs, pathsMs, cpuMs (all
// threads: the garbage collector's too), idle and peak.
import { readFile } from 'node:fs/promises';
import { TextEncoder } from 'node:util';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { importTs } from './ts.mjs';

const SAMPLER = `
const { parentPort } = require('node:worker_threads');
let peak = 0;
const tick = () => { peak = Math.max(peak, process.memoryUsage.rss()); };
const timer = setInterval(tick, 1);
parentPort.on('message', (m) => {
  if (m === 'reset') { peak = 0; tick(); parentPort.postMessage(peak); }
  else { tick(); clearInterval(timer); parentPort.postMessage(peak); }
});
`;

const ask = (/** @type {Worker} */ w, /** @type {string} */ m) =>
  new Promise((resolve) => {
    w.once('message', resolve);
    w.postMessage(m);
  });

const [file] = process.argv.slice(2);
const { parseMetainfo } = await importTs('lib/engine/metainfo.ts');
const { savePaths } = await importTs('lib/engine/save-paths.ts');
const { webCryptoDigest } = await importTs('lib/engine/deps.ts');
const bytes = new Uint8Array(await readFile(/** @type {string} */ (file)));
// Warm the code paths on a small torrent, so the first call's compiling is not counted.
const tiny = new TextEncoder().encode(
  'd8:announce22:wss://tracker.example/4:infod5:filesld6:lengthi1e4:pathl1:aeee4:name1:t12:piece lengthi16384e6:pieces20:' +
    `${'x'.repeat(20)}ee`,
);
savePaths('t', (await parseMetainfo(tiny, webCryptoDigest)).files, true);

const sampler = new Worker(SAMPLER, { eval: true });
globalThis.gc?.();
await sleep(200);
globalThis.gc?.();
const idle = /** @type {number} */ (await ask(sampler, 'reset'));
const result = {
  ...{ ok: true, error: '', parseMs: 0, pathsMs: 0, cpuMs: 0, idleBytes: idle, peakBytes: 0 },
};
const cpu0 = process.cpuUsage();
const t0 = performance.now();
try {
  const meta = await parseMetainfo(bytes, webCryptoDigest);
  const t1 = performance.now();
  result.parseMs = t1 - t0;
  const paths = savePaths(meta.name, meta.files, meta.multiFile);
  result.pathsMs = performance.now() - t1;
  if (paths.length !== meta.files.length) throw new Error('savePaths lost files');
} catch (err) {
  result.ok = false;
  result.parseMs = performance.now() - t0;
  result.error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
const cpu = process.cpuUsage(cpu0);
result.cpuMs = (cpu.user + cpu.system) / 1000;
result.peakBytes = /** @type {number} */ (await ask(sampler, 'stop'));
await sampler.terminate();
console.log(JSON.stringify(result));

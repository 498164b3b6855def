// `npm run bench`, part "parse": the worst `.torrent` files under the limits of
// lib/engine/limits.ts (scripts/bench/parse-torrents.mjs), each parsed BENCH_PARSE_RUNS (20)
// times as the engine host does it (parseMetainfo, then savePaths), each run in a fresh Node
// process (the V8 of Chromium's engine host, without the browser around it). Budgets
// (issue 13): the median run under 1 s, and the median peak RSS under 256 MiB above idle.
import { spawn } from 'node:child_process';
import os from 'node:os';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { numberEnv } from './env.mjs';
import { median } from './memory.mjs';
import { worstTorrents } from './parse-torrents.mjs';
import { mib, table } from './report.mjs';

const MiB = 1024 * 1024;
const RUNNER = fileURLToPath(new URL('./parse-run.mjs', import.meta.url));
export const PARSE_BUDGET = { ms: 1000, aboveIdleBytes: 256 * MiB };

export function parseConfig() {
  const names = worstTorrents().map((t) => t.name);
  const cases = (process.env.BENCH_PARSE_CASES ?? '')
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  const unknown = cases.filter((c) => !names.includes(c));
  if (unknown.length) {
    throw new Error(
      `BENCH_PARSE_CASES: unknown ${unknown.join(', ')}; choose from ${names.join(', ')}`,
    );
  }
  return { runs: numberEnv('BENCH_PARSE_RUNS', 20, { integer: true }), cases };
}

/** @param {string} file @returns {Promise<any>} */
function runOnce(file) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', RUNNER, file], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line));
      } catch {
        reject(new Error(`parse run exited ${code} without a result: ${out.slice(-500)}`));
      }
    });
  });
}

/** @param {{ tmpRoot: string, log: (m: string) => void }} o */
export async function runParsePart({ tmpRoot, log }) {
  const { runs, cases } = parseConfig();
  const rows = [];
  let failed = 0;
  for (const t of worstTorrents()) {
    if (cases.length && !cases.includes(t.name)) continue;
    const file = path.join(tmpRoot, `parse-${t.name.replace(/\W+/g, '-')}.torrent`);
    await writeFile(file, t.bytes);
    log(`parse: ${t.name} (${mib(t.bytes.length, 2)} MiB), ${runs} runs`);
    const results = [];
    const loads = [];
    for (let r = 0; r < runs; r++) {
      results.push(await runOnce(file));
      loads.push(os.loadavg()[0] ?? 0);
    }
    const totalMs = median(results.map((m) => m.parseMs + m.pathsMs));
    const aboveIdle = median(results.map((m) => m.peakBytes - m.idleBytes));
    const pass = totalMs < PARSE_BUDGET.ms && aboveIdle < PARSE_BUDGET.aboveIdleBytes;
    if (!pass) failed++;
    rows.push({
      name: t.name,
      what: t.what,
      bytes: t.bytes.length,
      outcome: results[0].ok ? 'parsed' : results[0].error,
      parseMs: median(results.map((m) => m.parseMs)),
      pathsMs: median(results.map((m) => m.pathsMs)),
      totalMs,
      maxTotalMs: Math.max(...results.map((m) => m.parseMs + m.pathsMs)),
      cpuMs: median(results.map((m) => m.cpuMs)),
      aboveIdleBytes: aboveIdle,
      load: median(loads),
      pass,
    });
  }
  const ms = (/** @type {number} */ x) => x.toFixed(0);
  const report = [
    `\nParse: the worst .torrent files under the limits, medians of ${runs} runs ` +
      `(budget: < ${PARSE_BUDGET.ms} ms and < ${mib(PARSE_BUDGET.aboveIdleBytes, 0)} MiB above idle)`,
    table(
      [
        'torrent',
        'MiB',
        'parse ms',
        'paths ms',
        'total ms',
        'max ms',
        'MiB above idle',
        'load',
        'budget',
      ],
      rows.map((r) => [
        r.name,
        mib(r.bytes, 2),
        ms(r.parseMs),
        ms(r.pathsMs),
        ms(r.totalMs),
        ms(r.maxTotalMs),
        ms(r.cpuMs),
        mib(r.aboveIdleBytes),
        r.load.toFixed(1),
        r.pass ? 'pass' : 'FAIL',
      ]),
    ),
    ...rows.map((r) => `  ${r.name}: ${r.what}; ${r.outcome}`),
    `  load: the 1-minute load average (${os.cpus().length} CPUs); wall times grow with it. ` +
      'CPU ms: user + system time of the whole process (garbage collector threads included).',
  ].join('\n');
  return { report, failed, runs, budget: PARSE_BUDGET, rows };
}

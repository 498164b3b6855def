#!/usr/bin/env node
// `npm run bench`: Swarmlink's speed and memory targets, each against a baseline measured in the
// same run, inside a network namespace that has only loopback (all traffic on 127.0.0.1).
//
// Parts (BENCH_PARTS, comma-separated; default all, in this order):
//  - download (scripts/bench/download.mjs): click → saved file from the demo web seed, against
//    the browser's own download of the same URL; time and memory (BENCH_SIZES, BENCH_RUNS).
//  - offload (scripts/bench/offload.mjs): the server-offload scene (tests/scenes/offload.ts),
//    Swarmlink against WebTorrent 3: web server copies, and reader times against a lone reader.
//  - webrtc (scripts/bench/webrtc.mjs): the extension downloading from WebTorrent seeders in
//    Node over WebRTC only, against WebTorrent's own browser bundle in a page; speed, memory.
//  - parse (scripts/bench/parse.mjs): the worst .torrent files under the limits, parsed and
//    given save paths as the engine host does; medians of BENCH_PARSE_RUNS (20) against the
//    budgets (< 1 s, < 256 MiB above idle), pass/fail. Node only, no browser.
//  - popup (scripts/bench/popup.mjs): the popup's first render with BENCH_POPUP_TORRENTS (100)
//    torrents, median of BENCH_POPUP_RUNS (20), against the budget (< 100 ms), pass/fail.
// Shared: BENCH_SAMPLE_MS (100), BENCH_SETTLE_MS (4000), BENCH_IDLE_MS (1500) for the browser
// parts' memory sampling. Results: a table per part, and .test-results/bench.json (rewritten
// after each part, so a later failure keeps what was measured; parts not run this time keep
// their earlier results there, meta.measuredAt says when each part was measured).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { downloadConfig, downloadReport, runDownloadPart } from './bench/download.mjs';
import { listEnv, numberEnv } from './bench/env.mjs';
import { offloadConfig, runOffloadPart } from './bench/offload.mjs';
import { parseConfig, runParsePart } from './bench/parse.mjs';
import { popupConfig, runPopupPart } from './bench/popup.mjs';
import { runWebrtcPart, webrtcConfig } from './bench/webrtc.mjs';
import { findChromium } from './chromium.mjs';
import { NO_NETNS_MESSAGE, spawnInLoopbackNamespace } from './netns.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const EXTENSION_DIR = path.join(ROOT, '.output', 'chrome-mv3');
const RESULTS_FILE = path.join(ROOT, '.test-results', 'bench.json');
const NETNS_ENV = 'SWARMLINK_BENCH_NETNS';
const PARTS = /** @type {const} */ (['download', 'offload', 'webrtc', 'parse', 'popup']);

function config() {
  const parts = listEnv('BENCH_PARTS', PARTS, PARTS);
  if (!parts.length) throw new Error(`BENCH_PARTS: choose one or more of ${PARTS.join(', ')}`);
  // Every part's settings, read now so that a bad one fails before anything runs.
  if (parts.includes('download')) downloadConfig();
  if (parts.includes('offload')) offloadConfig();
  if (parts.includes('webrtc')) webrtcConfig();
  if (parts.includes('parse')) parseConfig();
  if (parts.includes('popup')) popupConfig();
  return {
    parts: PARTS.filter((p) => parts.includes(p)),
    common: {
      sampleMs: numberEnv('BENCH_SAMPLE_MS', 100),
      /** After the page loaded and the offscreen document exists, before the idle window. */
      settleMs: numberEnv('BENCH_SETTLE_MS', 4000, { min: 0 }),
      idleMs: numberEnv('BENCH_IDLE_MS', 1500),
    },
  };
}

/** The parts that drive Chromium with the built extension. */
const needsBrowser = (/** @type {readonly string[]} */ parts) =>
  parts.includes('download') || parts.includes('webrtc') || parts.includes('popup');

/** @param {string} cmd @param {string[]} args */
function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
}

/** Outside the namespace: check Chromium, build, then run this script inside one. */
function outer() {
  let cfg;
  try {
    cfg = config(); // fail early on bad settings
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
  if (needsBrowser(cfg.parts)) {
    if (!findChromium()) {
      console.error(
        'Chromium not found. Install it (apt-get install chromium) or set CHROME_PATH.',
      );
      process.exit(1);
    }
    // Always from the sources as they are (as npm test does): a build left from an older
    // checkout was measured once as if it were this one. BENCH_NO_BUILD=1 skips it.
    if (
      process.env.BENCH_NO_BUILD !== '1' ||
      !existsSync(path.join(EXTENSION_DIR, 'manifest.json'))
    ) {
      console.log('Building the extension (npm run build)…');
      run('npm', ['run', '--silent', 'build']);
    }
  }
  const r = spawnInLoopbackNamespace(
    process.execPath,
    [fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    { cwd: ROOT, stdio: 'inherit', env: { ...process.env, [NETNS_ENV]: '1' } },
  );
  if (!r) {
    console.error(NO_NETNS_MESSAGE);
    process.exit(1);
  }
  process.exit(r.status ?? 1);
}

/** @param {string} message */
const log = (message) =>
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);

async function inner() {
  const cfg = config();
  const nonLoopback = Object.entries(os.networkInterfaces())
    .filter(([, addrs]) => addrs?.some((a) => !a.internal))
    .map(([name]) => name);
  if (nonLoopback.length) {
    throw new Error(`not in a loopback-only namespace (interfaces: ${nonLoopback.join(', ')})`);
  }
  const tmpRoot = await mkdtemp(path.join(os.tmpdir(), 'swarmlink-bench-'));
  const browser = needsBrowser(cfg.parts);
  const executablePath = browser ? /** @type {string} */ (findChromium()) : '';
  // A snapshot, so that a rebuild during the benchmark cannot change the extension under test.
  const extensionDir = path.join(tmpRoot, 'extension');
  const extensionBuilt = browser
    ? (await stat(path.join(EXTENSION_DIR, 'manifest.json'))).mtime.toISOString()
    : undefined;
  if (browser) await cp(EXTENSION_DIR, extensionDir, { recursive: true });
  log(`parts ${cfg.parts.join(', ')}; work folder ${tmpRoot}`);

  const meta = {
    started: new Date().toISOString(),
    finished: /** @type {string | undefined} */ (undefined),
    parts: cfg.parts,
    chromium: /** @type {string | undefined} */ (undefined),
    cpus: os.cpus().length,
    memoryBytes: os.totalmem(),
    common: cfg.common,
    /** What was measured: the commit, and when .output/chrome-mv3 was built. */
    gitHead: spawnSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).stdout?.trim(),
    extensionBuilt,
  };
  /** @type {Record<string, any>} */
  const results = { meta };
  // The parts not run this time keep their last results (marked with when they were taken),
  // so that BENCH_PARTS=webrtc does not wipe the download figures.
  /** @type {Record<string, string>} */
  const measuredAt = {};
  Object.assign(meta, { measuredAt });
  const earlier = await readFile(RESULTS_FILE, 'utf8')
    .then((t) => JSON.parse(t))
    .catch(() => null);
  for (const part of PARTS) {
    if (cfg.parts.includes(part) || !earlier) continue;
    const keys = part === 'download' ? ['summaries', 'measurements'] : [part];
    if (!keys.every((k) => earlier[k] !== undefined)) continue;
    for (const k of keys) results[k] = earlier[k];
    measuredAt[part] = earlier.meta?.measuredAt?.[part] ?? earlier.meta?.started ?? 'unknown';
    if (part === 'download')
      Object.assign(meta, { config: earlier.meta?.config, runs: earlier.meta?.runs });
  }
  const save = async () => {
    meta.finished = new Date().toISOString();
    await mkdir(path.dirname(RESULTS_FILE), { recursive: true });
    await writeFile(RESULTS_FILE, JSON.stringify(results, null, 1) + '\n');
  };
  /** @type {string[]} */
  const reports = [];
  let failed = 0;
  const partOptions = { executablePath, extensionDir, tmpRoot, common: cfg.common, log };
  try {
    for (const part of cfg.parts) {
      measuredAt[part] = new Date().toISOString();
      try {
        if (part === 'download') {
          const r = await runDownloadPart(partOptions);
          meta.chromium ??= r.chromium ? `Chromium ${r.chromium}` : undefined;
          // The names this part has always had in bench.json.
          Object.assign(meta, { runs: r.config.runs, config: r.config });
          results.summaries = r.summaries;
          results.measurements = r.measurements;
          reports.push(
            downloadReport(r.summaries, r.measurements, {
              gitHead: meta.gitHead,
              extensionBuilt: meta.extensionBuilt ?? '',
              chromium: meta.chromium ?? 'Chromium',
              cpus: meta.cpus,
              runs: r.config.runs,
              pieceKiB: r.config.pieceKiB,
            }),
          );
          failed += r.failed;
        } else if (part === 'offload') {
          const { report, ...r } = await runOffloadPart(partOptions);
          results.offload = r;
          reports.push(report);
          failed += r.failed;
        } else if (part === 'popup') {
          const { report, ...r } = await runPopupPart(partOptions);
          results.popup = r;
          reports.push(report);
          failed += r.failed;
        } else if (part === 'parse') {
          const { report, ...r } = await runParsePart(partOptions);
          results.parse = r;
          reports.push(report);
          failed += r.failed;
        } else if (part === 'webrtc') {
          const { report, ...r } = await runWebrtcPart(partOptions);
          const version = r.measurements.find((m) => m.chromium)?.chromium;
          meta.chromium ??= version ? `Chromium ${version}` : undefined;
          results.webrtc = r;
          reports.push(report);
          failed += r.failed;
        }
      } catch (err) {
        // One part's failure (a crash, not a failed measurement) leaves the others to run.
        failed++;
        const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
        results[part] = { error: message };
        reports.push(`\nPart ${part} FAILED: ${message}`);
        log(`part ${part} FAILED: ${message}`);
      }
      console.log(reports[reports.length - 1]);
      await save();
    }
  } finally {
    await rm(tmpRoot, { recursive: true, force: true, maxRetries: 5 });
  }
  if (reports.length > 1) {
    console.log(`\n${'═'.repeat(100)}\nAll parts (${cfg.parts.join(', ')}), as printed above:`);
    console.log(reports.join('\n'));
  }
  console.log(
    `\nWrote ${path.relative(ROOT, RESULTS_FILE)}. ${os.cpus().length} CPUs, shared with ` +
      'whatever else runs on this machine: the load column says how busy it was.',
  );
  if (failed) console.log(`${failed} measurement(s) failed`);
  return failed ? 1 : 0;
}

if (process.env[NETNS_ENV] === '1') {
  inner().then(
    (code) => process.exit(code),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
} else {
  outer();
}

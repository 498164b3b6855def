#!/usr/bin/env node
// `npm run bench`: Swarmlink against the browser's own download, in one run, inside a network
// namespace that has only loopback.
//
// For each size (BENCH_SIZES, MiB; default 256,1024) and each run (BENCH_RUNS; default 3), two
// measurements, each in a fresh Chromium with a fresh profile and the built extension loaded:
//  - swarmlink: a click on the blog page's #link-single (a single-file torrent whose only
//    source is the demo web seed) until the saved file is on disk with its full size under
//    its final name;
//  - browser: chrome.downloads.download({ url }) of the same file's web seed URL, called from
//    the extension's service worker, until the same.
// Memory: the sum of PSS over the browser process and all its descendants, sampled every
// BENCH_SAMPLE_MS (100), peak during the download minus the idle level just before it.
// The order of the two alternates from run to run. Results: a table, and
// .test-results/bench.json. Ratios are swarmlink / browser (DEVELOPERS.md).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  downloadsInBrowser,
  launchBrowser,
  popupState,
  waitForFile,
  waitForOffscreen,
} from './bench/browser.mjs';
import { startDemoWorker } from './bench/demo.mjs';
import { createTreeSampler, idleLevel, peakAbove } from './bench/memory.mjs';
import { mib, ratio, secs, summarize, table } from './bench/report.mjs';
import { findChromium } from './chromium.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const EXTENSION_DIR = path.join(ROOT, '.output', 'chrome-mv3');
const RESULTS_FILE = path.join(ROOT, '.test-results', 'bench.json');
const NETNS_ENV = 'SWARMLINK_BENCH_NETNS';
const MiB = 1024 * 1024;

/** @param {string} name @param {number} fallback */
function numberEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number`);
  return n;
}

function config() {
  const sizes = (process.env.BENCH_SIZES || '256,1024').split(',').map((s) => Number(s.trim()));
  if (!sizes.length || sizes.some((s) => !Number.isInteger(s) || s <= 0)) {
    throw new Error(`BENCH_SIZES must be a comma-separated list of MiB, got "${process.env.BENCH_SIZES}"`);
  }
  return {
    sizes,
    runs: Math.round(numberEnv('BENCH_RUNS', 3)),
    /** Per download; a run that takes longer is reported as failed. */
    timeoutMs: numberEnv('BENCH_TIMEOUT_S', 600) * 1000,
    sampleMs: numberEnv('BENCH_SAMPLE_MS', 100),
    /** After the blog page loaded and the offscreen document exists, before the idle window. */
    settleMs: numberEnv('BENCH_SETTLE_MS', 4000),
    idleMs: numberEnv('BENCH_IDLE_MS', 1500),
  };
}

/** @param {string} cmd @param {string[]} args */
function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
}

/** Same as scripts/test.mjs: root uses a plain net namespace, others a user namespace too. */
function netnsPrefix() {
  const probe = (/** @type {string[]} */ args) =>
    spawnSync('unshare', [...args, 'true'], { stdio: 'ignore' }).status === 0;
  if (process.getuid?.() === 0 && probe(['--net'])) return ['unshare', '--net'];
  if (probe(['--user', '--map-root-user', '--net'])) {
    return ['unshare', '--user', '--map-root-user', '--net'];
  }
  return null;
}

/** Outside the namespace: check Chromium, build if needed, then run this script inside one. */
function outer() {
  config(); // fail early on bad settings
  if (!findChromium()) {
    console.error('Chromium not found. Install it (apt-get install chromium) or set CHROME_PATH.');
    process.exit(1);
  }
  if (!existsSync(path.join(EXTENSION_DIR, 'manifest.json'))) {
    console.log('No built extension in .output/chrome-mv3: building it (npm run build)…');
    run('npm', ['run', '--silent', 'build']);
  }
  const prefix = netnsPrefix();
  if (!prefix) {
    console.error('Cannot create a loopback-only network namespace (unshare --net); refusing to run.');
    process.exit(1);
  }
  const [cmd = 'unshare', ...opts] = prefix;
  const r = spawnSync(
    cmd,
    [
      ...opts,
      'sh',
      '-c',
      'ip link set lo up && exec "$0" "$@"',
      process.execPath,
      fileURLToPath(import.meta.url),
      ...process.argv.slice(2),
    ],
    { cwd: ROOT, stdio: 'inherit', env: { ...process.env, [NETNS_ENV]: '1' } },
  );
  process.exit(r.status ?? 1);
}

/** @param {string} file */
async function sha256File(file) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: MiB })) hash.update(chunk);
  return hash.digest('hex');
}

/** Reads a file once so that both kinds of download are served from the page cache. */
async function warm(file) {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  for await (const _ of createReadStream(file, { highWaterMark: 4 * MiB }));
}

/** @param {string} message */
const log = (message) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);

/**
 * One download in a fresh browser and profile.
 * @param {{
 *   mode: 'swarmlink' | 'browser', sizeMiB: number, run: number, verify: boolean,
 *   demo: Awaited<ReturnType<typeof startDemoWorker>>, executablePath: string,
 *   extensionDir: string, tmpRoot: string, cfg: ReturnType<typeof config>,
 * }} o
 */
async function measure(o) {
  const { mode, demo, cfg } = o;
  const file = /** @type {import('../demo/server.mjs').DemoFile} */ (demo.torrents.single.files[0]);
  const workDir = await mkdtemp(path.join(o.tmpRoot, `${mode}-`));
  /** @type {Awaited<ReturnType<typeof launchBrowser>> | undefined} */
  let b;
  try {
    b = await launchBrowser({
      executablePath: o.executablePath,
      extensionDir: o.extensionDir,
      workDir,
    });
    const page = b.context.pages()[0] ?? (await b.context.newPage());
    await page.goto(demo.blogUrl);
    await waitForOffscreen(b.sw);
    await sleep(cfg.settleMs);

    const sampler = createTreeSampler(b.browserPid);
    const idleRun = sampler.start(cfg.sampleMs);
    await sleep(cfg.idleMs);
    const idle = idleLevel(await idleRun.stop());

    await demo.resetStats();
    const target = path.join(b.downloadDir, file.path);
    const during = sampler.start(cfg.sampleMs);
    const t0 = performance.now();
    if (mode === 'swarmlink') {
      await page.click('#link-single');
    } else {
      await b.sw.evaluate(
        (url) => /** @type {any} */ (globalThis).chrome.downloads.download({ url }),
        file.url,
      );
    }
    /** @type {number | null} */
    let timeMs = null;
    /** @type {string | undefined} */
    let error;
    try {
      timeMs = (await waitForFile(target, file.length, cfg.timeoutMs)) - t0;
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    const samples = await during.stop();
    const served = await demo.stats();
    const downloads = await downloadsInBrowser(b.sw).catch(() => []);
    /** @type {Record<string, unknown>} */
    const diagnostics = {};
    if (error) {
      diagnostics.downloadDir = await readdir(b.downloadDir).catch(() => []);
      if (mode === 'swarmlink') {
        diagnostics.popup = await popupState(b.context, b.extensionId).catch((e) => String(e));
      }
    }
    const peak = peakAbove(samples, idle);
    /** @type {boolean | undefined} */
    let sha256Ok;
    if (o.verify && !error) sha256Ok = (await sha256File(target)) === file.sha256;
    const t = samples[0]?.t ?? 0;
    return {
      mode,
      sizeMiB: o.sizeMiB,
      run: o.run,
      ok: !error && sha256Ok !== false,
      error: error ?? (sha256Ok === false ? 'SHA-256 of the saved file differs' : undefined),
      timeMs,
      mibPerS: timeMs ? file.length / MiB / (timeMs / 1000) : null,
      idleBytes: idle.total,
      idleByKind: idle.byKind,
      peakBytes: peak.peak,
      peakAboveIdleBytes: peak.aboveIdle,
      atPeakAboveIdleByKind: peak.atPeakByKind,
      ownPeakAboveIdleByKind: peak.ownPeakByKind,
      servedBytes: served.seedBytes,
      servedRequests: served.seedRequests,
      sha256Ok,
      downloads,
      diagnostics,
      chromium: b.version,
      samples: samples.length,
      /** [ms since the click, MiB above idle] */
      timeline: samples.map((s) => [
        Math.round(s.t - t),
        Math.round(((s.total - idle.total) / MiB) * 10) / 10,
      ]),
    };
  } finally {
    await b?.close().catch(() => {});
    await rm(workDir, { recursive: true, force: true, maxRetries: 5 });
    // Flush what this run wrote (OPFS pieces, the saved file) before the next one starts.
    spawnSync('sync');
  }
}

/** @param {ReturnType<typeof summarize>[]} summaries @param {any[]} all */
function printReport(summaries, all, meta) {
  const lines = [];
  lines.push('');
  lines.push(
    `Swarmlink benchmark: ${meta.chromium}, ${meta.cpus} CPUs, ${meta.runs} run(s) per size; ` +
      'time = click (or downloads.download) → file complete on disk; ' +
      'memory = peak Σ PSS of all Chromium processes − idle just before.',
  );
  lines.push('');
  lines.push('Per run');
  lines.push(
    table(
      ['size', 'run', 'who', 'time s', 'MiB/s', 'idle MiB', 'peak−idle MiB', 'served MiB', 'note'],
      all.map((m) => [
        `${m.sizeMiB} MiB`,
        String(m.run),
        m.mode,
        secs(m.timeMs),
        m.mibPerS ? m.mibPerS.toFixed(0) : '—',
        mib(m.idleBytes, 0),
        mib(m.peakAboveIdleBytes),
        mib(m.servedBytes, 0),
        m.error ?? (m.sha256Ok ? 'sha256 ok' : ''),
      ]),
    ),
  );
  lines.push('');
  lines.push('Summary (medians; ratio = swarmlink / browser, median of the per-run ratios)');
  lines.push(
    table(
      [
        'size',
        'swarmlink s',
        'browser s',
        'time ratio',
        'swarmlink peak−idle MiB',
        'browser peak−idle MiB',
        'memory ratio',
        'ok runs (sl/br)',
      ],
      summaries.map((s) => [
        `${s.sizeMiB} MiB`,
        secs(s.swarmlink.timeMs),
        secs(s.browser.timeMs),
        ratio(s.timeRatio),
        mib(s.swarmlink.peakAboveIdleBytes),
        mib(s.browser.peakAboveIdleBytes),
        ratio(s.memoryRatio),
        `${s.okRuns.swarmlink}/${s.okRuns.browser} of ${s.runs}`,
      ]),
    ),
  );
  for (const who of /** @type {const} */ (['swarmlink', 'browser'])) {
    const kinds = [
      ...new Set(summaries.flatMap((s) => Object.keys(s[who].ownPeakAboveIdleByKind))),
    ].sort();
    const first = summaries[0];
    const last = summaries[summaries.length - 1];
    const grow = summaries.length > 1 && first && last;
    lines.push('');
    lines.push(
      `Memory above idle by torrent size: ${who} (MiB, median; per process kind: its own peak − its idle)`,
    );
    lines.push(
      table(
        ['', ...summaries.map((s) => `${s.sizeMiB} MiB`), ...(grow ? ['growth'] : [])],
        [
          [
            'total (peak of the sum)',
            ...summaries.map((s) => mib(s[who].peakAboveIdleBytes)),
            ...(grow ? [mib(last[who].peakAboveIdleBytes - first[who].peakAboveIdleBytes)] : []),
          ],
          ...kinds.map((k) => [
            `  ${k}`,
            ...summaries.map((s) => mib(s[who].ownPeakAboveIdleByKind[k])),
            ...(grow
              ? [
                  mib(
                    (last[who].ownPeakAboveIdleByKind[k] ?? 0) -
                      (first[who].ownPeakAboveIdleByKind[k] ?? 0),
                  ),
                ]
              : []),
          ]),
        ],
      ),
    );
  }
  console.log(lines.join('\n'));
}

async function inner() {
  const cfg = config();
  const nonLoopback = Object.entries(os.networkInterfaces())
    .filter(([, addrs]) => addrs?.some((a) => !a.internal))
    .map(([name]) => name);
  if (nonLoopback.length) {
    throw new Error(`not in a loopback-only namespace (interfaces: ${nonLoopback.join(', ')})`);
  }
  const executablePath = /** @type {string} */ (findChromium());
  const tmpRoot = await mkdtemp(path.join(os.tmpdir(), 'swarmlink-bench-'));
  // A snapshot, so that a rebuild during the benchmark cannot change the extension under test.
  const extensionDir = path.join(tmpRoot, 'extension');
  await cp(EXTENSION_DIR, extensionDir, { recursive: true });
  log(`sizes ${cfg.sizes.join(', ')} MiB, ${cfg.runs} run(s) each; extension snapshot in ${tmpRoot}`);

  /** @type {any[]} */
  const all = [];
  const started = new Date().toISOString();
  try {
    for (const sizeMiB of cfg.sizes) {
      log(`demo server with a ${sizeMiB} MiB torrent (first time: generating and hashing)…`);
      const demo = await startDemoWorker(sizeMiB, (m) => log(`  demo: ${m}`));
      try {
        const file = /** @type {import('../demo/server.mjs').DemoFile} */ (
          demo.torrents.single.files[0]
        );
        await warm(file.diskPath);
        let verified = false;
        for (let run = 1; run <= cfg.runs; run++) {
          /** @type {('swarmlink' | 'browser')[]} */
          const order = run % 2 ? ['browser', 'swarmlink'] : ['swarmlink', 'browser'];
          for (const mode of order) {
            const verify = mode === 'swarmlink' && !verified;
            const m = await measure({
              mode,
              sizeMiB,
              run,
              verify,
              demo,
              executablePath,
              extensionDir,
              tmpRoot,
              cfg,
            });
            if (verify && m.sha256Ok !== undefined) verified = true;
            all.push(m);
            log(
              `${sizeMiB} MiB run ${run} ${mode}: ` +
                (m.error
                  ? `FAILED: ${m.error}`
                  : `${secs(m.timeMs)} s, peak ${mib(m.peakAboveIdleBytes)} MiB above idle` +
                    (m.sha256Ok ? ', sha256 ok' : '')),
            );
            if (m.error) log(`  diagnostics: ${JSON.stringify(m.diagnostics)}`);
          }
        }
      } finally {
        await demo.close();
      }
    }
  } finally {
    await rm(tmpRoot, { recursive: true, force: true, maxRetries: 5 });
  }

  const summaries = cfg.sizes.map((s) => summarize(all, s));
  const meta = {
    started,
    finished: new Date().toISOString(),
    chromium: all[0]?.chromium ? `Chromium ${all[0].chromium}` : 'Chromium',
    cpus: os.cpus().length,
    memoryBytes: os.totalmem(),
    runs: cfg.runs,
    config: cfg,
  };
  printReport(summaries, all, meta);
  await mkdir(path.dirname(RESULTS_FILE), { recursive: true });
  await writeFile(
    RESULTS_FILE,
    JSON.stringify({ meta, summaries, measurements: all }, null, 1) + '\n',
  );
  console.log(`\nWrote ${path.relative(ROOT, RESULTS_FILE)}`);
  const failed = all.filter((m) => !m.ok).length;
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

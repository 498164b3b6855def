// `npm run bench`, part "download": Swarmlink against the browser's own download.
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
// BENCH_PIECE_KIB sets the torrents' piece length (default: the demo's, by size). The order of
// the two alternates from run to run. Ratios are swarmlink / browser (DEVELOPERS.md).
import { spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { sha256File, waitForFile } from '../browser.mjs';
import { downloadsInBrowser, launchBrowser, popupState, waitForOffscreen } from './browser.mjs';
import { startDemoWorker } from './demo.mjs';
import { numberEnv } from './env.mjs';
import { createTreeSampler, idleLevel, peakAbove } from './memory.mjs';
import { mib, ratio, secs, summarize, table } from './report.mjs';

const MiB = 1024 * 1024;

export function downloadConfig() {
  const sizes = (process.env.BENCH_SIZES || '256,1024').split(',').map((s) => Number(s.trim()));
  if (!sizes.length || sizes.some((s) => !Number.isInteger(s) || s <= 0)) {
    throw new Error(
      `BENCH_SIZES must be a comma-separated list of MiB, got "${process.env.BENCH_SIZES}"`,
    );
  }
  return {
    sizes,
    runs: numberEnv('BENCH_RUNS', 3, { integer: true }),
    /** Per download; a run that takes longer is reported as failed. */
    timeoutMs: numberEnv('BENCH_TIMEOUT_S', 600) * 1000,
    /** Piece length of the torrents, KiB; 0 = the demo's (256 KiB below 512 MiB, 1 MiB from there). */
    pieceKiB: process.env.BENCH_PIECE_KIB ? numberEnv('BENCH_PIECE_KIB', 0) : 0,
  };
}

/** Reads a file once so that both kinds of download are served from the page cache. */
async function warm(file) {
  for await (const _ of createReadStream(file, { highWaterMark: 4 * MiB }));
}

/**
 * One download in a fresh browser and profile.
 * @param {{
 *   mode: 'swarmlink' | 'browser', sizeMiB: number, run: number, verify: boolean,
 *   demo: Awaited<ReturnType<typeof startDemoWorker>>, executablePath: string,
 *   extensionDir: string, tmpRoot: string, cfg: ReturnType<typeof downloadConfig>,
 *   common: { sampleMs: number, settleMs: number, idleMs: number },
 * }} o
 */
async function measure(o) {
  const { mode, demo, cfg, common } = o;
  const file = /** @type {import('../../demo/server.mjs').DemoFile} */ (
    demo.torrents.single.files[0]
  );
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
    await sleep(common.settleMs);

    const sampler = createTreeSampler(b.browserPid);
    const idleRun = sampler.start(common.sampleMs);
    await sleep(common.idleMs);
    const idle = idleLevel(await idleRun.stop());

    const load = os.loadavg()[0];
    await demo.resetStats();
    const target = path.join(b.downloadDir, file.path);
    const during = sampler.start(common.sampleMs);
    const t0 = performance.now();
    const clickWall = Date.now();
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
    /** @type {string | undefined} */
    let waitError;
    try {
      timeMs = (await waitForFile(target, file.length, cfg.timeoutMs, 20)) - t0;
    } catch (err) {
      error = `no complete file after ${cfg.timeoutMs / 1000} s`;
      waitError = err instanceof Error ? err.message : String(err);
    }
    const samples = await during.stop();
    const served = await demo.stats();
    const downloads = await downloadsInBrowser(b.sw).catch(() => []);
    /** @type {Record<string, unknown>} */
    const diagnostics = {};
    if (error) {
      diagnostics.wait = waitError;
      diagnostics.downloadDir = await readdir(b.downloadDir).catch(() => []);
      if (mode === 'swarmlink') {
        diagnostics.popup = await popupState(b).catch((e) => String(e));
      }
    }
    const peak = peakAbove(samples, idle);
    // The download item that wrote the file: when it started is when saving began (for
    // swarmlink, after every piece was fetched, verified and stored).
    const item = downloads.find((d) => path.basename(d.filename) === path.basename(file.path));
    const saveStartMs = item ? Date.parse(item.startTime) - clickWall : null;
    /** @type {boolean | undefined} */
    let sha256Ok;
    if (o.verify && !error) sha256Ok = (await sha256File(target)) === file.sha256;
    return {
      mode,
      sizeMiB: o.sizeMiB,
      run: o.run,
      ok: !error && sha256Ok !== false,
      error: error ?? (sha256Ok === false ? 'SHA-256 of the saved file differs' : undefined),
      timeMs,
      mibPerS: timeMs ? file.length / MiB / (timeMs / 1000) : null,
      /** From the click to the start of the downloads item that saved the file. */
      saveStartMs,
      /** From then to the file complete on disk. */
      saveMs: timeMs !== null && saveStartMs !== null ? timeMs - saveStartMs : null,
      idleBytes: idle.total,
      idleByKind: idle.byKind,
      peakBytes: peak.peak,
      peakAboveIdleBytes: peak.aboveIdle,
      nonFilePeakAboveIdleBytes: peak.nonFileAboveIdle,
      atPeakAboveIdleByKind: peak.atPeakByKind,
      ownPeakAboveIdleByKind: peak.ownPeakByKind,
      servedBytes: served.seedBytes,
      servedRequests: served.seedRequests,
      /** 1-minute load average when the download started (other work on the machine). */
      load,
      sha256Ok,
      downloads,
      diagnostics,
      chromium: b.version,
      samples: samples.length,
      /** [ms since the click, MiB above idle] */
      timeline: samples.map((s) => [
        Math.round(s.t - t0),
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

/**
 * @param {ReturnType<typeof summarize>[]} summaries @param {any[]} all
 * @param {{ gitHead?: string, extensionBuilt: string, chromium: string, cpus: number, runs: number, pieceKiB: number }} meta
 */
export function downloadReport(summaries, all, meta) {
  const lines = [];
  lines.push('');
  lines.push(
    `Swarmlink benchmark (${meta.gitHead}, extension built ${meta.extensionBuilt}): ` +
      `${meta.chromium}, ${meta.cpus} CPUs, ${meta.runs} run(s) per size; ` +
      `piece length ${meta.pieceKiB ? `${meta.pieceKiB} KiB` : 'the demo default (256 KiB below 512 MiB, 1 MiB from there)'}; ` +
      'time = click (or downloads.download) → file complete on disk; ' +
      'memory = peak Σ PSS of all Chromium processes − idle just before.',
  );
  lines.push('');
  lines.push('Per run');
  lines.push(
    table(
      [
        'size',
        'run',
        'who',
        'time s',
        'MiB/s',
        'save s',
        'idle MiB',
        'peak−idle MiB',
        '(non-file)',
        'served MiB',
        'load',
        'note',
      ],
      all.map((m) => [
        `${m.sizeMiB} MiB`,
        String(m.run),
        m.mode,
        secs(m.timeMs),
        m.mibPerS ? m.mibPerS.toFixed(0) : '—',
        secs(m.saveMs),
        mib(m.idleBytes, 0),
        mib(m.peakAboveIdleBytes),
        mib(m.nonFilePeakAboveIdleBytes),
        mib(m.servedBytes, 0),
        m.load.toFixed(1),
        m.error ?? (m.sha256Ok ? 'sha256 ok' : ''),
      ]),
    ),
  );
  lines.push(
    'save s: from the start of the downloads item that wrote the file to the file complete ' +
      '(swarmlink: saving the verified file from OPFS; browser: the whole download).',
  );
  lines.push(
    `load: 1-minute load average when the download started (${meta.cpus} CPUs; ` +
      'well above 1 means other work competed). (non-file): the same without file-backed pages.',
  );
  lines.push('');
  lines.push('Summary (medians; ratio = swarmlink / browser, median of the per-run ratios)');
  lines.push(
    table(
      [
        'size',
        'swarmlink s',
        '(saving)',
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
        secs(s.swarmlink.saveMs),
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
          [
            'total, non-file pages only',
            ...summaries.map((s) => mib(s[who].nonFilePeakAboveIdleBytes)),
            ...(grow
              ? [mib(last[who].nonFilePeakAboveIdleBytes - first[who].nonFilePeakAboveIdleBytes)]
              : []),
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
  return lines.join('\n');
}

/**
 * @param {{
 *   executablePath: string, extensionDir: string, tmpRoot: string,
 *   common: { sampleMs: number, settleMs: number, idleMs: number },
 *   log: (m: string) => void,
 * }} o
 */
export async function runDownloadPart(o) {
  const cfg = downloadConfig();
  const { executablePath, extensionDir, tmpRoot, common, log } = o;
  log(`download: sizes ${cfg.sizes.join(', ')} MiB, ${cfg.runs} run(s) each`);
  /** @type {any[]} */
  const all = [];
  for (const sizeMiB of cfg.sizes) {
    log(`demo server with a ${sizeMiB} MiB torrent (first time: generating and hashing)…`);
    const demo = await startDemoWorker(
      sizeMiB,
      (m) => log(`  demo: ${m}`),
      cfg.pieceKiB ? cfg.pieceKiB * 1024 : undefined,
    );
    try {
      const file = /** @type {import('../../demo/server.mjs').DemoFile} */ (
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
            common,
          }).catch((err) => ({
            // The browser failed to start, or the page or service worker went away.
            mode,
            sizeMiB,
            run,
            ok: false,
            error: `run failed: ${err instanceof Error ? err.message.split('\n')[0] : err}`,
            timeMs: null,
            load: os.loadavg()[0],
            diagnostics: { stack: err instanceof Error ? err.stack : undefined },
          }));
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
  const summaries = cfg.sizes.map((s) => summarize(all, s));
  return {
    config: cfg,
    summaries,
    measurements: all,
    chromium: all.find((m) => m.chromium)?.chromium,
    failed: all.filter((m) => !m.ok).length,
  };
}

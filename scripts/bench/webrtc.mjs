// `npm run bench`, part "webrtc": WebRTC throughput from real WebTorrent 3 seeders in Node
// (@roamhq/wrtc; a child process, webrtc-seeder.mjs) to
//  - swarmlink: the extension in Chromium (a click on a link on a local page → the saved file
//    complete on disk; its engine runs in the offscreen document, which Playwright is not
//    attached to), against
//  - webtorrent: WebTorrent's own browser bundle (dist/webtorrent.min.js) in an ordinary page of
//    a Chromium started by hand with Playwright's flags and nobody attached (fetch the .torrent,
//    add, 'done'; it posts its timings back: webrtc-site.mjs),
// each in a fresh browser and profile, on a fresh torrent (fresh bytes, fresh infohash: the
// bundle's browser store would otherwise hand back data of an infohash it has seen), from the
// same kind of seeder, alternating the order run by run (BENCH_WEBRTC_RUNS pairs, default 3;
// BENCH_WEBRTC_MIB, default 128). No web seed: the seeders are the only source. Everybody is
// configured with `iceServers: []` except the extension, whose build has public STUN servers
// (lib/defaults.ts; unreachable in the namespace).
// Variants (BENCH_WEBRTC_VARIANTS, comma-separated or none; BENCH_WEBRTC_VARIANT_RUNS each, 1):
//  - raw: a bare data channel Node → page, no BitTorrent: sent as the seeders' simple-peer sends
//    on @roamhq/wrtc (150 ms backpressure polls), and with 1 ms polls (16 and 64 KiB messages):
//    what the transport carries here, and what the seeders' way of sending leaves of it;
//  - swarmlink-seeder: the pair again from one Swarmlink engine in Node as the seeder;
//  - stun: the bundle with WebTorrent's own public STUN defaults (what they cost here);
//  - attached: the bundle in a page Playwright is attached to (which slows pages: its cost).
// Then a pair from BENCH_WEBRTC_SWARM_SEEDERS (8; 0: none) seeders at once.
// Per download: time and speed, connection set-up (start → the first wire the seeder saw),
// seeder-side transfer rate, memory (Σ PSS of the browser tree above idle, and the downloading
// renderer's own), CPU seconds per process kind and the busiest threads.
import { fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { clearTimeout, setTimeout } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { sha256File, waitForFile } from '../browser.mjs';
import { CHROMIUM_BASE_ARGS } from '../chromium.mjs';
import { downloadsInBrowser, launchBrowser, popupState, waitForOffscreen } from './browser.mjs';
import { listEnv, numberEnv } from './env.mjs';
import {
  cmdline,
  cpuBetween,
  cpuSeconds,
  createTreeSampler,
  findBrowserPid,
  idleLevel,
  labelledTree,
  median,
  peakAbove,
  threadCpuBetween,
  threadTicks,
} from './memory.mjs';
import { mib, ratio, secs, table } from './report.mjs';
import { startSite } from './webrtc-site.mjs';

const MiB = 1024 * 1024;
const SEEDER = fileURLToPath(new URL('./webrtc-seeder.mjs', import.meta.url));
const VARIANTS = /** @type {const} */ (['raw', 'swarmlink-seeder', 'stun', 'attached']);

/**
 * @typedef {'swarmlink' | 'webtorrent' | 'webtorrent-stun' | 'webtorrent-attached' | RawWho} Who
 * @typedef {'raw-16k' | 'raw-64k' | 'raw-simple-peer'} RawWho
 */

/** @typedef {'webtorrent' | 'swarmlink'} SeederKind */

/**
 * The bare data channel variants (Node → a page): message size, the sender's buffer limit, and
 * how often it looks at bufferedAmount again once above it (@roamhq/wrtc has no
 * bufferedamountlow event). raw-simple-peer sends as the WebTorrent seeders do: simple-peer
 * writes each 16 KiB block message as one message, stops above 64 KiB and, without the event,
 * polls every 150 ms. raw-16k is the same polling every 1 ms; raw-64k uses Swarmlink's
 * transport's sizes (64 KiB messages, 1 MiB high water). @roamhq/wrtc reports bufferedAmount 0
 * until about 2 MiB are queued inside it (lib/engine/rtc/NOTES.md).
 */
const RAW = {
  'raw-simple-peer': { messageBytes: 16 * 1024 + 13, highWaterBytes: 64 * 1024, pollMs: 150 },
  'raw-16k': { messageBytes: 16 * 1024, highWaterBytes: 64 * 1024, pollMs: 1 },
  'raw-64k': { messageBytes: 64 * 1024, highWaterBytes: 1024 * 1024, pollMs: 1 },
};

export function webrtcConfig() {
  return {
    mib: numberEnv('BENCH_WEBRTC_MIB', 128),
    /** Pairs (extension, bundle) from one seeder. */
    runs: numberEnv('BENCH_WEBRTC_RUNS', 3, { integer: true }),
    pieceKiB: numberEnv('BENCH_WEBRTC_PIECE_KIB', 256),
    /** Extra measurements of the bundle, one run each by default. */
    variants: listEnv('BENCH_WEBRTC_VARIANTS', VARIANTS, VARIANTS),
    variantRuns: numberEnv('BENCH_WEBRTC_VARIANT_RUNS', 1, { integer: true }),
    /** Seeders at once in the swarm measurement; 0: none. */
    swarmSeeders: numberEnv('BENCH_WEBRTC_SWARM_SEEDERS', 8, { min: 0, integer: true }),
    swarmRuns: numberEnv('BENCH_WEBRTC_SWARM_RUNS', 1, { integer: true }),
    timeoutMs: numberEnv('BENCH_WEBRTC_TIMEOUT_S', 240) * 1000,
    /** Memory is sampled this long after the download too: garbage not yet collected, or kept? */
    afterMs: numberEnv('BENCH_WEBRTC_AFTER_MS', 2000, { min: 0 }),
  };
}

/** The seeder child process, with a small promise API and its event log. */
async function startSeeder() {
  const child = fork(SEEDER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  /** @type {{ type: string, at: number, [k: string]: any }[]} */
  let events = [];
  /** @type {Map<string, (msg: any) => void>} */
  const waiting = new Map();
  let exited = /** @type {Error | null} */ (null);
  child.on('exit', (code, signal) => {
    exited = new Error(`the seeder process exited (${code ?? signal})`);
    for (const resolve of waiting.values()) resolve({ type: 'error', message: exited.message });
    waiting.clear();
  });
  child.on('message', (/** @type {any} */ msg) => {
    if (['wire', 'uploaded', 'announce', 'tracker-socket'].includes(msg.type)) {
      return void events.push(msg);
    }
    const key = msg.type === 'error' ? [...waiting.keys()][0] : msg.type;
    const resolve = key === undefined ? undefined : waiting.get(key);
    if (key !== undefined) waiting.delete(key);
    resolve?.(msg);
  });
  /** @param {string} type @param {object} [request] */
  /** A seeder that does not answer in time (a busy loop in the code it runs) is killed. */
  const ask = (type, request, timeoutMs = 60_000) =>
    new Promise((resolve, reject) => {
      if (exited) return reject(exited);
      const timer = setTimeout(() => {
        waiting.delete(type);
        child.kill('SIGKILL');
        reject(new Error(`the seeder process did not answer ${type} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      waiting.set(type, (msg) => {
        clearTimeout(timer);
        if (msg.type === 'error') reject(new Error(`seeder: ${msg.message}`));
        else resolve(msg);
      });
      if (request) child.send(request);
    });
  const ready = /** @type {any} */ (await ask('ready'));
  return {
    pid: /** @type {number} */ (child.pid),
    trackerUrl: /** @type {string} */ (ready.trackerUrl),
    /** @param {{ mib: number, seeders: number, pieceLength: number, name: string, salt: string, kind: SeederKind }} o */
    seed: async (o) => /** @type {any} */ (await ask('seeded', { type: 'seed', ...o }, 120_000)),
    get alive() {
      return !exited;
    },
    unseed: async () => /** @type {any} */ (await ask('unseeded', { type: 'unseed' })),
    /** @param {{ bytes: number, messageBytes: number, highWaterBytes: number, pollMs: number }} o */
    rawOffer: async (o) => /** @type {any} */ (await ask('raw-offer', { type: 'raw-offer', ...o })),
    /** @param {unknown} answer */
    rawAnswer: (answer) => ask('raw-answered', { type: 'raw-answer', answer }),
    /** The wire and upload events since the last call. */
    takeEvents() {
      const out = events;
      events = [];
      return out;
    },
    async close() {
      if (exited) return;
      child.send({ type: 'close' });
      await Promise.race([once(child, 'exit'), sleep(5000)]);
      if (!exited) child.kill('SIGKILL');
    },
  };
}

/**
 * The flags Playwright gives Chromium (recorded from a real launch with the project's own), so a
 * browser started by hand for the unattached page runs under the same conditions as the
 * extension's (shared/e2e-recipe.md).
 * @param {string} executablePath @param {string} tmpRoot
 */
async function playwrightArgs(executablePath, tmpRoot) {
  const userDataDir = await mkdtemp(path.join(tmpRoot, 'flags-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: CHROMIUM_BASE_ARGS,
  });
  try {
    const args = await cmdline(await findBrowserPid(userDataDir));
    return args
      .slice(1)
      .filter(
        (a) =>
          !a.startsWith('--user-data-dir=') &&
          a !== '--remote-debugging-pipe' &&
          a !== 'about:blank',
      );
  } finally {
    await context.close();
    await rm(userDataDir, { recursive: true, force: true, maxRetries: 5 });
  }
}

/** Chromium started by hand on one URL; nobody attached. */
async function spawnChromium(executablePath, args, userDataDir, url) {
  const proc = spawn(executablePath, [...args, `--user-data-dir=${userDataDir}`, url], {
    stdio: 'ignore',
  });
  const exited = once(proc, 'exit');
  return {
    pid: /** @type {number} */ (proc.pid),
    async close() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const done = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
      if (!done) {
        proc.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** @param {Promise<any>} p @param {number} ms @param {string} what */
function within(p, ms, what) {
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms / 1000} s`)), ms);
    }),
  ]);
}

/** Epoch ms (another process's performance.timeOrigin + now()) → this process's performance.now(). */
const local = (/** @type {number | undefined} */ at) =>
  at === undefined ? undefined : at - performance.timeOrigin;

/**
 * One download in a fresh browser and profile, from `seeders` fresh seeders of a fresh torrent
 * (or, raw-*, bytes on a bare data channel).
 * @param {{
 *   who: Who, seeders: number, run: number, group: string, seederKind: SeederKind,
 *   seeder: Awaited<ReturnType<typeof startSeeder>>, site: Awaited<ReturnType<typeof startSite>>,
 *   executablePath: string, extensionDir: string, tmpRoot: string, handArgs: string[],
 *   common: { sampleMs: number, settleMs: number, idleMs: number },
 *   cfg: ReturnType<typeof webrtcConfig>,
 * }} o
 */
async function measure(o) {
  const { who, cfg, common, seeder, site } = o;
  const name = `webrtc-${o.group}-${o.run}-${who}.bin`;
  const id = `${o.group}-${o.run}-${who}`;
  const raw = who in RAW ? RAW[/** @type {RawWho} */ (who)] : null;
  const seeded = raw
    ? { length: Math.round(cfg.mib * MiB), setupMs: null, infoHash: null, sha256: null }
    : await seeder.seed({
        mib: cfg.mib,
        seeders: o.seeders,
        pieceLength: cfg.pieceKiB * 1024,
        name,
        salt: `${id}-${Date.now()}`,
        kind: o.seederKind,
      });
  if (!raw) site.setTorrent(name, Buffer.from(seeded.torrentFile, 'base64'));
  const length = /** @type {number} */ (seeded.length);
  const workDir = await mkdtemp(path.join(o.tmpRoot, `${who}-`));
  const userDataDir = path.join(workDir, 'profile');
  /** @type {{ close(): Promise<void> } | undefined} */
  let browser;
  try {
    /** @type {number} */
    let browserPid;
    /** @type {() => Promise<{ startAt?: number, doneAt: number, saveStartAt?: number, page?: any }>} */
    let download;
    /** @type {(() => Promise<unknown>) | undefined} */
    let diagnose;
    let chromiumVersion = '';
    if (who === 'swarmlink') {
      const b = await launchBrowser({
        executablePath: o.executablePath,
        extensionDir: o.extensionDir,
        workDir,
      });
      browser = b;
      browserPid = b.browserPid;
      chromiumVersion = b.version;
      const page = b.context.pages()[0] ?? (await b.context.newPage());
      await page.goto(site.linkPageUrl(name));
      await waitForOffscreen(b.sw);
      download = async () => {
        const clickWall = Date.now();
        const startAt = performance.now();
        await page.click('#go');
        const doneAt = await waitForFile(path.join(b.downloadDir, name), length, cfg.timeoutMs, 20);
        const items = await downloadsInBrowser(b.sw).catch(() => []);
        const item = items.find((d) => path.basename(d.filename) === name);
        const saveStartAt = item ? startAt + (Date.parse(item.startTime) - clickWall) : undefined;
        return { startAt, doneAt, saveStartAt };
      };
      diagnose = async () => ({
        downloads: await downloadsInBrowser(b.sw).catch((e) => String(e)),
        popup: await popupState(b).catch((e) => String(e)),
      });
    } else if (who === 'webtorrent-attached') {
      const context = await chromium.launchPersistentContext(userDataDir, {
        executablePath: o.executablePath,
        headless: true,
        args: CHROMIUM_BASE_ARGS,
      });
      browser = context;
      chromiumVersion = context.browser()?.version() ?? '';
      browserPid = await findBrowserPid(userDataDir);
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto(site.webTorrentPageUrl());
      await page.waitForFunction(() => 'runWebTorrent' in globalThis);
      download = async () => {
        const page_ = await within(
          page.evaluate(
            ([url]) => /** @type {any} */ (globalThis).runWebTorrent(url, []),
            [site.torrentUrl(name)],
          ),
          cfg.timeoutMs,
          'the page',
        );
        return { startAt: local(page_.startAt), doneAt: local(page_.doneAt) ?? NaN, page: page_ };
      };
    } else {
      // A page in a Chromium nobody is attached to: it waits for go, runs, posts its result.
      const url = raw
        ? site.rawPageUrl({ id, bytes: length })
        : site.webTorrentPageUrl({ name, id, ice: who === 'webtorrent-stun' ? null : [] });
      const loaded = site.waiting(`go-${id}`);
      const b = await spawnChromium(o.executablePath, o.handArgs, userDataDir, url);
      browser = b;
      browserPid = b.pid;
      await within(loaded, 30_000, 'the page');
      if (raw) site.put(`offer-${id}`, (await seeder.rawOffer({ bytes: length, ...raw })).offer);
      download = async () => {
        const result = site.take(`result-${id}`);
        site.put(`go-${id}`, true);
        if (raw) await seeder.rawAnswer(await within(site.take(`answer-${id}`), 30_000, 'answer'));
        const page_ = await within(result, cfg.timeoutMs, 'the page');
        return { startAt: local(page_.startAt), doneAt: local(page_.doneAt) ?? NaN, page: page_ };
      };
    }
    await sleep(common.settleMs);

    const sampler = createTreeSampler(browserPid);
    const idleRun = sampler.start(common.sampleMs);
    await sleep(common.idleMs);
    const idle = idleLevel(await idleRun.stop());

    const load = os.loadavg()[0];
    seeder.takeEvents();
    const seederCpu0 = await cpuSeconds(seeder.pid);
    const threadSet = [...(await labelledTree(browserPid)), { pid: seeder.pid, label: 'seeder' }];
    const threads0 = await threadTicks(threadSet);
    const during = sampler.start(common.sampleMs);
    const t0 = performance.now();
    /** @type {Awaited<ReturnType<typeof download>> | undefined} */
    let r;
    /** @type {string | undefined} */
    let error;
    try {
      r = await download();
      if (r.page?.error) error = `page: ${r.page.error}`;
    } catch (err) {
      error = err instanceof Error ? err.message.split('\n')[0] : String(err);
    }
    const threads1 = await threadTicks(threadSet);
    const samples = await during.stop();
    const seederCpu1 = await cpuSeconds(seeder.pid);
    const afterRun = sampler.start(common.sampleMs);
    await sleep(Math.max(200, cfg.afterMs)); // and the last upload events
    const after = await afterRun.stop();
    const events = seeder.takeEvents();
    const peak = peakAbove(samples, idle);
    const first = samples[0];
    const last = samples[samples.length - 1];
    const cpu = first && last ? cpuBetween(first, last) : {};

    const startAt = r?.startAt ?? t0;
    const wires = events.filter((e) => e.type === 'wire');
    const firstWireAt = local(wires[0]?.at);
    const announce = events.find((e) => e.type === 'announce');
    const socket = events.find((e) => e.type === 'tracker-socket');
    const lastByteAt = local(events.find((e) => e.type === 'uploaded' && e.bytes >= length)?.at);
    const doneAt = r?.doneAt;
    /** @type {boolean | undefined} */
    let sha256Ok;
    if (who === 'swarmlink' && !error) {
      // The browser's downloads folder, under the profile's work folder.
      sha256Ok = (await sha256File(path.join(workDir, 'downloads', name))) === seeded.sha256;
      if (!sha256Ok) error = 'SHA-256 of the saved file differs';
    }
    const ms = (/** @type {number | undefined} */ at) =>
      at === undefined || !Number.isFinite(at) ? null : at - startAt;
    const timeMs = error ? null : ms(doneAt);
    const transferMs =
      firstWireAt !== undefined && lastByteAt !== undefined ? lastByteAt - firstWireAt : null;
    const diagnostics = error && diagnose ? await diagnose().catch((e) => String(e)) : undefined;
    const unseeded = await seeder.unseed().catch(() => ({}));
    return {
      who,
      seeders: o.seeders,
      seederKind: o.seederKind,
      group: o.group,
      run: o.run,
      ok: !error,
      error,
      sizeBytes: length,
      infoHash: seeded.infoHash,
      /** start (click, or add in the page) → saved file on disk (swarmlink) or 'done' (page). */
      timeMs,
      mibPerS: timeMs ? length / MiB / (timeMs / 1000) : null,
      /** start → the first wire the seeders saw. */
      setupMs: ms(firstWireAt),
      /** start → the downloader's WebSocket to the tracker connected. */
      trackerSocketMs: ms(local(socket?.at)),
      /** start → the downloader's first announce reached the tracker (and its offers). */
      announceMs: ms(local(announce?.at)),
      announceOffers: announce?.offers ?? null,
      /** Seeder side: first wire → the last byte of the file sent. */
      transferMs,
      transferMiBPerS: transferMs ? length / MiB / (transferMs / 1000) : null,
      /** Seeder side: last byte sent → done (swarmlink: verifying, storing, saving the file). */
      tailMs: lastByteAt !== undefined && doneAt !== undefined ? doneAt - lastByteAt : null,
      /** swarmlink: the downloads item that wrote the file started → file complete. */
      saveMs: r?.saveStartAt !== undefined && doneAt !== undefined ? doneAt - r.saveStartAt : null,
      wires: wires.length,
      seedersReached: /** @type {any} */ (unseeded).seedersReached ?? null,
      seederUploadedBytes: /** @type {any} */ (unseeded).uploaded ?? null,
      uploadedBySeeder: /** @type {any} */ (unseeded).uploadedBySeeder ?? null,
      /** Seeder side: [ms since start, bytes sent] every 1/8 of the file. */
      uploadTimeline: events
        .filter((e) => e.type === 'uploaded')
        .map((e) => [Math.round((local(e.at) ?? 0) - startAt), e.bytes]),
      seedSetupMs: seeded.setupMs,
      idleBytes: idle.total,
      peakAboveIdleBytes: peak.aboveIdle,
      nonFilePeakAboveIdleBytes: peak.nonFileAboveIdle,
      ownPeakAboveIdleByKind: peak.ownPeakByKind,
      ownNonFilePeakAboveIdleByKind: peak.ownNonFilePeakByKind,
      /**
       * The renderer that downloads (the extension's, or the page's): its own peak of PSS −
       * Pss_File (file-backed pages move when other Chromiums start or stop) − its idle.
       */
      rendererPeakAboveIdleBytes: peak.ownNonFilePeakByKind[rendererKind(who)] ?? null,
      /** The same renderer's level (median) in the last half of the time sampled after. */
      rendererAfterAboveIdleBytes: after.length
        ? median(
            after
              .slice(after.length >> 1)
              .map(
                (x) =>
                  (x.nonFileByKind[rendererKind(who)] ?? 0) -
                  (idle.nonFileByKind[rendererKind(who)] ?? 0),
              ),
          )
        : null,
      /** Max of Σ (PSS − Pss_File) − idle within each quarter of the download: flat, or growing? */
      quartersAboveIdleBytes: quarters(samples, idle.nonFile),
      cpuSecondsByKind: cpu,
      seederCpuSeconds: seederCpu0 !== null && seederCpu1 !== null ? seederCpu1 - seederCpu0 : null,
      /**
       * The busiest threads during the download (browser tree and seeder process): one near
       * the download's wall time is what bounds it.
       */
      busiestThreads: threadCpuBetween(threads0, threads1)
        .slice(0, 8)
        .map((t) => ({ ...t, ofWall: timeMs ? t.seconds / (timeMs / 1000) : null })),
      load,
      sha256Ok,
      page: r?.page
        ? {
            metadataMs: ms(local(r.page.metadataAt)),
            firstWireMs: ms(local(r.page.firstWireAt)),
            firstByteMs: ms(local(r.page.firstByteAt)),
            wires: r.page.wires,
          }
        : undefined,
      diagnostics,
      chromium: chromiumVersion,
    };
  } finally {
    await browser?.close().catch(() => {});
    await rm(workDir, { recursive: true, force: true, maxRetries: 5 });
  }
}

/** @param {Who} who */
const rendererKind = (who) => (who === 'swarmlink' ? 'renderer (extension)' : 'renderer (page)');

/** @param {import('./memory.mjs').Sample[]} samples @param {number} idle */
function quarters(samples, idle) {
  if (samples.length < 4) return [];
  const t0 = /** @type {any} */ (samples[0]).t;
  const span = /** @type {any} */ (samples[samples.length - 1]).t - t0 || 1;
  const out = [-Infinity, -Infinity, -Infinity, -Infinity];
  for (const s of samples) {
    const q = Math.min(3, Math.floor(((s.t - t0) / span) * 4));
    out[q] = Math.max(/** @type {number} */ (out[q]), s.nonFile - idle);
  }
  return out.map((v) => (Number.isFinite(v) ? v : null));
}

/** @param {any[]} list @param {(m: any) => number | null | undefined} pick */
const med = (list, pick) => {
  const v = list
    .filter((m) => m.ok)
    .map(pick)
    .filter((x) => x !== null && x !== undefined && Number.isFinite(x));
  return v.length ? median(v) : NaN;
};

/**
 * Per group (seeder count): medians per who, and swarmlink ÷ webtorrent speed as the median of
 * the per-run ratios (the two of a run were taken back to back).
 * @param {any[]} all
 */
export function summarizeWebrtc(all) {
  const groups = [...new Set(all.map((m) => m.group))];
  return groups.map((group) => {
    const inGroup = all.filter((m) => m.group === group);
    const whos = /** @type {Who[]} */ ([...new Set(inGroup.map((m) => m.who))]);
    const by = Object.fromEntries(
      whos.map((who) => {
        const list = inGroup.filter((m) => m.who === who);
        const kinds = [...new Set(list.flatMap((m) => Object.keys(m.cpuSecondsByKind ?? {})))];
        return [
          who,
          {
            runs: list.length,
            ok: list.filter((m) => m.ok).length,
            timeMs: med(list, (m) => m.timeMs),
            mibPerS: med(list, (m) => m.mibPerS),
            setupMs: med(list, (m) => m.setupMs),
            announceMs: med(list, (m) => m.announceMs),
            trackerSocketMs: med(list, (m) => m.trackerSocketMs),
            transferMiBPerS: med(list, (m) => m.transferMiBPerS),
            tailMs: med(list, (m) => m.tailMs),
            saveMs: med(list, (m) => m.saveMs),
            wires: med(list, (m) => m.wires),
            peakAboveIdleBytes: med(list, (m) => m.peakAboveIdleBytes),
            nonFilePeakAboveIdleBytes: med(list, (m) => m.nonFilePeakAboveIdleBytes),
            seedersReached: med(list, (m) => m.seedersReached),
            rendererPeakAboveIdleBytes: med(list, (m) => m.rendererPeakAboveIdleBytes),
            rendererAfterAboveIdleBytes: med(list, (m) => m.rendererAfterAboveIdleBytes),
            quartersAboveIdleBytes: [0, 1, 2, 3].map((q) =>
              med(list, (m) => m.quartersAboveIdleBytes?.[q]),
            ),
            cpuSecondsByKind: Object.fromEntries(
              kinds.map((k) => [k, med(list, (m) => m.cpuSecondsByKind?.[k] ?? 0)]),
            ),
            seederCpuSeconds: med(list, (m) => m.seederCpuSeconds),
          },
        ];
      }),
    );
    const runs = [...new Set(inGroup.map((m) => m.run))];
    /** @param {(m: any) => number | null} pick */
    const paired = (pick) =>
      median(
        runs
          .map((run) => {
            const a = inGroup.find((m) => m.run === run && m.who === 'swarmlink' && m.ok);
            const b = inGroup.find((m) => m.run === run && m.who === 'webtorrent' && m.ok);
            const x = a && pick(a);
            const y = b && pick(b);
            return x && y ? x / y : NaN;
          })
          .filter(Number.isFinite),
      );
    return {
      group,
      seeders: inGroup[0]?.seeders,
      seederKind: inGroup[0]?.seederKind,
      by,
      speedRatio: paired((m) => m.mibPerS),
      transferSpeedRatio: paired((m) => m.transferMiBPerS),
    };
  });
}

const LABELS = {
  swarmlink: 'swarmlink (extension; engine in the unattached offscreen document)',
  webtorrent: 'webtorrent bundle (page, nobody attached)',
  'webtorrent-stun': "  variant: bundle with WebTorrent's public STUN defaults",
  'webtorrent-attached': '  variant: bundle in a page Playwright is attached to',
  'raw-simple-peer': '  bare data channel Node → page, sent as simple-peer does (150 ms polls)',
  'raw-16k': '  bare data channel Node → page, 16 KiB messages, 1 ms polls',
  'raw-64k': '  bare data channel Node → page, 64 KiB messages, 1 ms polls',
};

/** @param {ReturnType<typeof summarizeWebrtc>} summary @param {any[]} all @param {ReturnType<typeof webrtcConfig>} cfg */
export function webrtcReport(summary, all, cfg) {
  const lines = [''];
  lines.push(
    `WebRTC throughput: ${cfg.mib} MiB torrent (${cfg.pieceKiB} KiB pieces) whose only source is ` +
      'WebTorrent 3 seeders in Node (@roamhq/wrtc), no web seed. time = click → saved file ' +
      "complete on disk (extension) or add → 'done' (bundle); socket / announce = start → its " +
      'WebSocket to the tracker connected / its first announce (with its offers: non-trickle, ' +
      'so after ICE gathering) reached the tracker; setup = start → first wire the seeders saw; transfer = seeder side, first wire → last byte sent; tail = last byte sent → ' +
      'done; memory = peak Σ PSS of the browser tree − idle just before ((non-file): of ' +
      'PSS − Pss_File, which other Chromiums starting or stopping do not move); renderer = ' +
      'the same, non-file, of the process that downloads: the extension renderer (offscreen ' +
      'document, its workers, service worker) or the page.',
  );
  lines.push('');
  lines.push('Per run');
  lines.push(
    table(
      [
        'seeders',
        'run',
        'who',
        'time s',
        'MiB/s',
        'setup s',
        'transfer MiB/s',
        'tail s',
        'wires',
        'seeders used',
        'peak−idle MiB',
        '(non-file)',
        'renderer MiB',
        'load',
        'note',
      ],
      all.map((m) => [
        `${m.seeders}${m.seederKind === 'swarmlink' ? ' sl' : m.who.startsWith('raw') ? ' raw' : ' wt'}`,
        String(m.run),
        m.who,
        secs(m.timeMs),
        m.mibPerS ? m.mibPerS.toFixed(1) : '—',
        secs(m.setupMs),
        m.transferMiBPerS ? m.transferMiBPerS.toFixed(1) : '—',
        secs(m.tailMs),
        String(m.wires ?? '—'),
        String(m.seedersReached ?? '—'),
        mib(m.peakAboveIdleBytes),
        mib(m.nonFilePeakAboveIdleBytes),
        mib(m.rendererPeakAboveIdleBytes),
        (m.load ?? 0).toFixed(1),
        m.error ?? (m.sha256Ok ? 'sha256 ok' : ''),
      ]),
    ),
  );
  for (const g of summary) {
    lines.push('');
    const from =
      g.seederKind === 'swarmlink'
        ? '1 Swarmlink engine in Node as the seeder (not the target setup: shows the receivers ' +
          'when the seeder is not what bounds them)'
        : `${g.seeders} WebTorrent seeder${g.seeders === 1 ? '' : 's'} in Node`;
    lines.push(
      `Summary, from ${from} (medians): swarmlink ÷ webtorrent speed ${ratio(g.speedRatio)} ` +
        `(target ≥ 1.20×); seeder-side transfer ${ratio(g.transferSpeedRatio)}`,
    );
    const whos = /** @type {Who[]} */ (Object.keys(g.by));
    lines.push(
      table(
        [
          'who',
          'ok',
          'time s',
          'MiB/s',
          'socket s',
          'announce s',
          'setup s',
          'transfer MiB/s',
          'tail s',
          'save s',
          'peak−idle MiB',
          '(non-file)',
          'renderer MiB',
          'after',
          'by quarter MiB',
          'CPU s renderer',
          'CPU s seeder',
        ],
        whos.map((who) => {
          const s = g.by[who];
          const renderer = rendererKind(who);
          return [
            LABELS[who] ?? who,
            `${s.ok}/${s.runs}`,
            secs(s.timeMs),
            Number.isFinite(s.mibPerS) ? s.mibPerS.toFixed(1) : '—',
            secs(s.trackerSocketMs),
            secs(s.announceMs),
            secs(s.setupMs),
            Number.isFinite(s.transferMiBPerS) ? s.transferMiBPerS.toFixed(1) : '—',
            secs(s.tailMs),
            secs(s.saveMs),
            mib(s.peakAboveIdleBytes),
            mib(s.nonFilePeakAboveIdleBytes),
            mib(s.rendererPeakAboveIdleBytes),
            mib(s.rendererAfterAboveIdleBytes),
            s.quartersAboveIdleBytes.map((/** @type {number} */ b) => mib(b, 0)).join('/'),
            Number.isFinite(s.cpuSecondsByKind[renderer])
              ? s.cpuSecondsByKind[renderer].toFixed(1)
              : '—',
            Number.isFinite(s.seederCpuSeconds) ? s.seederCpuSeconds.toFixed(1) : '—',
          ];
        }),
      ),
    );
  }
  lines.push(
    'after: the renderer, the same way, 1–2 s after the download (BENCH_WEBRTC_AFTER_MS): ' +
      'garbage not yet collected falls, memory kept does not. by quarter: the largest Σ (PSS − ' +
      'Pss_File) − idle in each quarter of the download (flat = not growing with the bytes ' +
      'received). CPU s: user + system seconds during the download.',
  );
  return lines.join('\n');
}

/**
 * @param {{
 *   executablePath: string, extensionDir: string, tmpRoot: string,
 *   common: { sampleMs: number, settleMs: number, idleMs: number },
 *   log: (m: string) => void,
 * }} o
 */
export async function runWebrtcPart(o) {
  const cfg = webrtcConfig();
  /** @type {{ who: Who, seeders: number, run: number, group: string, seederKind: SeederKind }[]} */
  const plan = [];
  /** @param {Who[]} whos @param {Omit<(typeof plan)[number], 'who'>} rest */
  const add = (whos, rest) => whos.forEach((who) => plan.push({ who, ...rest }));
  /** @param {number} run @returns {Who[]} alternating order */
  const pair = (run) => (run % 2 ? ['webtorrent', 'swarmlink'] : ['swarmlink', 'webtorrent']);
  const one = { seeders: 1, group: 'one', seederKind: /** @type {SeederKind} */ ('webtorrent') };
  for (let run = 1; run <= cfg.runs; run++) add(pair(run), { ...one, run });
  for (const v of cfg.variants) {
    for (let run = 1; run <= cfg.variantRuns; run++) {
      if (v === 'raw') add(['raw-simple-peer', 'raw-16k', 'raw-64k'], { ...one, run });
      else if (v === 'swarmlink-seeder') {
        add(pair(run), { seeders: 1, run, group: 'swarmlink-seeder', seederKind: 'swarmlink' });
      } else add([`webtorrent-${v}`], { ...one, run });
    }
  }
  if (cfg.swarmSeeders > 0) {
    for (let run = 1; run <= cfg.swarmRuns; run++) {
      add(pair(run + 1), {
        seeders: cfg.swarmSeeders,
        run,
        group: `swarm-${cfg.swarmSeeders}`,
        seederKind: 'webtorrent',
      });
    }
  }
  o.log(
    `webrtc: ${cfg.mib} MiB, ${plan.length} downloads (${cfg.runs} pair(s) from 1 seeder, ` +
      `variants ${cfg.variants.join(', ') || 'none'}, ` +
      `${cfg.swarmSeeders ? `${cfg.swarmRuns} pair(s) from ${cfg.swarmSeeders} seeders` : 'no swarm'})`,
  );
  const handArgs = await playwrightArgs(o.executablePath, o.tmpRoot);
  let seeder = await startSeeder();
  const trackerUrl = seeder.trackerUrl;
  const site = await startSite();
  /** @type {any[]} */
  const all = [];
  try {
    for (const step of plan) {
      if (!seeder.alive) {
        o.log('webrtc: the seeder process is gone (see above): starting another');
        seeder = await startSeeder();
      }
      const m = await measure({ ...step, seeder, site, handArgs, cfg, ...o }).catch((err) => ({
        ...step,
        ok: false,
        error: `run failed: ${err instanceof Error ? err.message.split('\n')[0] : err}`,
        timeMs: null,
        load: os.loadavg()[0],
        diagnostics: { stack: err instanceof Error ? err.stack : undefined },
      }));
      await seeder.unseed().catch(() => {});
      all.push(m);
      o.log(
        `webrtc ${step.seeders} seeder(s) run ${step.run} ${step.who}: ` +
          (m.error
            ? `FAILED: ${m.error}`
            : `${secs(m.timeMs)} s, ${m.mibPerS?.toFixed(1)} MiB/s (setup ${secs(m.setupMs)} s, ` +
              `transfer ${m.transferMiBPerS?.toFixed(1) ?? '—'} MiB/s, ${m.wires} wire(s)), ` +
              `peak ${mib(m.peakAboveIdleBytes)} MiB above idle`),
      );
      if (m.error && m.diagnostics) o.log(`  diagnostics: ${JSON.stringify(m.diagnostics)}`);
    }
  } finally {
    await site.close();
    await seeder.close();
  }
  const summary = summarizeWebrtc(all);
  return {
    config: cfg,
    trackerUrl,
    chromiumArgsForThePage: handArgs,
    summary,
    measurements: all,
    report: webrtcReport(summary, all, cfg),
    failed: all.filter((m) => !m.ok).length,
  };
}

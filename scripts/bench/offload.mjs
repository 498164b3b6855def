// `npm run bench`, part "offload": the server-offload scene (tests/scenes/offload.ts) at full
// size. BENCH_OFFLOAD_READERS readers (8) start BENCH_OFFLOAD_STAGGER_MS (250) apart on one
// BENCH_OFFLOAD_MIB (64) MiB torrent with BENCH_OFFLOAD_PIECE_KIB (256) KiB pieces, whose web
// seed sends BENCH_OFFLOAD_RATE_MIB (8) MiB/s in all, and one local WebSocket tracker; readers
// are Swarmlink engines or WebTorrent 3 clients in Node over @roamhq/wrtc, each in a process
// of its own (BENCH_OFFLOAD_PROCESSES=0: all in the scene's process); the web server too.
// Per run (BENCH_OFFLOAD_RUNS, 1), in one benchmark run:
//  - a lone reader of each kind on the same setup: the baseline of that kind's time ratios;
//  - the full scene for each kind: web server bytes ÷ file size ("copies"; plain downloads
//    would be one per reader) and each reader's time ÷ the lone reader's;
//  - the Swarmlink scene with an unlimited web seed (BENCH_OFFLOAD_CEILING=0 skips it): on two
//    cores WebRTC between the readers, not the web seed, bounds the time (shared/e2e-recipe.md),
//    so this is the machine's ceiling for the scene.
// Each scene runs in its own child process (offload-scene.mjs). The bench's mainThreadBusy and
// CPU figures are of that process only: with readers in processes of their own they cover
// the scene's bookkeeping, not the readers.
import { fork, spawnSync } from 'node:child_process';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { clearTimeout, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { numberEnv } from './env.mjs';
import { median } from './memory.mjs';
import { ratio, secs, table } from './report.mjs';

const MiB = 1024 * 1024;
const SCENE = fileURLToPath(new URL('./offload-scene.mjs', import.meta.url));
const STACK_DUMP = fileURLToPath(new URL('./stack-dump.mjs', import.meta.url));

/** Targets of the issue: server copies, and the slowest reader against a lone one. */
export const OFFLOAD_TARGETS = { copies: 1.15, slowestRatio: 1.5 };

export function offloadConfig() {
  return {
    mib: numberEnv('BENCH_OFFLOAD_MIB', 64),
    readers: numberEnv('BENCH_OFFLOAD_READERS', 8, { integer: true }),
    rateMiBPerS: numberEnv('BENCH_OFFLOAD_RATE_MIB', 8),
    staggerMs: numberEnv('BENCH_OFFLOAD_STAGGER_MS', 250, { min: 0 }),
    pieceKiB: numberEnv('BENCH_OFFLOAD_PIECE_KIB', 256),
    runs: numberEnv('BENCH_OFFLOAD_RUNS', 1, { integer: true }),
    ceiling: numberEnv('BENCH_OFFLOAD_CEILING', 1, { min: 0, integer: true }) > 0,
    /** Each reader in a process of its own, as separate browsers (tests/scenes/reader-process.mjs). */
    processes: numberEnv('BENCH_OFFLOAD_PROCESSES', 1, { min: 0, integer: true }) > 0,
    /** In one process: WebTorrent readers get a tracker socket each (offload-scene.mjs). */
    wtOwnSockets: numberEnv('BENCH_OFFLOAD_WT_OWN_SOCKETS', 1, { min: 0, integer: true }) > 0,
    /** The scene's own timeout; the process is killed 30 s later (its stack recorded first). */
    timeoutMs: numberEnv('BENCH_OFFLOAD_TIMEOUT_S', 150) * 1000,
  };
}

/**
 * @typedef {'swarmlink' | 'webtorrent'} Kind
 * @typedef {'lone' | 'scene' | 'ceiling'} Role
 */

/**
 * Runs one scene in a child process.
 * @param {{ scene: object, wtOwnSockets: boolean }} options scene: SceneOptions without log
 * @param {(line: string) => void} log
 * @param {number} timeoutMs the scene's own timeout
 * @returns {Promise<any>} the child's result message, and wallMs (its whole life)
 */
function runScene(options, log, timeoutMs) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = fork(SCENE, [JSON.stringify(options)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    /** @type {string | null} */
    let stuckAt = null;
    // The scene's own deadline is checked on engine updates only: a busy loop never reaches
    // it. So after its timeout and a margin, ask where its main thread is, then kill it.
    const timer = setTimeout(() => {
      stuckAt = stackOf(/** @type {number} */ (child.pid));
      child.kill('SIGKILL');
    }, timeoutMs + 30_000);
    /** @type {any} */
    let answer;
    child.on('message', (/** @type {any} */ msg) => {
      if (msg.type === 'log') log(msg.line);
      else answer = msg;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (answer?.type === 'result') {
        resolve({ ...answer, wallMs: performance.now() - started });
      } else if (answer?.type === 'error') {
        reject(new Error(answer.message));
      } else if (stuckAt !== null) {
        reject(
          new Error(
            `the scene did not end within ${(timeoutMs + 30_000) / 1000} s; killed. Its main ` +
              `thread was at:\n${stuckAt}`,
          ),
        );
      } else {
        reject(new Error(`the scene process exited (${code ?? signal}) without a result`));
      }
    });
  });
}

/** The main thread's stack of a running Node process (stack-dump.mjs), or why there is none. */
function stackOf(/** @type {number} */ pid) {
  try {
    process.kill(pid, 'SIGUSR1'); // opens its inspector on 127.0.0.1:9229
  } catch (err) {
    return `  (no stack: ${err})`;
  }
  const r = spawnSync(process.execPath, ['--experimental-websocket', STACK_DUMP], {
    encoding: 'utf8',
    timeout: 15_000,
  });
  return (r.stdout || `  (no stack: ${r.stderr || r.error})`).trimEnd();
}

/**
 * @param {{ log: (m: string) => void }} o
 */
export async function runOffloadPart(o) {
  const cfg = offloadConfig();
  /** @type {{ kind: Kind, role: Role, run: number, readers: number, rateLimit: number }[]} */
  const plan = [];
  const rate = Math.round(cfg.rateMiBPerS * MiB);
  for (let run = 1; run <= cfg.runs; run++) {
    /** @type {Kind[]} */
    const kinds = run % 2 ? ['swarmlink', 'webtorrent'] : ['webtorrent', 'swarmlink'];
    for (const kind of kinds) plan.push({ kind, role: 'lone', run, readers: 1, rateLimit: rate });
    for (const kind of kinds) {
      plan.push({ kind, role: 'scene', run, readers: cfg.readers, rateLimit: rate });
    }
    if (cfg.ceiling) {
      plan.push({ kind: 'swarmlink', role: 'ceiling', run, readers: cfg.readers, rateLimit: 0 });
    }
  }
  o.log(
    `offload: ${cfg.readers} readers ${cfg.staggerMs} ms apart, ${cfg.mib} MiB, ` +
      `web seed ${cfg.rateMiBPerS} MiB/s; ${plan.length} scene(s)`,
  );
  /** @type {any[]} */
  const scenes = [];
  for (const step of plan) {
    const label = `${step.kind} ${step.role} (${step.readers} reader(s), run ${step.run})`;
    o.log(`offload: ${label}…`);
    const load = os.loadavg()[0];
    try {
      const r = await runScene(
        {
          scene: {
            kind: step.kind,
            readers: step.readers,
            mib: cfg.mib,
            rateLimit: step.rateLimit,
            staggerMs: cfg.staggerMs,
            pieceLength: cfg.pieceKiB * 1024,
            timeoutMs: cfg.timeoutMs,
            processes: cfg.processes,
          },
          wtOwnSockets: cfg.wtOwnSockets,
        },
        (line) => o.log(`  ${line}`),
        cfg.timeoutMs,
      );
      const res = r.result;
      const ok = res.ok.every(Boolean);
      scenes.push({
        ...step,
        ok,
        error: ok ? undefined : 'a reader got wrong bytes',
        copies: res.copies,
        servedBytes: res.served,
        sizeBytes: res.size,
        timesMs: res.times,
        readersOk: res.ok,
        cpuSeconds: r.cpuSeconds,
        sceneMs: r.sceneMs,
        mainThreadBusy: r.mainThreadBusy,
        busiestThreads: r.busiestThreads,
        maxRssBytes: r.maxRssBytes,
        wallMs: r.wallMs,
        load,
      });
      o.log(
        `offload: ${label}: ${res.copies.toFixed(2)} copies, slowest ` +
          `${secs(Math.max(...res.times))} s${ok ? '' : ', WRONG BYTES'}`,
      );
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      scenes.push({ ...step, ok: false, error: message.split('\n')[0], detail: message, load });
      o.log(`offload: ${label} FAILED: ${message}`);
    }
  }
  const summary = summarizeOffload(scenes, cfg);
  return {
    config: cfg,
    targets: OFFLOAD_TARGETS,
    summary,
    scenes,
    report: offloadReport(summary, scenes, cfg),
    failed: scenes.filter((s) => !s.ok).length,
  };
}

/** Thread names of a Node process running @roamhq/wrtc. @type {Record<string, string>} */
const THREAD_NAMES = {
  'main thread (node)': 'main',
  PeerConnectionF: 'wrtc',
  node: 'libuv/V8 helpers',
};

/** @param {number[]} v */
const med = (v) => {
  const f = v.filter(Number.isFinite);
  return f.length ? median(f) : NaN;
};

/**
 * Per kind: median copies, and reader times ÷ the lone reader's of the same kind and run
 * (per reader position: the median over runs). The ceiling's ratios use Swarmlink's lone reader
 * with the limited web seed.
 * @param {any[]} scenes @param {ReturnType<typeof offloadConfig>} cfg
 */
export function summarizeOffload(scenes, cfg) {
  const lone = (/** @type {Kind} */ kind, /** @type {number} */ run) =>
    scenes.find((s) => s.ok && s.role === 'lone' && s.kind === kind && s.run === run)?.timesMs[0];
  /** @param {Kind} kind @param {Role} role */
  const of = (kind, role) => {
    const list = scenes.filter((s) => s.ok && s.kind === kind && s.role === role);
    const ratios = list.map((s) => {
      const base = lone(kind, s.run);
      return s.timesMs.map((/** @type {number} */ t) => (base ? t / base : NaN));
    });
    const perReader = Array.from({ length: cfg.readers }, (_, i) =>
      med(ratios.map((r) => r[i] ?? NaN)),
    );
    const timesMs = Array.from({ length: cfg.readers }, (_, i) =>
      med(list.map((s) => s.timesMs[i] ?? NaN)),
    );
    return {
      runs: scenes.filter((s) => s.kind === kind && s.role === role).length,
      ok: list.length,
      copies: med(list.map((s) => s.copies)),
      loneMs: med(list.map((s) => lone(kind, s.run) ?? NaN)),
      timesMs,
      ratios: perReader,
      slowestRatio: med(ratios.map((r) => Math.max(...r))),
      medianRatio: med(ratios.map((r) => med(r))),
      cpuSeconds: med(list.map((s) => s.cpuSeconds)),
      sceneMs: med(list.map((s) => s.sceneMs)),
      mainThreadBusy: med(list.map((s) => s.mainThreadBusy ?? NaN)),
      /** The two busiest threads of the first ok run: name and share of the scene's time. */
      busiest: (list[0]?.busiestThreads ?? [])
        .slice(0, 2)
        .map((/** @type {{ thread: string, seconds: number }} */ t) => ({
          thread: t.thread.replace(/^scene: /, ''),
          share: t.seconds / ((list[0]?.sceneMs ?? NaN) / 1000),
        })),
    };
  };
  const loneOf = (/** @type {Kind} */ kind) => {
    const list = scenes.filter((s) => s.ok && s.kind === kind && s.role === 'lone');
    return {
      ok: list.length,
      timeMs: med(list.map((s) => s.timesMs[0])),
      copies: med(list.map((s) => s.copies)),
    };
  };
  return {
    lone: { swarmlink: loneOf('swarmlink'), webtorrent: loneOf('webtorrent') },
    scene: { swarmlink: of('swarmlink', 'scene'), webtorrent: of('webtorrent', 'scene') },
    ceiling: cfg.ceiling ? of('swarmlink', 'ceiling') : null,
  };
}

const x2 = (/** @type {number} */ n) => (Number.isFinite(n) ? n.toFixed(2) : '—');

/**
 * @param {ReturnType<typeof summarizeOffload>} s @param {any[]} scenes
 * @param {ReturnType<typeof offloadConfig>} cfg
 */
export function offloadReport(s, scenes, cfg) {
  const lines = [''];
  lines.push(
    `Server offload: ${cfg.readers} readers ${cfg.staggerMs} ms apart, one ${cfg.mib} MiB torrent ` +
      `(${cfg.pieceKiB} KiB pieces), web seed ${cfg.rateMiBPerS} MiB/s in all, local WebSocket ` +
      'tracker, the web server in a process of its own; ' +
      (cfg.processes
        ? 'each reader in a Node process of its own (@roamhq/wrtc; BENCH_OFFLOAD_PROCESSES=0: all in one). '
        : 'all readers in one Node process (@roamhq/wrtc). ') +
      'copies = web server bytes sent ÷ ' +
      `file size (target ≤ ${OFFLOAD_TARGETS.copies}; plain downloads: ${cfg.readers}.0). ` +
      "÷ lone = a reader's time ÷ a lone reader's of the same kind on the same setup " +
      `(target: slowest ≤ ${OFFLOAD_TARGETS.slowestRatio}×).` +
      (cfg.processes
        ? ''
        : cfg.wtOwnSockets
          ? ' WebTorrent readers: one tracker socket each, as separate browsers ' +
            '(BENCH_OFFLOAD_WT_OWN_SOCKETS=0: the scene as written, one shared socket; ' +
            'see scripts/bench/offload-scene.mjs).'
          : ' WebTorrent readers share one tracker socket (the scene as written).') +
      (cfg.runs > 1 ? ` Medians of ${cfg.runs} runs.` : ''),
  );
  lines.push('');
  const row = (/** @type {string} */ label, /** @type {any} */ v, /** @type {number} */ loneMs) => [
    label,
    `${v.ok}/${v.runs}`,
    x2(v.copies),
    secs(loneMs),
    v.timesMs.map((/** @type {number} */ t) => secs(t)).join(' '),
    v.ratios.map(x2).join(' '),
    ratio(v.slowestRatio),
    ratio(v.medianRatio),
    Number.isFinite(v.cpuSeconds) ? v.cpuSeconds.toFixed(0) : '—',
    secs(v.sceneMs),
    v.busiest
      .map((/** @type {{ thread: string, share: number }} */ t) => {
        const name = THREAD_NAMES[t.thread] ?? t.thread;
        return `${name} ${(t.share * 100).toFixed(0)}%`;
      })
      .join(', ') || '—',
  ];
  const rows = [
    row('swarmlink', s.scene.swarmlink, s.lone.swarmlink.timeMs),
    row('webtorrent 3', s.scene.webtorrent, s.lone.webtorrent.timeMs),
  ];
  if (s.ceiling) {
    rows.push(row('ceiling: swarmlink, unlimited web seed', s.ceiling, s.lone.swarmlink.timeMs));
  }
  lines.push(
    table(
      [
        'scene',
        'ok',
        'copies',
        'lone s',
        'reader times s (in order of arrival)',
        '÷ lone, each reader',
        'slowest ÷ lone',
        'median ÷ lone',
        'CPU s',
        'scene s',
        'busiest threads (CPU ÷ scene s)',
      ],
      rows,
    ),
  );
  lines.push(
    `lone: one reader alone (copies ${x2(s.lone.swarmlink.copies)} swarmlink, ` +
      `${x2(s.lone.webtorrent.copies)} webtorrent). The ceiling row divides by Swarmlink's lone ` +
      `reader at ${cfg.rateMiBPerS} MiB/s. CPU s: the scene process's user + system seconds ` +
      `(${os.cpus().length} CPUs) during the scene (scene s). ` +
      (cfg.processes
        ? 'With readers and the web server in processes of their own, CPU s and busiest ' +
          "threads are the scene process's bookkeeping only; the machine's load column says " +
          'how busy all of them kept it.'
        : 'Busiest threads: every reader shares one event loop (main), and @roamhq/wrtc runs ' +
          'every connection of the process on one network thread (wrtc); one near 100% bounds ' +
          'the times.'),
  );
  const failed = scenes.filter((x) => !x.ok);
  for (const f of failed) {
    lines.push(`FAILED: ${f.kind} ${f.role} run ${f.run}: ${f.detail ?? f.error}`.trimEnd());
  }
  return lines.join('\n');
}

// Memory of a Chromium process tree on Linux: the sum of PSS (/proc/<pid>/smaps_rollup) over the
// browser process and all its descendants, split by process kind, sampled on a timer.
import { readFile, readdir } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * total: Σ PSS. nonFile: Σ (PSS − Pss_File), i.e. anonymous and shared memory only: PSS of
 * file-backed pages (the Chromium binary, libraries, fonts) is split among every process on the
 * machine that maps them, so it moves when another Chromium starts or stops elsewhere.
 * nonFileByKind: the same split by process kind. cpu: per process (key `pid:start`), its kind
 * and the CPU ticks it has used so far.
 * @typedef {{ t: number, total: number, nonFile: number, byKind: Record<string, number>, nonFileByKind: Record<string, number>, processes: number, cpu: Map<string, { kind: string, ticks: number }> }} Sample
 */

/** Linux clock ticks per second (USER_HZ), the unit of utime and stime in /proc/<pid>/stat. */
const TICKS_PER_S = 100;

/** @typedef {{ ppid: number, start: string, cpuTicks: number }} ProcStat */

/** @param {string} pid @returns {Promise<ProcStat | null>} */
async function readStat(pid) {
  try {
    const text = await readFile(`/proc/${pid}/stat`, 'utf8');
    // comm may hold spaces and parentheses: the fields that follow start after the last ')'.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return {
      ppid: Number(rest[1]),
      start: rest[19] ?? '',
      cpuTicks: Number(rest[11] ?? 0) + Number(rest[12] ?? 0), // utime + stime
    };
  } catch {
    return null; // exited meanwhile
  }
}

/** CPU seconds (user + system) one process has used so far; null when it is gone. */
export async function cpuSeconds(/** @type {number} */ pid) {
  const s = await readStat(String(pid));
  return s ? s.cpuTicks / TICKS_PER_S : null;
}

/** Every live process: pid → { ppid, start, cpuTicks }. */
async function processTable() {
  const names = (await readdir('/proc')).filter((n) => /^\d+$/.test(n));
  const stats = await Promise.all(names.map(readStat));
  /** @type {Map<number, ProcStat>} */
  const table = new Map();
  names.forEach((n, i) => {
    const s = stats[i];
    if (s) table.set(Number(n), s);
  });
  return table;
}

/** @param {number} rootPid @param {Map<number, ProcStat>} table */
function descendants(rootPid, table) {
  /** @type {Map<number, number[]>} */
  const children = new Map();
  for (const [pid, { ppid }] of table) {
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  }
  const out = [];
  const queue = table.has(rootPid) ? [rootPid] : [];
  while (queue.length) {
    const pid = /** @type {number} */ (queue.shift());
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** A process's command line. @param {number} pid @returns {Promise<string[]>} */
export async function cmdline(pid) {
  try {
    const args = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter(Boolean);
    // Chromium's child processes rewrite their title: one string, arguments joined by spaces.
    return args.length === 1 ? (args[0] ?? '').split(' ').filter(Boolean) : args;
  } catch {
    return [];
  }
}

/**
 * What a Chromium process is, from its command line. Extension renderers (service worker,
 * offscreen document, popup) carry --extension-process; web pages do not.
 * @param {string[]} args
 */
export function processKind(args) {
  const flag = (/** @type {string} */ name) =>
    args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const type = flag('type');
  if (!args.length) return 'unknown';
  if (!type) return 'browser';
  if (type === 'renderer') {
    if (args.includes('--extension-process')) return 'renderer (extension)';
    if (args.includes('--top-chrome-webui')) return 'renderer (webui)';
    return 'renderer (page)';
  }
  if (type === 'gpu-process') return 'gpu';
  if (type === 'utility') {
    const sub = flag('utility-sub-type') ?? '';
    if (sub === 'network.mojom.NetworkService') return 'utility (network)';
    if (sub === 'storage.mojom.StorageService') return 'utility (storage)';
    return `utility (${sub.replace(/\.mojom\./, '.').replace(/Service$/, '') || '?'})`;
  }
  return type;
}

/** @param {number} pid @returns {Promise<{ pss: number, file: number } | null>} bytes */
async function pss(pid) {
  try {
    const text = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
    const field = (/** @type {string} */ name) => {
      const m = new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
      return m ? Number(m[1]) * 1024 : null;
    };
    const total = field('Pss');
    return total === null ? null : { pss: total, file: field('Pss_File') ?? 0 };
  } catch {
    return null;
  }
}

/** The browser process of a profile: the Chromium process started with --user-data-dir=dir and no --type. */
export async function findBrowserPid(userDataDir, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const table = await processTable();
    for (const pid of table.keys()) {
      const args = await cmdline(pid);
      if (
        args.includes(`--user-data-dir=${userDataDir}`) &&
        !args.some((a) => a.startsWith('--type='))
      ) {
        return pid;
      }
    }
    if (Date.now() > deadline) throw new Error(`no Chromium process for ${userDataDir}`);
    await sleep(100);
  }
}

/** Samples one process tree; remembers each process's kind (keyed by pid and start time). */
export function createTreeSampler(rootPid) {
  /** @type {Map<string, string>} */
  const kinds = new Map();

  /** @returns {Promise<Sample>} */
  async function sample() {
    const table = await processTable();
    const pids = descendants(rootPid, table);
    const parts = await Promise.all(
      pids.map(async (pid) => {
        const key = `${pid}:${table.get(pid)?.start}`;
        let kind = kinds.get(key);
        if (!kind) {
          kind = processKind(await cmdline(pid));
          kinds.set(key, kind);
        }
        return { key, kind, mem: await pss(pid), ticks: table.get(pid)?.cpuTicks ?? 0 };
      }),
    );
    /** @type {Sample['cpu']} */
    const cpu = new Map();
    /** @type {Record<string, number>} */
    const byKind = {};
    /** @type {Record<string, number>} */
    const nonFileByKind = {};
    let total = 0;
    let nonFile = 0;
    let processes = 0;
    for (const { key, kind, mem, ticks } of parts) {
      cpu.set(key, { kind, ticks });
      if (mem === null) continue;
      byKind[kind] = (byKind[kind] ?? 0) + mem.pss;
      nonFileByKind[kind] = (nonFileByKind[kind] ?? 0) + mem.pss - mem.file;
      total += mem.pss;
      nonFile += mem.pss - mem.file;
      processes++;
    }
    return { t: performance.now(), total, nonFile, byKind, nonFileByKind, processes, cpu };
  }

  /**
   * Samples every intervalMs until stop() is called.
   * @param {number} intervalMs
   */
  function start(intervalMs) {
    /** @type {Sample[]} */
    const samples = [];
    let stopped = false;
    const loop = (async () => {
      while (!stopped) {
        const began = performance.now();
        samples.push(await sample());
        const left = intervalMs - (performance.now() - began);
        if (left > 0 && !stopped) await sleep(left);
      }
    })();
    return {
      samples,
      async stop() {
        stopped = true;
        await loop;
        samples.push(await sample());
        return samples;
      },
    };
  }

  return { sample, start };
}

/** @param {number[]} values */
export function median(values) {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? /** @type {number} */ (s[mid]) : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Idle level: the median of each series over a window of samples.
 * @param {Sample[]} samples
 */
export function idleLevel(samples) {
  const kinds = new Set(samples.flatMap((s) => Object.keys(s.byKind)));
  /** @type {Record<string, number>} */
  const byKind = {};
  /** @type {Record<string, number>} */
  const nonFileByKind = {};
  for (const k of kinds) {
    byKind[k] = median(samples.map((s) => s.byKind[k] ?? 0));
    nonFileByKind[k] = median(samples.map((s) => s.nonFileByKind[k] ?? 0));
  }
  return {
    total: median(samples.map((s) => s.total)),
    nonFile: median(samples.map((s) => s.nonFile)),
    byKind,
    nonFileByKind,
  };
}

/**
 * Peak of the total, the per-kind split at that moment, and each kind's own peak.
 * @param {Sample[]} samples
 * @param {{ total: number, nonFile: number, byKind: Record<string, number>, nonFileByKind?: Record<string, number> }} idle
 */
export function peakAbove(samples, idle) {
  let at = samples[0];
  for (const s of samples) if (at && s.total > at.total) at = s;
  const kinds = new Set([
    ...Object.keys(idle.byKind),
    ...samples.flatMap((s) => Object.keys(s.byKind)),
  ]);
  /** @type {Record<string, number>} */
  const atPeakByKind = {};
  /** @type {Record<string, number>} */
  const ownPeakByKind = {};
  /** @type {Record<string, number>} */
  const ownNonFilePeakByKind = {};
  for (const k of kinds) {
    const base = idle.byKind[k] ?? 0;
    atPeakByKind[k] = (at?.byKind[k] ?? 0) - base;
    ownPeakByKind[k] = Math.max(...samples.map((s) => s.byKind[k] ?? 0)) - base;
    ownNonFilePeakByKind[k] =
      Math.max(...samples.map((s) => s.nonFileByKind?.[k] ?? 0)) - (idle.nonFileByKind?.[k] ?? 0);
  }
  return {
    peak: at?.total ?? NaN,
    aboveIdle: (at?.total ?? NaN) - idle.total,
    nonFileAboveIdle: Math.max(...samples.map((s) => s.nonFile)) - idle.nonFile,
    atPeakByKind,
    ownPeakByKind,
    /** Each kind's own peak of PSS − Pss_File, minus its idle. */
    ownNonFilePeakByKind,
  };
}

/**
 * CPU seconds each process kind used between two samples (processes that started in between
 * count from zero; ones that exited in between are missed).
 * @param {Sample} from @param {Sample} to
 * @returns {Record<string, number>}
 */
export function cpuBetween(from, to) {
  /** @type {Record<string, number>} */
  const byKind = {};
  for (const [key, { kind, ticks }] of to.cpu) {
    const before = from.cpu.get(key)?.ticks ?? 0;
    byKind[kind] = (byKind[kind] ?? 0) + (ticks - before) / TICKS_PER_S;
  }
  return byKind;
}

/**
 * CPU ticks of every thread of some processes, by `<label>: <thread name>` (Chromium and
 * libwebrtc name their threads: CrRendererMain, WebRTC_Network, DedicatedWorker thread, …).
 * @param {{ pid: number, label: string }[]} processes
 * @returns {Promise<Map<string, { name: string, ticks: number }>>} keyed by `pid:tid`
 */
export async function threadTicks(processes) {
  /** @type {Map<string, { name: string, ticks: number }>} */
  const out = new Map();
  await Promise.all(
    processes.map(async ({ pid, label }) => {
      const tids = await readdir(`/proc/${pid}/task`).catch(() => /** @type {string[]} */ ([]));
      await Promise.all(
        tids.map(async (tid) => {
          try {
            const text = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8');
            const comm = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
            const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
            const ticks = Number(rest[11] ?? 0) + Number(rest[12] ?? 0);
            // The main thread (tid = pid) carries the process's name: say which it is.
            const name = `${label}: ${tid === String(pid) ? `main thread (${comm})` : comm}`;
            out.set(`${pid}:${tid}`, { name, ticks });
          } catch {
            // exited meanwhile
          }
        }),
      );
    }),
  );
  return out;
}

/**
 * CPU seconds per thread name between two threadTicks() snapshots, busiest first (threads of
 * one name summed; ones that started in between count from zero).
 * @param {Awaited<ReturnType<typeof threadTicks>>} from
 * @param {Awaited<ReturnType<typeof threadTicks>>} to
 * @returns {{ thread: string, seconds: number }[]}
 */
export function threadCpuBetween(from, to) {
  /** @type {Map<string, number>} */
  const byName = new Map();
  for (const [key, { name, ticks }] of to) {
    const s = (ticks - (from.get(key)?.ticks ?? 0)) / TICKS_PER_S;
    byName.set(name, (byName.get(name) ?? 0) + s);
  }
  return [...byName]
    .map(([thread, seconds]) => ({ thread, seconds }))
    .filter((t) => t.seconds > 0)
    .sort((a, b) => b.seconds - a.seconds);
}

/**
 * The processes of a browser tree, labelled by kind (processKind), for threadTicks().
 * @param {number} rootPid
 */
export async function labelledTree(rootPid) {
  const table = await processTable();
  return Promise.all(
    descendants(rootPid, table).map(async (pid) => ({
      pid,
      label: processKind(await cmdline(pid)),
    })),
  );
}

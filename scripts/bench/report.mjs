// Tables for the benchmark's console report.
import { median } from './memory.mjs';

const MiB = 1024 * 1024;

/** @param {number | null | undefined} bytes */
export const mib = (bytes, digits = 1) =>
  bytes === null || bytes === undefined || !Number.isFinite(bytes)
    ? '—'
    : (bytes / MiB).toFixed(digits).replace(/^-(0\.?0*)$/, '$1');

/** @param {number | null | undefined} ms */
export const secs = (ms) =>
  ms === null || ms === undefined || !Number.isFinite(ms) ? '—' : (ms / 1000).toFixed(2);

/** @param {number | null | undefined} x */
export const ratio = (x) =>
  x === null || x === undefined || !Number.isFinite(x) ? '—' : `${x.toFixed(2)}×`;

/**
 * Left-aligned first column, right-aligned numbers.
 * @param {string[]} headers @param {string[][]} rows
 */
export function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (/** @type {string[]} */ cells) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ');
  return [line(headers), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/**
 * @typedef {{
 *   mode: 'swarmlink' | 'browser', sizeMiB: number, run: number, ok: boolean, error?: string,
 *   timeMs: number | null, idleBytes: number, peakBytes: number, peakAboveIdleBytes: number,
 *   nonFilePeakAboveIdleBytes: number, saveMs: number | null,
 *   ownPeakAboveIdleByKind: Record<string, number>, servedBytes: number,
 * }} Measurement
 */

/** @param {Measurement[]} list @param {(m: Measurement) => number | null} pick */
export function medianOf(list, pick) {
  const values = list
    .filter((m) => m.ok)
    .map(pick)
    .filter((v) => v !== null && Number.isFinite(v));
  return values.length ? median(/** @type {number[]} */ (values)) : NaN;
}

/**
 * Per size: medians, and ratios swarmlink / browser (median of the per-run ratios: the two
 * figures of a run were taken back to back).
 * @param {Measurement[]} all @param {number} sizeMiB
 */
export function summarize(all, sizeMiB) {
  const of = (/** @type {string} */ mode) =>
    all.filter((m) => m.sizeMiB === sizeMiB && m.mode === mode);
  const sl = of('swarmlink');
  const br = of('browser');
  const runs = [...new Set([...sl, ...br].map((m) => m.run))];
  const paired = (/** @type {(m: Measurement) => number | null} */ pick) =>
    median(
      runs
        .map((run) => {
          const a = sl.find((m) => m.run === run && m.ok);
          const b = br.find((m) => m.run === run && m.ok);
          const x = a && pick(a);
          const y = b && pick(b);
          return x !== undefined && x !== null && y ? x / y : NaN;
        })
        .filter(Number.isFinite),
    );
  const kinds = [
    ...new Set([...sl, ...br].flatMap((m) => Object.keys(m.ownPeakAboveIdleByKind ?? {}))),
  ].sort();
  /** @param {Measurement[]} list */
  const byKind = (list) =>
    Object.fromEntries(
      kinds.map((k) => [k, medianOf(list, (m) => m.ownPeakAboveIdleByKind[k] ?? 0)]),
    );
  return {
    sizeMiB,
    runs: runs.length,
    okRuns: { swarmlink: sl.filter((m) => m.ok).length, browser: br.filter((m) => m.ok).length },
    swarmlink: {
      timeMs: medianOf(sl, (m) => m.timeMs),
      saveMs: medianOf(sl, (m) => m.saveMs),
      peakAboveIdleBytes: medianOf(sl, (m) => m.peakAboveIdleBytes),
      nonFilePeakAboveIdleBytes: medianOf(sl, (m) => m.nonFilePeakAboveIdleBytes),
      idleBytes: medianOf(sl, (m) => m.idleBytes),
      servedBytes: medianOf(sl, (m) => m.servedBytes),
      ownPeakAboveIdleByKind: byKind(sl),
    },
    browser: {
      timeMs: medianOf(br, (m) => m.timeMs),
      peakAboveIdleBytes: medianOf(br, (m) => m.peakAboveIdleBytes),
      nonFilePeakAboveIdleBytes: medianOf(br, (m) => m.nonFilePeakAboveIdleBytes),
      idleBytes: medianOf(br, (m) => m.idleBytes),
      servedBytes: medianOf(br, (m) => m.servedBytes),
      ownPeakAboveIdleByKind: byKind(br),
    },
    timeRatio: paired((m) => m.timeMs),
    memoryRatio: paired((m) => m.peakAboveIdleBytes),
  };
}

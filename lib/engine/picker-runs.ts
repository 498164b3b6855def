/**
 * Web seed runs: a web seed's reservation of consecutive pieces (`Run`); where the picker
 * starts one (Picker.reserveRun): the first free piece, or, with `spread`, a random place
 * in the largest free stretch, so readers that arrive together fetch different regions of
 * the file from the server and trade them; and how runs are cut short or ended, their
 * pieces going back to the picker (`release`).
 */

/** A web seed's reservation of consecutive pieces `[first, end)`; `next` is being read. */
export class Run {
  constructor(
    readonly source: string,
    readonly first: number,
    /** One past the last piece; lowered when peers take the run's tail. */
    public end: number,
  ) {
    this.next = first;
  }
  /** The piece the web seed is reading now (pieces before it were handed on). */
  next: number;
  /**
   * One past the last piece of the HTTP request in flight: the server is sending those
   * bytes already, so cutting the run before it would waste them (the web seed sets it).
   */
  committed = 0;
  get count(): number {
    return this.end - this.first;
  }
  /** The first piece the run can give up: after the one being read and the request's. */
  get cuttable(): number {
    return Math.max(this.next + 1, this.committed);
  }
}

/** The first free piece from `from` on, or -1. */
export function firstFree(from: number, count: number, free: (i: number) => boolean): number {
  for (let i = from; i < count; i++) if (free(i)) return i;
  return -1;
}

/** A random piece in the largest stretch of free pieces (its first half, so a run fits). */
export function spreadStart(
  from: number,
  count: number,
  free: (i: number) => boolean,
  random: () => number,
): number {
  let best = -1;
  let bestLength = 0;
  for (let i = from; i < count;) {
    if (!free(i)) {
      i++;
      continue;
    }
    let j = i;
    while (j < count && free(j)) j++;
    if (j - i > bestLength) [best, bestLength] = [i, j - i];
    i = j;
  }
  if (best < 0) return -1;
  return best + Math.floor(random() * Math.ceil(bestLength / 2));
}

/**
 * Runs that would fetch pieces of `[first, end)` stop before them (at the earliest after
 * their `cuttable` piece); the pieces cut off go back (`release`). Returns how many.
 */
export function cutRuns(
  runs: Iterable<Run>,
  first: number,
  end: number,
  release: (index: number) => void,
): number {
  let released = 0;
  for (const run of runs) {
    const at = Math.max(first, run.cuttable);
    if (at >= run.end || end <= at) continue;
    for (let i = at; i < run.end; i++) release(i);
    released += run.end - at;
    run.end = at;
  }
  return released;
}

/** For each run, `then` of the first piece of its tail (from `cuttable` on) that `match`es. */
export function forFirstInTails(
  runs: Iterable<Run>,
  match: (index: number) => boolean,
  then: (index: number) => void,
): void {
  for (const run of [...runs]) {
    for (let i = run.cuttable; i < run.end; i++) {
      if (match(i)) {
        then(i);
        break;
      }
    }
  }
}

/**
 * The last piece (from `cuttable` on) that `takes` of the first run that has one: that run
 * ends before it, and the pieces from it on go back (`release`). -1: no run has one.
 */
export function cutRunTail(
  runs: Iterable<Run>,
  takes: (index: number) => boolean,
  release: (index: number) => void,
): number {
  for (const run of runs) {
    for (let i = run.end - 1; i >= run.cuttable; i--) {
      if (!takes(i)) continue;
      for (let j = i; j < run.end; j++) release(j);
      run.end = i;
      return i;
    }
  }
  return -1;
}

/** The runs as `[next, end)`: the pieces they will fetch and have not yet. */
export function runRanges(runs: Iterable<Run>): [number, number][] {
  const out: [number, number][] = [];
  for (const r of runs) if (r.next < r.end) out.push([r.next, r.end]);
  return out;
}

/**
 * The run is over: its pieces not handed on go back (`release`); returns how many, or
 * undefined when it is not one of `runs` (ended already).
 */
export function endRun(
  runs: Set<Run>,
  run: Run,
  release: (index: number) => void,
): number | undefined {
  if (!runs.delete(run)) return undefined;
  const count = Math.max(0, run.end - run.next);
  for (let i = run.next; i < run.end; i++) release(i);
  run.end = run.next;
  return count;
}

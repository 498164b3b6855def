import { describe, expect, it } from 'vitest';
import {
  Run,
  cutRunTail,
  cutRuns,
  endRun,
  firstFree,
  runRanges,
  spreadStart,
} from './picker-runs.ts';

/** Free pieces from a string: `.` free, anything else taken. */
const freeOf = (s: string) => (i: number) => s[i] === '.';

describe('picker runs', () => {
  it('starts at the first free piece, or in the first half of the largest free stretch', () => {
    const free = freeOf('x..x......x.');
    expect(firstFree(0, 12, free)).toBe(1);
    expect(firstFree(4, 12, free)).toBe(4);
    expect(firstFree(0, 1, free)).toBe(-1);
    // The largest stretch is pieces 4..9: a start in 4..6.
    expect(spreadStart(0, 12, free, () => 0)).toBe(4);
    expect(spreadStart(0, 12, free, () => 0.999)).toBe(6);
    expect(spreadStart(0, 12, freeOf('xxx'), () => 0.5)).toBe(-1);
  });

  it('cuts runs short after the piece being read and gives the rest back', () => {
    const a = new Run('seed', 0, 8);
    a.next = 2;
    const b = new Run('seed', 10, 12);
    const released: number[] = [];
    expect(cutRuns([a, b], 5, 6, (i) => released.push(i))).toBe(3);
    expect([a.end, b.end]).toEqual([5, 12]);
    expect(released).toEqual([5, 6, 7]);
    // Never before its cuttable piece (the one after the piece being read).
    expect(cutRuns([a], 0, 8, (i) => released.push(i))).toBe(2);
    expect(a.end).toBe(3);
    expect(runRanges([a, b])).toEqual([
      [2, 3],
      [10, 12],
    ]);
  });

  it('takes the last matching piece of a run tail, and ends a run once', () => {
    const run = new Run('seed', 0, 6);
    const released: number[] = [];
    expect(
      cutRunTail(
        [run],
        (i) => i === 2 || i === 4,
        (i) => released.push(i),
      ),
    ).toBe(4);
    expect(run.end).toBe(4);
    expect(released).toEqual([4, 5]);
    expect(
      cutRunTail(
        [run],
        () => false,
        () => {},
      ),
    ).toBe(-1);
    const runs = new Set([run]);
    run.next = 1;
    expect(endRun(runs, run, (i) => released.push(i))).toBe(3);
    expect(released).toEqual([4, 5, 1, 2, 3]);
    expect(endRun(runs, run, () => {})).toBeUndefined();
  });
});

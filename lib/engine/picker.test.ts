import { describe, expect, it } from 'vitest';
import { Picker } from './picker.ts';
import { mulberry32 } from './random.ts';

/**
 * Picker scenarios from strings, in the style of libtorrent's test_piece_picker:
 * one character per piece.
 * - `have`:  `*` had (verified), anything else not had;
 * - `avail`: how many connected peers have the piece (digit), missing = 0;
 * - `want`:  `0` not selected, anything else selected (missing = selected);
 * - `busy`:  `x` already reserved by some source (in flight).
 * The piece count is the longest string's length unless `pieces` is given.
 */
function scenario(s: {
  have?: string;
  avail?: string;
  want?: string;
  busy?: string;
  pieces?: number;
}): Picker {
  const n =
    s.pieces ??
    Math.max(s.have?.length ?? 0, s.avail?.length ?? 0, s.want?.length ?? 0, s.busy?.length ?? 0);
  const p = new Picker(n, s.want === undefined ? {} : { wanted: (i) => s.want![i] !== '0' });
  for (let i = 0; i < n; i++) {
    if (s.have?.[i] === '*') p.complete(i);
    const a = Number(s.avail?.[i] ?? '0');
    if (a > 0) peer(p, i, a);
    if (s.busy?.[i] === 'x') p.reserve(i);
  }
  return p;
}

/** `delta` peers that serve us (unchoked us) have piece `i` (negative: they left). */
function peer(p: Picker, i: number, delta = 1): void {
  p.addAvailability(i, delta);
  p.addServing(i, delta);
}

/** A web seed's run, as first piece and count (null when the picker hands out nothing). */
function reserve(p: Picker, maxPieces: number): { first: number; count: number } | null {
  const run = p.reserveRun('ws', maxPieces);
  return run && { first: run.first, count: run.count };
}

/** The picker's state, one character per piece: `*` had, `r` in flight, `.` neither. */
function render(p: Picker): string {
  let out = '';
  for (let i = 0; i < p.pieceCount; i++) out += p.has(i) ? '*' : p.isInFlight(i) ? 'r' : '.';
  return out;
}

/** Reserves runs until the picker hands out nothing; returns them. */
function drain(p: Picker, maxPieces: number): { first: number; count: number }[] {
  const runs: { first: number; count: number }[] = [];
  for (let run = reserve(p, maxPieces); run; run = reserve(p, maxPieces)) {
    runs.push(run);
    if (runs.length > p.pieceCount) throw new Error('reserveRun never ran dry');
  }
  return runs;
}

describe('Picker: scenario helpers', () => {
  it('builds the state the strings describe', () => {
    const p = scenario({ have: '**  * ', busy: '  x   ', pieces: 7 });
    expect(render(p)).toBe('**r.*..');
    expect(p.completeCount).toBe(3);
    expect(p.remaining).toBe(4);
  });
});

describe('Picker.reserveRun', () => {
  it('hands out consecutive pieces from the start, up to maxPieces, and reserves them', () => {
    const p = scenario({ pieces: 10 });
    expect(reserve(p, 4)).toEqual({ first: 0, count: 4 });
    expect(render(p)).toBe('rrrr......');
    expect(reserve(p, 4)).toEqual({ first: 4, count: 4 });
    expect(reserve(p, 4)).toEqual({ first: 8, count: 2 });
    expect(render(p)).toBe('rrrrrrrrrr');
    expect(reserve(p, 4)).toBeNull();
    // Reserving does not count as having.
    expect(p.completeCount).toBe(0);
    expect(p.remaining).toBe(10);
  });

  it('one run can take a whole torrent, and stops at its end', () => {
    const p = scenario({ pieces: 5 });
    expect(reserve(p, 1000)).toEqual({ first: 0, count: 5 });
    expect(reserve(p, 1000)).toBeNull();
  });

  it('skips had pieces, and a run stops before the next had piece', () => {
    const p = scenario({ have: '**  * ', pieces: 7 });
    expect(reserve(p, 10)).toEqual({ first: 2, count: 2 });
    expect(reserve(p, 10)).toEqual({ first: 5, count: 2 });
    expect(render(p)).toBe('**rr*rr');
    expect(reserve(p, 10)).toBeNull();
  });

  it('skips pieces in flight, and a run stops before the next one in flight', () => {
    const p = scenario({ busy: 'x  x   x' });
    expect(reserve(p, 10)).toEqual({ first: 1, count: 2 });
    expect(reserve(p, 10)).toEqual({ first: 4, count: 3 });
    expect(reserve(p, 10)).toBeNull();
    expect(render(p)).toBe('rrrrrrrr');
  });

  it('peers first, web seed fills the gaps: pieces a connected peer has are left to peers', () => {
    const p = scenario({ avail: '0011200' });
    expect(reserve(p, 10)).toEqual({ first: 0, count: 2 });
    expect(reserve(p, 10)).toEqual({ first: 5, count: 2 });
    expect(reserve(p, 10)).toBeNull();
    expect(render(p)).toBe('rr...rr');
    // Pieces 2..4 are still wanted, just not by the web seed.
    expect(p.remaining).toBe(7);
    expect(p.unclaimed()).toBe(0);
  });

  it('a piece whose last peer left becomes the web seed’s again', () => {
    const p = scenario({ avail: '0120' });
    expect(drain(p, 10)).toEqual([
      { first: 0, count: 1 },
      { first: 3, count: 1 },
    ]);
    peer(p, 1, -1);
    peer(p, 2, -1);
    expect(p.unclaimed()).toBe(1);
    expect(reserve(p, 10)).toEqual({ first: 1, count: 1 });
    peer(p, 2, -1);
    expect(reserve(p, 10)).toEqual({ first: 2, count: 1 });
    // Availability never goes below zero.
    peer(p, 0, -5);
    peer(p, 0, 1);
    p.release(0);
    expect(reserve(p, 10)).toBeNull();
  });

  it('unselected pieces are never handed out and do not count as remaining', () => {
    const p = scenario({ want: '1100111', have: '*      ' });
    expect(p.remaining).toBe(4);
    expect(drain(p, 10)).toEqual([
      { first: 1, count: 1 },
      { first: 4, count: 3 },
    ]);
  });

  it('combines had, in flight, unselected and peer-held pieces', () => {
    // piece:         0123456789
    const p = scenario({
      have: '*   *     ',
      busy: '  x       ',
      want: '1111110111',
      avail: '0000000100',
    });
    expect(p.unclaimed()).toBe(5); // 1, 3, 5, 8, 9
    expect(drain(p, 10)).toEqual([
      { first: 1, count: 1 },
      { first: 3, count: 1 },
      { first: 5, count: 1 },
      { first: 8, count: 2 },
    ]);
    expect(render(p)).toBe('*rrr*r..rr');
    expect(p.unclaimed()).toBe(0);
  });
});

describe('Picker.release', () => {
  it('makes released pieces pickable again, in order', () => {
    const p = scenario({ pieces: 6 });
    expect(reserve(p, 6)).toEqual({ first: 0, count: 6 });
    p.complete(0);
    p.complete(1);
    // A source delivered 0 and 1, then failed: the rest of its run goes back.
    for (let i = 2; i < 6; i++) p.release(i);
    expect(render(p)).toBe('**....');
    expect(reserve(p, 3)).toEqual({ first: 2, count: 3 });
    expect(reserve(p, 3)).toEqual({ first: 5, count: 1 });
  });

  it('a piece reserved by two sources stays in flight until both let go', () => {
    const p = scenario({ busy: 'x ' });
    p.reserve(0);
    p.release(0);
    expect(p.isInFlight(0)).toBe(true);
    expect(reserve(p, 5)).toEqual({ first: 1, count: 1 });
    p.release(0);
    expect(p.isInFlight(0)).toBe(false);
    expect(reserve(p, 5)).toEqual({ first: 0, count: 1 });
  });

  it('releasing a piece nobody reserved is harmless', () => {
    const p = scenario({ pieces: 3 });
    p.release(1);
    p.release(1);
    expect(render(p)).toBe('...');
    expect(reserve(p, 3)).toEqual({ first: 0, count: 3 });
    expect(render(p)).toBe('rrr');
  });

  it('a piece released after a hash failure is fetched again', () => {
    const p = scenario({ pieces: 4 });
    expect(reserve(p, 4)).toEqual({ first: 0, count: 4 });
    p.complete(0);
    p.release(1); // bad hash
    p.complete(2);
    p.complete(3);
    expect(p.remaining).toBe(1);
    expect(reserve(p, 4)).toEqual({ first: 1, count: 1 });
    p.complete(1);
    expect(p.remaining).toBe(0);
    expect(reserve(p, 4)).toBeNull();
  });
});

describe('Picker.complete, remaining, completeCount', () => {
  it('counts had pieces and wanted pieces left', () => {
    const p = scenario({ pieces: 4 });
    expect([p.completeCount, p.remaining]).toEqual([0, 4]);
    p.complete(2);
    expect([p.completeCount, p.remaining]).toEqual([1, 3]);
    expect(p.has(2)).toBe(true);
    expect(p.has(1)).toBe(false);
  });

  it('completing twice counts once', () => {
    const p = scenario({ pieces: 3 });
    p.complete(1);
    p.complete(1);
    expect([p.completeCount, p.remaining]).toEqual([1, 2]);
  });

  it('completing a piece in flight ends its reservation', () => {
    const p = scenario({ pieces: 3 });
    expect(reserve(p, 3)).toEqual({ first: 0, count: 3 });
    p.complete(1);
    expect(p.isInFlight(1)).toBe(false);
    expect(render(p)).toBe('r*r');
    // A late release by the source does not undo the completion.
    p.release(1);
    expect(render(p)).toBe('r*r');
    expect(p.remaining).toBe(2);
  });

  it('an unselected piece found on resume counts as had but not against remaining', () => {
    const p = scenario({ want: '101' });
    expect(p.remaining).toBe(2);
    p.complete(1);
    expect([p.completeCount, p.remaining]).toEqual([1, 2]);
    p.complete(0);
    p.complete(2);
    expect([p.completeCount, p.remaining]).toEqual([3, 0]);
    expect(reserve(p, 3)).toBeNull();
  });

  it('a picker with nothing selected has nothing remaining', () => {
    const p = scenario({ want: '000' });
    expect(p.remaining).toBe(0);
    expect(reserve(p, 3)).toBeNull();
    expect(p.unclaimed()).toBe(0);
  });
});

describe('Picker cursor (scans start after the had prefix)', () => {
  it('moves past a prefix completed out of order', () => {
    const p = scenario({ pieces: 8 });
    p.complete(2);
    p.complete(1);
    expect(reserve(p, 1)).toEqual({ first: 0, count: 1 });
    p.complete(0);
    // 0..2 are had: the next run starts at 3.
    expect(reserve(p, 2)).toEqual({ first: 3, count: 2 });
    expect(p.unclaimed()).toBe(3);
  });

  it('moves past unselected pieces at the front', () => {
    const p = scenario({ want: '0011', have: '  * ' });
    expect(reserve(p, 4)).toEqual({ first: 3, count: 1 });
  });

  it('does not move past a piece in flight, so a released piece is found again', () => {
    const p = scenario({ pieces: 5 });
    expect(reserve(p, 2)).toEqual({ first: 0, count: 2 });
    p.complete(1);
    p.complete(2);
    p.complete(3);
    p.release(0);
    expect(reserve(p, 5)).toEqual({ first: 0, count: 1 });
    expect(reserve(p, 5)).toEqual({ first: 4, count: 1 });
  });

  it('reaches the end when everything is had', () => {
    const p = scenario({ have: '*****' });
    expect([p.completeCount, p.remaining]).toEqual([5, 0]);
    expect(reserve(p, 5)).toBeNull();
    expect(p.unclaimed()).toBe(0);
  });
});

describe('Picker against a simple model (seeded random operations)', () => {
  it('reserveRun always returns the first maximal run the model allows', () => {
    for (let seed = 1; seed <= 25; seed++) {
      const rand = mulberry32(seed);
      const n = 1 + Math.floor(rand() * 40);
      const want = Array.from({ length: n }, () => rand() > 0.15);
      const p = new Picker(n, { wanted: (i) => want[i]! });
      const have = new Array<boolean>(n).fill(false);
      const busy = new Array<number>(n).fill(0);
      const avail = new Array<number>(n).fill(0);
      const pickable = (i: number): boolean =>
        want[i]! && !have[i] && busy[i] === 0 && avail[i] === 0;

      for (let step = 0; step < 200; step++) {
        const i = Math.floor(rand() * n);
        const op = rand();
        if (op < 0.3) {
          const max = 1 + Math.floor(rand() * 6);
          let first = -1;
          for (let j = 0; j < n; j++) {
            if (pickable(j)) {
              first = j;
              break;
            }
          }
          let count = 0;
          while (first >= 0 && count < max && first + count < n && pickable(first + count)) {
            count++;
          }
          const expected = first < 0 ? null : { first, count };
          expect(reserve(p, max), `seed ${seed} step ${step}`).toEqual(expected);
          for (let j = 0; j < count; j++) busy[first + j]!++;
        } else if (op < 0.5) {
          if (busy[i]! > 0) busy[i]!--;
          p.release(i);
        } else if (op < 0.7) {
          if (!have[i]) {
            have[i] = true;
            if (busy[i]! > 0) busy[i]!--;
          }
          p.complete(i);
        } else if (op < 0.85) {
          avail[i]!++;
          peer(p, i);
        } else {
          avail[i] = Math.max(0, avail[i]! - 1);
          peer(p, i, -1);
        }
        const wantedLeft = want.filter((w, j) => w && !have[j]).length;
        expect(p.remaining).toBe(wantedLeft);
        expect(p.completeCount).toBe(have.filter(Boolean).length);
        expect(p.unclaimed()).toBe(want.filter((_, j) => pickable(j)).length);
        expect(render(p)).toBe(have.map((h, j) => (h ? '*' : busy[j]! > 0 ? 'r' : '.')).join(''));
      }
    }
  });
});

import { describe, expect, it } from 'vitest';
import { Bitfield } from './bitfield.ts';
import { BLOCK_LENGTH, Picker, type BlockRequest } from './picker.ts';
import { mulberry32 } from './random.ts';

/**
 * Picker scenarios for many sources, from strings: one character per piece.
 * - `peers`: each peer's pieces, `*` has (e.g. `{ A: '**..', B: '.***' }`); peers whose
 *   name is lower case choke us (they count for rarity, not as serving);
 * - `have`: `*` verified;
 * - `want`: `0` not selected;
 * Pieces are `blocks` blocks of 16 KiB (default 2), the last piece `lastBlocks` blocks.
 */
function scenario(s: {
  peers?: Record<string, string>;
  have?: string;
  want?: string;
  pieces?: number;
  blocks?: number;
  lastBlocks?: number;
  seed?: number;
}) {
  const n =
    s.pieces ??
    Math.max(
      s.have?.length ?? 0,
      s.want?.length ?? 0,
      ...Object.values(s.peers ?? {}).map((p) => p.length),
    );
  const blocks = s.blocks ?? 2;
  const size = (i: number) => (i === n - 1 ? (s.lastBlocks ?? blocks) : blocks) * BLOCK_LENGTH;
  const have = new Bitfield(n);
  for (let i = 0; i < n; i++) if (s.have?.[i] === '*') have.set(i);
  const p = new Picker(n, {
    have,
    pieceSize: size,
    random: mulberry32(s.seed ?? 1),
    ...(s.want ? { wanted: (i) => s.want![i] !== '0' } : {}),
  });
  const peers: Record<string, Bitfield> = {};
  for (const [name, pattern] of Object.entries(s.peers ?? {})) {
    const field = new Bitfield(n);
    for (let i = 0; i < n; i++) if (pattern[i] === '*') field.set(i);
    peers[name] = field;
    p.addAvailability(field);
    if (name === name.toUpperCase()) p.addServing(field);
  }
  return { p, peers };
}

/** Requests as `piece:block`, e.g. `2:0 2:1`. */
function show(reqs: BlockRequest[]): string {
  return reqs.map((r) => `${r.piece}:${r.begin / BLOCK_LENGTH}`).join(' ');
}

/** The picker's state per piece: `*` had, `r` in flight, `.` neither. */
function render(p: Picker): string {
  let out = '';
  for (let i = 0; i < p.pieceCount; i++) out += p.has(i) ? '*' : p.isInFlight(i) ? 'r' : '.';
  return out;
}

describe('Picker.pickBlocks: rarest first against each peer’s bitfield', () => {
  it('asks a peer only for pieces it has, rarest first', () => {
    const { p, peers } = scenario({ peers: { A: '****', B: '**..', C: '*...' } });
    // Availability 3 2 1 1: pieces 2 and 3 are rarest (tie broken at random), then 1, then 0.
    const got = p.pickBlocks('A', peers.A!, 8).map((r) => r.piece);
    expect(new Set(got.slice(0, 4))).toEqual(new Set([2, 3]));
    expect(got.slice(4)).toEqual([1, 1, 0, 0]);
    // Everything is asked for now (endgame): B is asked for blocks A was asked for.
    expect(new Set(p.pickBlocks('B', peers.B!, 8).map((r) => r.piece))).toEqual(new Set([0, 1]));
  });

  it('never asks for pieces a peer lacks, had pieces, or unselected ones', () => {
    const { p, peers } = scenario({
      peers: { A: '*.****' },
      have: '  *   ',
      want: '11110',
      pieces: 6,
    });
    expect(new Set(p.pickBlocks('A', peers.A!, 100).map((r) => r.piece))).toEqual(
      new Set([0, 3, 5]),
    );
    // B has every piece: what is left for it is piece 1 (then endgame copies of A's).
    expect(new Set(p.pickBlocks('B', 'all', 2).map((r) => r.piece))).toEqual(new Set([1]));
  });

  it('finishes pieces already started before starting new ones', () => {
    const { p, peers } = scenario({ peers: { A: '***', B: '***' }, blocks: 4 });
    const a = p.pickBlocks('A', peers.A!, 2);
    expect(a).toHaveLength(2);
    const started = a[0]!.piece;
    // B gets the other two blocks of A's piece first.
    expect(
      show(p.pickBlocks('B', peers.B!, 3))
        .split(' ')
        .slice(0, 2),
    ).toEqual([`${started}:2`, `${started}:3`]);
  });

  it('cuts the last piece into blocks of its own size', () => {
    const n = 3;
    const p = new Picker(n, {
      pieceSize: (i) => (i === n - 1 ? BLOCK_LENGTH + 100 : 2 * BLOCK_LENGTH),
    });
    const reqs = p.pickBlocks('A', 'all', 10).filter((r) => r.piece === 2);
    expect(reqs).toEqual([
      { piece: 2, begin: 0, length: BLOCK_LENGTH },
      { piece: 2, begin: BLOCK_LENGTH, length: 100 },
    ]);
  });

  it('breaks ties with its seeded randomness: the same seed, the same order; other seeds spread', () => {
    const firstPick = (seed: number) =>
      scenario({ pieces: 64, seed }).p.pickBlocks('A', 'all', 1)[0]!.piece;
    expect(firstPick(7)).toBe(firstPick(7));
    const spread = new Set(Array.from({ length: 20 }, (_, k) => firstPick(k + 1)));
    expect(spread.size).toBeGreaterThan(10);
  });
});

describe('Picker: blocks received, failed and released', () => {
  it('a piece is done when all its blocks are in; completing it ends its requests', () => {
    const { p } = scenario({ pieces: 1 });
    const reqs = p.pickBlocks('A', 'all', 10);
    expect(show(reqs)).toBe('0:0 0:1');
    expect(p.blockReceived('A', 0, 0)).toEqual({ fresh: true, done: false, cancel: [] });
    expect(p.blockReceived('A', 0, BLOCK_LENGTH)).toEqual({ fresh: true, done: true, cancel: [] });
    expect(p.partial.senders(0)).toEqual(['A', 'A']);
    p.complete(0);
    expect(p.requestsOf('A')).toBe(0);
    expect(render(p)).toBe('*');
    expect(p.remaining).toBe(0);
  });

  it('a duplicate or unasked-for block is not fresh', () => {
    const { p } = scenario({ pieces: 2 });
    p.pickBlocks('A', 'all', 1);
    const [first] = p.pickBlocks('B', 'all', 1);
    expect(p.blockReceived('A', 9, 0).fresh).toBe(false);
    expect(p.blockReceived('B', first!.piece, first!.begin).fresh).toBe(true);
    expect(p.blockReceived('B', first!.piece, first!.begin).fresh).toBe(false);
    expect(p.blockReceived('B', first!.piece, 5).fresh).toBe(false);
  });

  it('a peer that leaves or chokes us gives its requests back to the others', () => {
    const { p, peers } = scenario({ peers: { A: '***', B: '***' } });
    const a = p.pickBlocks('A', peers.A!, 4);
    expect(a).toHaveLength(4);
    const b = p.pickBlocks('B', peers.B!, 2);
    expect(b.some((r) => a.some((o) => o.piece === r.piece))).toBe(false);
    expect(show(p.releaseSource('A'))).toBe(show(a));
    expect(render(p).replaceAll('.', '')).toBe('r');
    const again = show(p.pickBlocks('B', peers.B!, 4));
    expect(again.split(' ').sort()).toEqual(show(a).split(' ').sort());
  });

  it('counts the requests out to all peers together through asks, arrivals, failures and leaving', () => {
    const { p } = scenario({ pieces: 4, blocks: 4 });
    const total = () => p.requestsTotal();
    const sum = () => ['A', 'B', 'C'].reduce((n, s) => n + p.requestsOf(s), 0);
    const a = p.pickBlocks('A', 'all', 6);
    const b = p.pickBlocks('B', 'all', 6);
    expect([total(), sum()]).toEqual([12, 12]);
    p.blockReceived('A', a[0]!.piece, a[0]!.begin);
    p.blockFailed('B', b[0]!.piece, b[0]!.begin);
    expect([total(), sum()]).toEqual([10, 10]);
    p.pickBlocks('C', 'all', 16); // the rest, then endgame copies
    expect(total()).toBe(sum());
    p.pieceFailed(a[1]!.piece);
    expect(total()).toBe(sum());
    p.releaseSource('C');
    expect(total()).toBe(sum());
    p.releaseSource('A');
    p.releaseSource('B');
    expect([total(), sum()]).toEqual([0, 0]);
  });

  it('a block that failed (rejected, timed out) is asked of someone else', () => {
    const { p } = scenario({ pieces: 1 });
    p.pickBlocks('A', 'all', 1);
    p.blockReceived('A', 0, 0);
    p.pickBlocks('A', 'all', 1);
    p.blockFailed('A', 0, BLOCK_LENGTH);
    expect(show(p.pickBlocks('B', 'all', 5))).toBe('0:1');
  });

  it('a piece that failed its hash is fetched again, every block, and its senders are known first', () => {
    const { p } = scenario({ pieces: 1 });
    p.pickBlocks('A', 'all', 1);
    p.pickBlocks('B', 'all', 1);
    p.blockReceived('A', 0, 0);
    expect(p.blockReceived('B', 0, BLOCK_LENGTH).done).toBe(true);
    expect(p.partial.senders(0)).toEqual(['A', 'B']);
    p.pieceFailed(0);
    expect(render(p)).toBe('.');
    expect(show(p.pickBlocks('C', 'all', 5))).toBe('0:0 0:1');
  });
});

describe('Picker: endgame', () => {
  it('when every wanted piece is being fetched, a second peer is asked for the same blocks; the first copy cancels the other', () => {
    const { p } = scenario({ pieces: 1 });
    expect(show(p.pickBlocks('A', 'all', 5))).toBe('0:0 0:1');
    expect(p.inEndgame()).toBe(true);
    expect(show(p.pickBlocks('B', 'all', 5))).toBe('0:0 0:1');
    // At most one extra asker per block.
    expect(p.pickBlocks('C', 'all', 5)).toEqual([]);
    const got = p.blockReceived('B', 0, 0);
    expect(got.fresh).toBe(true);
    expect(got.cancel).toEqual([
      { source: 'A', request: { piece: 0, begin: 0, length: BLOCK_LENGTH } },
    ]);
    expect(p.requestsOf('A')).toBe(1);
    expect(p.requestsOf('B')).toBe(1);
  });

  // With the peers' rates (bytes per second), as wire peers pass them.
  const KiBps = (n: number) => n * 1024;

  it('with rates: no copy of a block its asker brings within 2.5 s (both copies would come)', () => {
    const { p } = scenario({ pieces: 4, blocks: 4 }); // 16 blocks
    const rates: Record<string, number> = { A: KiBps(1024), B: KiBps(1024) };
    expect(p.pickBlocks('A', 'all', 16, (s) => rates[s] ?? 0)).toHaveLength(16);
    expect(p.inEndgame()).toBe(true);
    // A's last block is 16 × 16 KiB ÷ 1 MiB/s = 0.25 s away.
    expect(p.pickBlocks('B', 'all', 16, (s) => rates[s] ?? 0)).toEqual([]);
  });

  it('with rates: copies of a slow peer’s blocks, the one it would bring last first', () => {
    const { p } = scenario({ pieces: 2, blocks: 4 }); // 8 blocks
    // A brings a block every 2 s (8 KiB/s): its 2nd block is 4 s away, its 8th 16 s.
    const rates: Record<string, number> = { A: KiBps(8), B: KiBps(1024) };
    expect(show(p.pickBlocks('A', 'all', 8, (s) => rates[s] ?? 0))).toBe(
      '0:0 0:1 0:2 0:3 1:0 1:1 1:2 1:3',
    );
    // The first is only 2 s away: it stays A's alone.
    expect(show(p.pickBlocks('B', 'all', 8, (s) => rates[s] ?? 0))).toBe(
      '1:3 1:2 1:1 1:0 0:3 0:2 0:1',
    );
    expect(p.blockReceived('B', 1, 3 * BLOCK_LENGTH).cancel).toEqual([
      { source: 'A', request: { piece: 1, begin: 3 * BLOCK_LENGTH, length: BLOCK_LENGTH } },
    ]);
  });

  it('with rates: a stalled peer’s blocks (no rate) go to a peer whose rate is not known yet', () => {
    const { p } = scenario({ pieces: 1 });
    p.pickBlocks('A', 'all', 2, () => 0);
    expect(show(p.pickBlocks('B', 'all', 5, () => 0))).toBe('0:1 0:0');
  });

  it('with rates: a copy only where the second peer brings it at least twice as soon', () => {
    const { p } = scenario({ pieces: 51, blocks: 4 });
    const rates: Record<string, number> = { A: KiBps(16), B: KiBps(1024) };
    const rateOf = (s: string) => rates[s] ?? 0;
    // B has a long line: 200 blocks at 1 MiB/s, so a block more would come in 3.1 s.
    const bs = p.pickBlocks('B', 'all', 200, rateOf);
    expect(bs).toHaveLength(200);
    // A: the last 4 blocks at 16 KiB/s, 1-4 s away: not twice as late as 3.1 s.
    const as = p.pickBlocks('A', 'all', 4, rateOf);
    expect(new Set(as.map((r) => r.piece)).size).toBe(1);
    expect(p.pickBlocks('B', 'all', 4, rateOf)).toEqual([]);
    // Once B's line is short, A's blocks 2.5 s or more away are copied, the last first.
    for (const r of bs) p.blockReceived('B', r.piece, r.begin);
    const last = as[0]!.piece;
    expect(show(p.pickBlocks('B', 'all', 4, rateOf))).toBe(`${last}:3 ${last}:2`);
  });

  it('is not endgame while some wanted piece is free', () => {
    const { p } = scenario({ pieces: 2 });
    p.pickBlocks('A', 'all', 2);
    expect(p.inEndgame()).toBe(false);
  });
});

describe('Picker: peers first, web seed fills the gaps', () => {
  it('a web seed run skips pieces serving peers have, not those of peers that choke us', () => {
    const { p } = scenario({ peers: { A: '..**....', b: '......**' } });
    const run = p.reserveRun('ws', 100)!;
    expect([run.first, run.count]).toEqual([0, 2]);
    const next = p.reserveRun('ws', 100)!;
    expect([next.first, next.count]).toEqual([4, 4]);
  });

  it('a web seed run skips pieces whose blocks peers are fetching', () => {
    const { p, peers } = scenario({ peers: { a: '.*..' } });
    p.pickBlocks('a', peers.a!, 1);
    expect(render(p)).toBe('.r..');
    const run = p.reserveRun('ws', 100)!;
    expect([run.first, run.count]).toEqual([0, 1]);
  });

  it('a peer with nothing else to fetch takes the tail of a run, which ends the run before it', () => {
    const { p, peers } = scenario({ pieces: 8 });
    const run = p.reserveRun('ws', 8)!;
    expect(run.end).toBe(8);
    run.next = 2; // pieces 0 and 1 were read and handed on
    const a = new Bitfield(8);
    a.set(5);
    a.set(6);
    a.set(2);
    void peers;
    // A has 2 (being read: not taken), 5 and 6: it takes 6, the run now ends at 6.
    const reqs = p.pickBlocks('A', a, 2);
    expect(show(reqs)).toBe('6:0 6:1');
    expect(run.end).toBe(6);
    expect(render(p)).toBe('rrrrrrr.');
    // Piece 7 went back: the web seed (or anyone) takes it.
    const tail = p.reserveRun('ws', 8)!;
    expect([tail.first, tail.count]).toEqual([7, 1]);
    // A's next pick takes 5; the piece being read is never taken.
    expect(show(p.pickBlocks('A', a, 2))).toBe('5:0 5:1');
    expect(run.end).toBe(5);
    expect(p.pickBlocks('A', a, 2)).toEqual([]);
    expect(run.end).toBe(5);
    expect(p.endRun(run)).toBe(3);
  });

  it('pieces a peer gives back with nothing received become the web seed’s again', () => {
    const { p, peers } = scenario({ peers: { a: '****' } });
    p.pickBlocks('a', peers.a!, 8);
    expect(p.reserveRun('ws', 8)).toBeNull();
    p.releaseSource('a');
    const run = p.reserveRun('ws', 8)!;
    expect([run.first, run.count]).toEqual([0, 4]);
  });
});

describe('Picker against a model, many peers (seeded random operations)', () => {
  it('never hands one block to two peers outside endgame, and every wanted block is eventually delivered', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const rand = mulberry32(seed);
      const n = 4 + Math.floor(rand() * 20);
      const p = new Picker(n, { pieceSize: () => 3 * BLOCK_LENGTH, random: rand });
      const names = ['A', 'B', 'C', 'D'];
      const fields = names.map(() => {
        const f = new Bitfield(n);
        for (let i = 0; i < n; i++) if (rand() < 0.7) f.set(i);
        return f;
      });
      // Make sure every piece has someone.
      for (let i = 0; i < n; i++) fields[0]!.set(i);
      fields.forEach((f) => p.addAvailability(f));
      const outstanding = new Map<string, BlockRequest[]>(names.map((x) => [x, []]));
      for (let step = 0; step < 2000 && p.remaining > 0; step++) {
        const k = Math.floor(rand() * names.length);
        const name = names[k]!;
        const mine = outstanding.get(name)!;
        const op = rand();
        if (op < 0.4) {
          const reqs = p.pickBlocks(name, fields[k]!, 1 + Math.floor(rand() * 6));
          if (!p.inEndgame()) {
            const others = [...outstanding.entries()]
              .filter(([x]) => x !== name)
              .flatMap(([, r]) => r);
            for (const r of reqs) {
              expect(
                others.some((o) => o.piece === r.piece && o.begin === r.begin),
                `seed ${seed}`,
              ).toBe(false);
            }
          }
          mine.push(...reqs);
        } else if (op < 0.9 && mine.length > 0) {
          const r = mine.shift()!;
          const got = p.blockReceived(name, r.piece, r.begin);
          for (const c of got.cancel) {
            const list = outstanding.get(c.source)!;
            const at = list.findIndex(
              (o) => o.piece === c.request.piece && o.begin === c.request.begin,
            );
            if (at >= 0) list.splice(at, 1);
          }
          if (got.done) p.complete(r.piece);
        } else if (mine.length > 0) {
          p.releaseSource(name);
          mine.length = 0;
        }
      }
      expect(p.remaining, `seed ${seed}`).toBe(0);
    }
  });
});

describe('Picker: readers sharing one web seed', () => {
  it('claimed pieces (another reader fetches them from the web seed) are left to that reader', () => {
    const { p } = scenario({ pieces: 8 });
    p.addClaim(2, 5);
    const run = p.reserveRun('ws', 100)!;
    expect([run.first, run.count]).toEqual([0, 2]);
    const next = p.reserveRun('ws', 100)!;
    expect([next.first, next.count]).toEqual([5, 3]);
    p.endRun(next);
    p.addClaim(2, 5, -1);
    const freed = p.reserveRun('ws', 100)!;
    expect([freed.first, freed.count]).toEqual([2, 6]);
  });

  it('with `anyway` (the download stalls), claimed and peer-held pieces are taken too', () => {
    const { p } = scenario({ peers: { A: '**..' } });
    p.addClaim(2, 4);
    expect(p.reserveRun('ws', 10)).toBeNull();
    const run = p.reserveRun('ws', 10, { anyway: true })!;
    expect([run.first, run.count]).toEqual([0, 4]);
  });

  it('spread: runs start at a random place in the largest free stretch, the same for the same seed', () => {
    const starts = (seed: number) => {
      const { p } = scenario({ pieces: 100, seed });
      return p.reserveRun('ws', 10, { spread: true })!.first;
    };
    expect(starts(3)).toBe(starts(3));
    const all = new Set(Array.from({ length: 10 }, (_, k) => starts(k + 1)));
    expect(all.size).toBeGreaterThan(5);
    for (const s of all) expect(s).toBeLessThan(50);
  });

  it('yieldRuns: our runs stop before pieces another reader claims, never before the piece being read', () => {
    const { p } = scenario({ pieces: 10 });
    const run = p.reserveRun('ws', 10)!;
    run.next = 3;
    const changes: number[] = [];
    p.onRunsChanged = () => changes.push(run.end);
    expect(p.yieldRuns(6, 8)).toBe(4);
    expect(run.end).toBe(6);
    expect(p.yieldRuns(0, 4)).toBe(0); // only the piece being read: kept
    expect(p.yieldRuns(0, 5)).toBe(2);
    expect(run.end).toBe(4);
    expect(changes).toEqual([6, 4]);
    expect(p.runRanges()).toEqual([[3, 4]]);
  });

  it('the HTTP request in flight (Run.committed) is never cut: yields and steals start after it', () => {
    const { p, peers } = scenario({ pieces: 10, peers: { a: '**********' } });
    const run = p.reserveRun('ws', 10)!;
    run.next = 1;
    run.committed = 4; // the server is sending pieces 0-3 now
    expect(p.yieldRuns(2, 10)).toBe(6);
    expect(run.end).toBe(4);
    p.yieldToHave(peers.a!);
    expect(run.end).toBe(4);
    // A peer with nothing else to fetch takes no piece of the request in flight.
    expect(p.pickBlocks('a', peers.a!, 4).map((r) => r.piece)).not.toContain(3);
    expect(run.end).toBe(4);
  });

  it('yieldToHave: a serving peer has a piece of our run: the run stops before it', () => {
    const { p, peers } = scenario({ pieces: 6, peers: { a: '....*.' } });
    const run = p.reserveRun('ws', 6)!;
    p.yieldToHave(peers.a!);
    expect(run.end).toBe(4);
  });

  it('setWebSeedShare: only our segments go to our web seed, and runs under way stop at the first other one', () => {
    const { p } = scenario({ pieces: 8 });
    const run = p.reserveRun('ws', 8)!;
    p.setWebSeedShare((i) => i < 2 || i >= 6);
    expect(run.end).toBe(2);
    p.endRun(run);
    const runs: [number, number][] = [];
    for (let r = p.reserveRun('ws', 8); r; r = p.reserveRun('ws', 8)) runs.push([r.first, r.count]);
    expect(runs).toEqual([
      [0, 2],
      [6, 2],
    ]);
    p.setWebSeedShare(null);
    expect(p.unclaimed()).toBe(4);
  });
});

describe('Picker: peers that do not deliver soon enough', () => {
  it('a piece whose request to a peer is late may be fetched by the web seed too; the first copy counts', () => {
    const { p, peers } = scenario({ peers: { A: '****' } });
    const reqs = p.pickBlocks('A', peers.A!, 2);
    const piece = reqs[0]!.piece;
    // A serves us and is fetching the piece: not the web seed's.
    expect(p.reserveRun('ws', 10)).toBeNull();
    p.markLate(piece);
    const run = p.reserveRun('ws', 10)!;
    expect([run.first, run.count]).toEqual([piece, 1]);
    p.complete(piece);
    // Verified (by either): no longer late; A's blocks for it are not fresh any more.
    expect(p.blockReceived('A', piece, 0).fresh).toBe(false);
    expect(p.remaining).toBe(3);
  });
});

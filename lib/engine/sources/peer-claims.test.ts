import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../tests/fixtures/fake-clock.ts';
import { Picker } from '../picker.ts';
import { MIN_CLAIM_GAP_MS, PeerClaims } from './peer-claims.ts';

const PIECE = 256 * 1024;

/** Which pieces the picker counts as claimed, as a string: `c` claimed, `.` not. */
function claimed(p: Picker): string {
  // Our web seed may take exactly the pieces nobody claims (nothing else is set here).
  const runs = [];
  for (let r = p.reserveRun('probe', 1); r; r = p.reserveRun('probe', 1)) runs.push(r);
  const free = new Set(runs.map((r) => r.first));
  for (const r of runs) p.endRun(r);
  return Array.from({ length: p.pieceCount }, (_, i) => (free.has(i) ? '.' : 'c')).join('');
}

describe('PeerClaims: what a Swarmlink peer says it fetches from the web seed', () => {
  it('claims that come sooner than MIN_CLAIM_GAP_MS count later, and only the latest of them', () => {
    const clock = new FakeClock(false);
    const picker = new Picker(8);
    const applied: string[] = [];
    const claims = new PeerClaims(
      () => picker,
      clock,
      (r) => applied.push(JSON.stringify(r)),
    );
    expect(claims.offer([[0, 2]], PIECE)).toBe(true);
    expect(applied).toEqual(['[[0,2]]']);
    clock.time += 10;
    claims.offer([[2, 4]], PIECE);
    claims.offer([], PIECE); // the peer withdrew its claims: this is what must count
    expect(applied).toEqual(['[[0,2]]']);
    expect(clock.pending).toBe(1);
    expect(clock.delays.at(-1)).toBe(MIN_CLAIM_GAP_MS - 10);
    clock.fireAll();
    expect(applied).toEqual(['[[0,2]]', '[]']);
    // Dropping them instead left [0, 2) claimed until they expired: nobody fetched it.
    expect(claimed(picker)).toBe('........');
  });

  it('claims beyond what a web seed fetches at once are not believed; clear() ends them all', () => {
    const clock = new FakeClock(false);
    const picker = new Picker(8);
    const claims = new PeerClaims(
      () => picker,
      clock,
      () => {},
    );
    expect(claims.offer([[0, 4]], 2 ** 30)).toBe(false);
    expect(claims.offer([[0, 4]], PIECE)).toBe(true);
    expect(claimed(picker)).toBe('cccc....');
    clock.time += 1;
    claims.offer([[4, 8]], PIECE);
    claims.clear();
    expect(clock.pending).toBe(0);
    expect(claimed(picker)).toBe('........');
  });
});

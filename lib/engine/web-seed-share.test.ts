import { describe, expect, it } from 'vitest';
import { WebSeedShare } from './web-seed-share.ts';

const id = (n: number) => Uint8Array.from({ length: 20 }, (_, i) => (n * 37 + i * 11) & 0xff);

describe('WebSeedShare: readers split the web seed by segments', () => {
  it('every reader computes the same owners: each segment has exactly one, all are covered', () => {
    const readers = [id(1), id(2), id(3), id(4)];
    const pieceCount = 256;
    // Each reader lists itself first, then the others in its own order.
    const views = readers.map((me, k) => {
      const others = readers.filter((_, j) => j !== k).reverse();
      return new WebSeedShare(256 * 1024, pieceCount, [me, ...others]);
    });
    const counts = new Array<number>(4).fill(0);
    for (let i = 0; i < pieceCount; i++) {
      const owners = views.filter((v) => v.ours(i)).length;
      expect(owners, `piece ${i}`).toBe(1);
      views.forEach((v, k) => v.ours(i) && counts[k]!++);
    }
    // About a quarter each (64 segments of 4 pieces).
    for (const c of counts) expect(c).toBeGreaterThan(24);
  });

  it('a lone reader owns everything; segments are about 1 MiB of whole pieces', () => {
    const share = new WebSeedShare(256 * 1024, 10, [id(9)]);
    expect(share.piecesPerSegment).toBe(4);
    for (let i = 0; i < 10; i++) expect(share.ours(i)).toBe(true);
    expect(new WebSeedShare(4 * 1024 * 1024, 3, [id(1)]).piecesPerSegment).toBe(1);
  });
});

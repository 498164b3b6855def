import { describe, expect, it } from 'vitest';
import { webCryptoDigest } from './deps.ts';
import { BLOCK_LENGTH } from './partial-pieces.ts';
import { SmartBan } from './smart-ban.ts';

function harness(good: Uint8Array) {
  const bans: [string, string][] = [];
  const ban = new SmartBan(
    webCryptoDigest,
    async (_piece, begin, length) => good.slice(begin, begin + length),
    (source, reason) => bans.push([source, reason]),
  );
  return { ban, bans };
}

const piece = Uint8Array.from({ length: 3 * BLOCK_LENGTH }, (_, i) => i & 0xff);

describe('SmartBan', () => {
  it('bans the peer whose block differs from the good copy, not the honest ones', async () => {
    const { ban, bans } = harness(piece);
    const wrong = piece.slice();
    wrong[BLOCK_LENGTH + 5]! ^= 0xff; // block 1, sent by B
    await ban.failed(7, ['A', 'B', 'C'], wrong);
    expect(bans).toEqual([]);
    await ban.verified(7);
    expect(bans.map(([s]) => s)).toEqual(['B']);
    // Nothing kept for that piece any more.
    await ban.verified(7);
    expect(bans).toHaveLength(1);
  });

  it('a piece that came whole from one peer bans it at once', async () => {
    const { ban, bans } = harness(piece);
    await ban.failed(3, ['X', 'X', 'X'], piece.slice().fill(0));
    expect(bans.map(([s]) => s)).toEqual(['X']);
  });

  it('keeps the wrong bytes it needs: the caller may reuse its buffer right after', async () => {
    const { ban, bans } = harness(piece);
    const wrong = piece.slice();
    wrong[2 * BLOCK_LENGTH]! ^= 1; // block 2, sent by C
    const done = ban.failed(1, ['A', 'B', 'C'], wrong);
    wrong.set(piece); // reused for something else before the hashing finished
    await done;
    await ban.verified(1);
    expect(bans.map(([s]) => s)).toEqual(['C']);
  });
});

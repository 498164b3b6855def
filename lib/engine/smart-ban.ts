/**
 * Smart ban (after libtorrent): a piece put together from peers' blocks that fails its hash
 * check is traced to its senders. The hash of each block they sent is kept; when the piece
 * later verifies, the peers whose blocks differ from the good copy sent wrong data and are
 * banned, and those whose blocks match are cleared. A piece that came whole from one peer
 * and failed bans that peer at once: WebRTC data channels are reliable and checked, so
 * wrong bytes are the sender's, not the network's.
 */
import { equalBytes } from './bytes.ts';
import type { Digest } from './deps.ts';
import { BLOCK_LENGTH } from './partial-pieces.ts';

interface Suspect {
  source: string;
  begin: number;
  length: number;
  hash: Uint8Array;
}

/** Pieces with suspects kept at once (a hostile swarm cannot make us hold more). */
const MAX_SUSPECT_PIECES = 256;

export class SmartBan {
  private readonly suspects = new Map<number, Suspect[]>();

  constructor(
    private readonly digest: Digest,
    /** Reads a block of a verified piece. */
    private readonly readBlock: (
      piece: number,
      begin: number,
      length: number,
    ) => Promise<Uint8Array>,
    /** Bans the source (a wire peer's id among the torrent's sources). */
    private readonly ban: (source: string, reason: string) => void,
  ) {}

  /** A piece failed: `senders` per block (undefined: nobody), `data` the wrong piece. */
  async failed(
    piece: number,
    senders: readonly (string | undefined)[],
    data: Uint8Array,
  ): Promise<void> {
    const distinct = new Set(senders.filter((s): s is string => s !== undefined));
    if (distinct.size === 0) return;
    if (distinct.size === 1) {
      const [only] = distinct;
      return this.ban(only!, `sent a wrong piece (${piece})`);
    }
    if (this.suspects.size >= MAX_SUSPECT_PIECES) return;
    // Copy what we hash: `data` is reused by the caller once we return to the event loop.
    const blocks = senders.map((source, b) => {
      const begin = b * BLOCK_LENGTH;
      const length = Math.min(BLOCK_LENGTH, data.byteLength - begin);
      return { source, begin, length, bytes: data.slice(begin, begin + length) };
    });
    const list: Suspect[] = [];
    for (const b of blocks) {
      if (b.source === undefined) continue;
      list.push({
        source: b.source,
        begin: b.begin,
        length: b.length,
        hash: await this.digest('SHA-1', b.bytes),
      });
    }
    const before = this.suspects.get(piece) ?? [];
    this.suspects.set(piece, [...before, ...list]);
  }

  /** The piece verified: compare the suspects' blocks with the good copy. */
  async verified(piece: number): Promise<void> {
    const list = this.suspects.get(piece);
    if (!list) return;
    this.suspects.delete(piece);
    for (const s of list) {
      const good = await this.digest('SHA-1', await this.readBlock(piece, s.begin, s.length));
      if (!equalBytes(good, s.hash)) this.ban(s.source, `sent wrong data for piece ${piece}`);
    }
  }
}

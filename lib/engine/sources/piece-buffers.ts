/**
 * The bytes of pieces being put together from 16 KiB blocks, shared by a torrent's wire
 * peers (in endgame two peers fill one piece). One buffer per piece in progress, from the
 * client's pool; handed to the verifier whole once its last block is in.
 */
import type { BufferPool } from '../buffer-pool.ts';

export class PieceBuffers {
  private readonly pieces = new Map<number, Uint8Array>();

  constructor(
    private readonly pool: BufferPool,
    private readonly pieceSize: (index: number) => number,
  ) {}

  /** Copies a block into its piece's buffer (the caller checked it lies inside the piece). */
  put(piece: number, begin: number, block: Uint8Array): void {
    let buf = this.pieces.get(piece);
    if (!buf) this.pieces.set(piece, (buf = this.pool.alloc(this.pieceSize(piece))));
    buf.set(block, begin);
  }

  /** The whole piece, handed over (no longer held here). */
  take(piece: number): Uint8Array | undefined {
    const buf = this.pieces.get(piece);
    this.pieces.delete(piece);
    return buf;
  }

  /** Forgets a piece (verified by another source, or failed: its blocks come again). */
  drop(piece: number): void {
    const buf = this.pieces.get(piece);
    if (!buf) return;
    this.pieces.delete(piece);
    this.pool.recycle(buf.buffer);
  }

  get size(): number {
    return this.pieces.size;
  }

  clear(): void {
    for (const piece of [...this.pieces.keys()]) this.drop(piece);
  }
}

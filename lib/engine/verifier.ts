/**
 * Verification, the one way in for piece data from any source: the SHA-1 (v1) of the
 * piece is checked, the piece written and flushed, and only then marked verified (in the
 * store, then in the picker's `have`). A piece that fails is given back to the picker, to
 * be fetched again, and reported with the source it came from.
 */
import type { BufferPool } from './buffer-pool.ts';
import { equalBytes, wholeBuffer } from './bytes.ts';
import type { Digest } from './deps.ts';
import type { Picker } from './picker.ts';
import type { TorrentStorage } from './piece-store.ts';
import type { Source } from './sources/source.ts';

export interface VerifierHooks {
  /** A piece is verified and stored. */
  verified(index: number, from: Source): void;
  /**
   * A piece's hash was wrong (it is already back in the picker). `data` is the wrong piece,
   * valid only during the call (its buffer is reused after).
   */
  failed(index: number, from: Source, data: Uint8Array): void;
  /** The store failed writing a verified piece. */
  storageFailed(err: unknown): void;
}

export class Verifier {
  private destroyed = false;

  constructor(
    private readonly digest: Digest,
    private readonly buffers: BufferPool,
    private readonly storage: TorrentStorage,
    private readonly picker: Picker,
    private readonly hashOf: (index: number) => Uint8Array,
    private readonly hooks: VerifierHooks,
  ) {}

  /** Takes `data` over; resolves whether it was right (a piece already had counts as right). */
  async deliver(index: number, data: Uint8Array, from: Source): Promise<boolean> {
    const { picker } = this;
    // Only a web seed's run holds a whole-piece reservation to give back.
    const release = () => from.kind === 'webseed' && picker.release(index);
    if (this.destroyed || picker.has(index)) {
      release();
      this.buffers.recycle(wholeBuffer(data));
      return true;
    }
    const hash = await this.digest('SHA-1', data);
    if (!equalBytes(hash, this.hashOf(index))) {
      release();
      picker.pieceFailed(index);
      this.hooks.failed(index, from, data);
      this.buffers.recycle(wholeBuffer(data));
      return false;
    }
    try {
      // The store takes the buffer and hands it back once written: reuse it.
      this.buffers.recycle(await this.storage.writePiece(index, data));
      await this.storage.markVerified(index);
    } catch (err) {
      release();
      picker.pieceFailed(index);
      this.hooks.storageFailed(err);
      throw err;
    }
    if (picker.has(index)) return true;
    picker.complete(index, from.kind === 'webseed');
    this.hooks.verified(index, from);
    return true;
  }

  destroy(): void {
    this.destroyed = true;
  }
}

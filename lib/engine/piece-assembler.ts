/**
 * Collects streamed bytes (a web seed's Range response) into whole pieces and hands each
 * on as soon as it completes. Up to `maxPending` hand-offs (verify + write) run while the
 * stream reads on, so network, hashing and storage overlap; past that the stream waits,
 * which bounds memory at about (maxPending + 1) pieces per run whatever the torrent's size.
 */
import { pieceSize, type StorageLayout } from './piece-store.ts';
import type { Picker } from './picker.ts';

export class PieceAssembler {
  /** The next piece not handed on yet. */
  next: number;
  private end: number;
  private buf: Uint8Array;
  private filled = 0;
  private readonly pending = new Set<Promise<void>>();
  private error: unknown = null;

  constructor(
    private readonly layout: StorageLayout,
    first: number,
    count: number,
    private readonly alloc: (size: number) => Uint8Array,
    private readonly onPiece: (index: number, data: Uint8Array) => Promise<void>,
    private readonly maxPending = 4,
  ) {
    this.next = first;
    this.end = first + count;
    this.buf = alloc(pieceSize(layout, first));
  }

  /** Gives back the pieces not handed on yet; whatever arrives after is dropped. */
  releaseRest(picker: Picker): void {
    for (let i = this.next; i < this.end; i++) picker.release(i);
    this.end = this.next;
  }

  async push(chunk: Uint8Array): Promise<void> {
    let off = 0;
    while (off < chunk.byteLength && this.next < this.end) {
      const n = Math.min(chunk.byteLength - off, this.buf.byteLength - this.filled);
      this.buf.set(chunk.subarray(off, off + n), this.filled);
      this.filled += n;
      off += n;
      if (this.filled === this.buf.byteLength) {
        const index = this.next;
        const data = this.buf;
        this.next++;
        if (this.next < this.end) this.buf = this.alloc(pieceSize(this.layout, this.next));
        this.filled = 0;
        await this.handOn(index, data);
      }
    }
  }

  /** Waits for every hand-off; rethrows the first failure. */
  async drain(): Promise<void> {
    await Promise.all(this.pending);
    this.throwIfFailed();
  }

  private async handOn(index: number, data: Uint8Array): Promise<void> {
    const tracked: Promise<void> = this.onPiece(index, data).then(
      () => void this.pending.delete(tracked),
      (err: unknown) => {
        this.pending.delete(tracked);
        this.error ??= err;
      },
    );
    this.pending.add(tracked);
    this.throwIfFailed();
    while (this.pending.size >= this.maxPending) {
      await Promise.race(this.pending);
      this.throwIfFailed();
    }
  }

  private throwIfFailed(): void {
    if (this.error !== null) throw this.error;
  }
}

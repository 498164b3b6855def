/**
 * Reuses piece-sized buffers. Without it a download allocates one buffer per piece and
 * leaves each for the garbage collector; measured (scripts/bench.mjs), the dead buffers
 * piled up in the OPFS worker between collections and the peak grew with the torrent's
 * size. With the store handing each buffer back after its write, a download allocates a
 * few buffers and reuses them.
 */
export class BufferPool {
  private readonly free = new Map<number, ArrayBuffer[]>();
  private bytes = 0;

  constructor(private readonly maxBytes = 32 * 1024 * 1024) {}

  /** A buffer of `size` bytes; its contents are arbitrary (the caller overwrites it). */
  alloc(size: number): Uint8Array {
    const buf = this.free.get(size)?.pop();
    if (!buf) return new Uint8Array(size);
    this.bytes -= size;
    return new Uint8Array(buf);
  }

  /** Gives a buffer back for reuse (ignored when detached, shared, or the pool is full). */
  recycle(buffer: ArrayBufferLike | undefined): void {
    if (!(buffer instanceof ArrayBuffer) || buffer.byteLength === 0) return;
    const size = buffer.byteLength;
    if (this.bytes + size > this.maxBytes) return;
    const list = this.free.get(size) ?? [];
    if (list.includes(buffer)) return;
    list.push(buffer);
    this.free.set(size, list);
    this.bytes += size;
  }

  /** Lets go of every pooled buffer (nothing is downloading). */
  clear(): void {
    this.free.clear();
    this.bytes = 0;
  }

  get pooledBytes(): number {
    return this.bytes;
  }
}

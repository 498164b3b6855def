/**
 * Collects streamed bytes (a web seed's Range response) into whole pieces and hands each
 * on as soon as it completes. Up to `maxPending` hand-offs (verify + write) run while the
 * stream reads the next piece, so network, hashing and storage overlap; past that the
 * stream waits, and only then takes memory for the next piece. So a run holds at most
 * `maxPending + 1` pieces; `pendingLimit` keeps that near 16 MiB + one piece, whatever the
 * piece length and the torrent's size.
 */
import { pieceSize, type StorageLayout } from './piece-store.ts';
import type { Run } from './picker.ts';

/** Hand-offs that may run while the stream reads on, at most (small pieces). */
export const MAX_PENDING = 4;
/** Bytes of pieces handed on and not yet stored that a run may hold (at least one piece). */
export const MAX_PENDING_BYTES = 16 * 1024 * 1024;

/** How many hand-offs a run may keep going with pieces of `pieceLength` bytes. */
export function pendingLimit(pieceLength: number): number {
  return Math.min(MAX_PENDING, Math.max(1, Math.floor(MAX_PENDING_BYTES / pieceLength)));
}

/** Options of `pumpBody`. */
export interface PumpOptions {
  /** Body bytes to read and drop before the first byte wanted (a server ignoring Range). */
  skip?: number;
  /** Told when the pump starts (`true`) and stops (`false`) waiting on the network. */
  reading?(on: boolean): void;
  /** After each read of `n` bytes: resolves when the next read may start (a speed limit). */
  throttle?(n: number): Promise<void> | undefined;
}

/** Scratch memory for skipped bytes, at most this much at a time. */
const SKIP_CHUNK = 256 * 1024;

/**
 * Reads `length` bytes of `body` into the assembler: straight into piece memory with a
 * BYOB reader where the stream supports it (browsers and Node), else chunk by chunk.
 * Returns how many bytes it got (fewer when the body ended early).
 */
export async function pumpBody(
  body: ReadableStream<Uint8Array>,
  length: number,
  sink: PieceAssembler,
  onBytesRead: (n: number) => void,
  opts: PumpOptions = {},
): Promise<number> {
  const onBytes = async (n: number) => {
    onBytesRead(n);
    await opts.throttle?.(n);
  };
  let byob: ReadableStreamBYOBReader | null = null;
  try {
    byob = body.getReader({ mode: 'byob' });
  } catch {
    // Not a byte stream: read chunks.
  }
  const reader = byob ?? body.getReader();
  const reading = opts.reading ?? (() => {});
  let skip = opts.skip ?? 0;
  let scratch: Uint8Array | null = null;
  let got = 0;
  try {
    while (skip > 0 && !sink.finished) {
      reading(true);
      let value: Uint8Array | undefined;
      if (byob) {
        scratch ??= new Uint8Array(Math.min(SKIP_CHUNK, skip));
        const r: ReadableStreamReadResult<Uint8Array> = await byob.read(
          scratch.subarray(0, Math.min(scratch.byteLength, skip)),
        );
        if (r.value) scratch = new Uint8Array(r.value.buffer);
        value = r.done ? undefined : r.value;
      } else {
        const r = await (reader as ReadableStreamDefaultReader<Uint8Array>).read();
        value = r.done ? undefined : r.value;
      }
      reading(false);
      if (!value) return got;
      const dropped = Math.min(skip, value.byteLength);
      skip -= dropped;
      // A chunk (default reader) may run past the skipped part: the rest is wanted.
      if (dropped < value.byteLength) {
        const take = Math.min(value.byteLength - dropped, length);
        got += take;
        await onBytes(take);
        await sink.push(value.subarray(dropped, dropped + take));
      }
    }
    scratch = null;
    while (got < length && !sink.finished) {
      if (byob) {
        const window = sink.window(length - got);
        if (!window) break;
        reading(true);
        const { done, value } = await byob.read(window);
        reading(false);
        if (done) {
          if (value) sink.restore(value);
          break;
        }
        got += value.byteLength;
        await onBytes(value.byteLength);
        await sink.commit(value);
      } else {
        reading(true);
        const { done, value } = await (reader as ReadableStreamDefaultReader<Uint8Array>).read();
        reading(false);
        if (done) break;
        const take = Math.min(value.byteLength, length - got);
        got += take;
        await onBytes(take);
        await sink.push(take === value.byteLength ? value : value.subarray(0, take));
      }
    }
  } finally {
    reading(false);
    reader.cancel().catch(() => {});
  }
  return got;
}

const EMPTY = new Uint8Array(0);

/**
 * Fills the pieces of a web seed's `Run` in order. It owns `run.next` (the piece being
 * read; pieces before it were handed on); the picker owns `run.end`, which it lowers when
 * peers take the run's tail: the assembler then stops there and drops later bytes.
 */
export class PieceAssembler {
  private buf: Uint8Array;
  private filled = 0;
  private readonly pending = new Set<Promise<void>>();
  private error: unknown = null;

  constructor(
    private readonly layout: StorageLayout,
    readonly run: Run,
    private readonly alloc: (size: number) => Uint8Array,
    private readonly onPiece: (index: number, data: Uint8Array) => Promise<void>,
    private readonly maxPending = pendingLimit(layout.pieceLength),
  ) {
    this.buf = run.next < run.end ? alloc(pieceSize(layout, run.next)) : EMPTY;
  }

  /** The piece being read. */
  get next(): number {
    return this.run.next;
  }

  /** Every piece of the run was handed on (or the run was cut short before the rest). */
  get finished(): boolean {
    return this.run.next >= this.run.end;
  }

  async push(chunk: Uint8Array): Promise<void> {
    this.throwIfFailed();
    let off = 0;
    while (off < chunk.byteLength && !this.finished) {
      const n = Math.min(chunk.byteLength - off, this.buf.byteLength - this.filled);
      this.buf.set(chunk.subarray(off, off + n), this.filled);
      this.filled += n;
      off += n;
      if (this.filled === this.buf.byteLength) await this.pieceDone();
    }
  }

  /**
   * The unfilled rest of the current piece (at most `max` bytes), for a BYOB reader to read
   * straight into: no chunk is allocated and copied per read. Null when the run is done.
   */
  window(max: number): Uint8Array | null {
    if (this.finished) return null;
    const n = Math.min(max, this.buf.byteLength - this.filled);
    return new Uint8Array(this.buf.buffer, this.buf.byteOffset + this.filled, n);
  }

  /**
   * After a BYOB read into `window()`: `filled` is the view the reader returned (the same
   * memory, transferred back). Hands the piece on when it is complete.
   */
  async commit(filled: Uint8Array): Promise<void> {
    this.throwIfFailed();
    this.restore(filled);
    this.filled += filled.byteLength;
    if (this.filled < this.buf.byteLength) return;
    await this.pieceDone();
  }

  /** Takes back the piece's memory from a BYOB read (which transfers the buffer). */
  restore(view: Uint8Array): void {
    // `this.buf` is detached (length 0) while the read holds its memory: size it anew.
    const size = pieceSize(this.layout, this.next);
    this.buf = new Uint8Array(view.buffer, view.byteOffset - this.filled, size);
  }

  /** Waits for every hand-off; rethrows the first failure. */
  async drain(): Promise<void> {
    await Promise.all(this.pending);
    this.throwIfFailed();
  }

  /**
   * The current piece is full: hands it on, waits while too many hand-offs run, and only
   * then takes memory for the next piece.
   */
  private async pieceDone(): Promise<void> {
    const index = this.run.next;
    const data = this.buf;
    this.run.next++;
    this.filled = 0;
    this.buf = EMPTY;
    const tracked: Promise<void> = this.onPiece(index, data).then(
      () => void this.pending.delete(tracked),
      (err: unknown) => {
        this.pending.delete(tracked);
        this.error ??= err;
      },
    );
    this.pending.add(tracked);
    this.throwIfFailed();
    while (this.pending.size > this.maxPending) {
      await Promise.race(this.pending);
      this.throwIfFailed();
    }
    if (!this.finished) this.buf = this.alloc(pieceSize(this.layout, this.run.next));
  }

  private throwIfFailed(): void {
    if (this.error !== null) throw this.error;
  }
}

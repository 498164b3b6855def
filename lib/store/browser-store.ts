/**
 * The browser piece store: piece data in OPFS (one OPFS file per torrent file, written by
 * opfs-worker.ts through sync access handles), the bitfield of verified pieces in IndexedDB.
 */
import { wholeBuffer } from '../engine/bytes.ts';
import { StoreError, errorMessage } from '../engine/errors.ts';
import { Bitfield } from '../engine/bitfield.ts';
import {
  checkBlock,
  pieceSize,
  pieceSpans,
  type PieceStore,
  type StorageLayout,
  type TorrentStorage,
} from '../engine/piece-store.ts';
import { DbConnection, deleteBitfield, getBitfield, putBitfield, type SwarmlinkDb } from './db.ts';
import { OpfsClient, dirComponents, opfsFileName, resolveDir } from './opfs-protocol.ts';

export interface BrowserPieceStoreOptions {
  /** IndexedDB database name (default `swarmlink`). */
  dbName?: string;
  /** OPFS folder holding one sub-folder per torrent (default `swarmlink`). */
  opfsRoot?: string;
}

const INFO_HASH = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;

export class BrowserPieceStore implements PieceStore {
  private readonly root: string;
  private client?: OpfsClient;
  private readonly db: DbConnection;

  constructor(options: BrowserPieceStoreOptions = {}) {
    this.db = new DbConnection(options.dbName ?? 'swarmlink');
    this.root = options.opfsRoot ?? 'swarmlink';
    dirComponents(this.root);
  }

  async open(layout: StorageLayout): Promise<TorrentStorage> {
    const dir = this.dirOf(layout.infoHash);
    const db = await this.database();
    const record = await getBitfield(db, layout.infoHash);
    const bits =
      record && record.pieceCount === layout.pieceCount
        ? new Uint8Array(record.bits)
        : new Uint8Array(Math.ceil(layout.pieceCount / 8));
    await checkQuota(layout, bits);
    return new BrowserTorrentStorage(
      layout,
      this.worker(),
      dir,
      new BitfieldWriter(this.db, layout, bits),
    );
  }

  async remove(infoHash: string): Promise<void> {
    await this.worker().call({ op: 'removeDir', dir: this.dirOf(infoHash) });
    await deleteBitfield(await this.database(), infoHash);
  }

  /** Ends the worker and closes the database; for tests and shutdown (torrents closed first). */
  async dispose(): Promise<void> {
    this.client?.terminate();
    this.client = undefined;
    await this.db.close();
  }

  private dirOf(infoHash: string): string {
    // The infohash becomes an OPFS folder name: accept nothing but hex.
    if (!INFO_HASH.test(infoHash)) throw new StoreError(`Not a hex infohash: ${infoHash}`);
    return `${this.root}/${infoHash}`;
  }

  private worker(): OpfsClient {
    this.client ??= new OpfsClient(
      new Worker(new URL('./opfs-worker.ts', import.meta.url), { type: 'module' }),
    );
    return this.client;
  }

  private async database(): Promise<SwarmlinkDb> {
    try {
      return await this.db.get();
    } catch (err) {
      throw new StoreError(`Cannot open IndexedDB: ${errorMessage(err)}`, { cause: err });
    }
  }
}

/**
 * Refuses to start a torrent that cannot fit: the quota is about the free disk with
 * `unlimitedStorage` (design.md), and the bytes still missing must fit in it.
 */
async function checkQuota(layout: StorageLayout, bits: Uint8Array): Promise<void> {
  if (!globalThis.navigator?.storage?.estimate) return;
  let have = 0;
  for (let i = 0; i < layout.pieceCount; i++) {
    if (bits[i >> 3]! & (0x80 >> (i & 7))) have += pieceSize(layout, i);
  }
  const need = layout.length - have;
  const { quota = Infinity, usage = 0 } = await navigator.storage.estimate();
  if (need > quota - usage) {
    const mib = (n: number) => `${Math.ceil(n / 2 ** 20)} MiB`;
    throw new StoreError(
      `Not enough storage: the torrent needs ${mib(need)} more, the browser has ${mib(quota - usage)} free`,
    );
  }
}

class BrowserTorrentStorage implements TorrentStorage {
  private closed = false;
  /** Pieces with a write in flight, so a premature markVerified is caught, not persisted. */
  private readonly writing = new Map<number, number>();

  constructor(
    readonly layout: StorageLayout,
    private readonly client: OpfsClient,
    private readonly dir: string,
    private readonly bitfield: BitfieldWriter,
  ) {}

  verified(): Promise<Bitfield> {
    this.checkOpen();
    return this.bitfield.persisted().then((bits) => toBitfield(this.layout.pieceCount, bits));
  }

  /**
   * The piece's buffer is transferred to the worker (so `data` is detached afterwards)
   * when `data` covers its whole ArrayBuffer; otherwise the piece is copied first.
   */
  async writePiece(index: number, data: Uint8Array): Promise<ArrayBuffer | undefined> {
    this.checkOpen();
    this.checkIndex(index);
    const size = pieceSize(this.layout, index);
    if (data.byteLength !== size) {
      throw new StoreError(`Piece ${index} is ${size} bytes, got ${data.byteLength}`);
    }
    const spans = pieceSpans(this.layout, index).map((s) => ({
      file: opfsFileName(s.fileIndex),
      fileOffset: s.fileOffset,
      pieceOffset: s.pieceOffset,
      length: s.length,
    }));
    if (spans.length === 0) return undefined;
    const buffer = wholeBuffer(data) ?? data.slice().buffer;
    this.writing.set(index, (this.writing.get(index) ?? 0) + 1);
    try {
      // The worker hands the buffer back once written: the caller reuses it (BufferPool).
      return await this.client.call({ op: 'writePiece', dir: this.dir, spans, data: buffer }, [
        buffer,
      ]);
    } finally {
      const n = (this.writing.get(index) ?? 1) - 1;
      if (n > 0) this.writing.set(index, n);
      else this.writing.delete(index);
    }
  }

  /**
   * Sets the bit at once and persists it in a batch (≤ 200 ms later, or sooner after 64
   * marks; `verified()` and `close()` flush). The caller must call it only after
   * `writePiece(index)` resolved: the store never reorders, so a bit persisted early
   * would survive a crash without its data. A call during that piece's write throws.
   */
  async markVerified(index: number): Promise<void> {
    this.checkOpen();
    this.checkIndex(index);
    if (this.writing.has(index)) {
      throw new StoreError(`Piece ${index} marked verified while its write is in flight`);
    }
    this.bitfield.mark(index);
  }

  async readPiece(index: number): Promise<Uint8Array> {
    this.checkIndex(index);
    return this.readBlock(index, 0, pieceSize(this.layout, index));
  }

  async readBlock(index: number, offset: number, length: number): Promise<Uint8Array> {
    this.checkOpen();
    checkBlock(this.layout, index, offset, length);
    const out = new Uint8Array(length);
    await Promise.all(
      pieceSpans(this.layout, index, offset, length).map(async (s) => {
        const file = opfsFileName(s.fileIndex);
        const buf = await this.client.call({
          op: 'read',
          dir: this.dir,
          file,
          offset: s.fileOffset,
          length: s.length,
        });
        if (buf) out.set(new Uint8Array(buf), s.pieceOffset - offset);
      }),
    );
    return out;
  }

  async fileBlob(fileIndex: number): Promise<Blob> {
    this.checkOpen();
    const f = this.layout.files[fileIndex];
    if (!f || f.pad) throw new StoreError(`No stored file with index ${fileIndex}`);
    const file = opfsFileName(fileIndex);
    // The page cannot getFile() while the worker holds the file's sync handle.
    await this.client.call({
      op: f.length === 0 ? 'ensureFile' : 'closeFile',
      dir: this.dir,
      file,
    });
    try {
      const folder = await resolveDir(await navigator.storage.getDirectory(), this.dir, false);
      const handle = await folder.getFileHandle(file);
      return (await handle.getFile()).slice(0, f.length, 'application/octet-stream');
    } catch (err) {
      throw new StoreError(`Cannot read stored file ${fileIndex}: ${errorMessage(err)}`, {
        cause: err,
      });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.bitfield.persisted();
    } finally {
      this.bitfield.stop();
      await this.client.call({ op: 'closeDir', dir: this.dir });
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new StoreError(`Storage of ${this.layout.infoHash} is closed`);
  }

  private checkIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.layout.pieceCount) {
      throw new StoreError(`Piece index out of range: ${index}`);
    }
  }
}

const BATCH_DELAY_MS = 200;
const BATCH_PIECES = 64;
/** A failed write of the bits is retried on its own, backing off up to this. */
const MAX_RETRY_MS = 5_000;

/** The in-memory bitfield of one torrent and its batched writes to IndexedDB. */
class BitfieldWriter {
  private pending = 0;
  private timer?: ReturnType<typeof setTimeout>;
  /** Writes are chained so an older snapshot never lands after a newer one. */
  private chain: Promise<void> = Promise.resolve();
  private error?: unknown;
  /**
   * The last failed write held marks made while the torrent downloaded: report it. A retry
   * that failed while nothing was marked (the torrent stood still, e.g. on a full disk) is
   * not reported to the next mark, which is written again first.
   */
  private reportable = false;
  /** Marks since the last write started. */
  private marked = false;
  private retryMs = BATCH_DELAY_MS;
  private stopped = false;

  constructor(
    private readonly db: DbConnection,
    private readonly layout: StorageLayout,
    private readonly bits: Uint8Array,
  ) {}

  mark(index: number): void {
    const mask = 0x80 >> (index & 7);
    if ((this.bits[index >> 3]! & mask) !== 0) return;
    this.bits[index >> 3]! |= mask;
    this.pending++;
    this.marked = true;
    if (this.error !== undefined && !this.reportable) {
      // Failed while nothing was marked: try again soon, not after the retry's backoff.
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    // Not a sliding debounce: under a steady stream of marks the first one must not wait for ever.
    if (this.pending >= BATCH_PIECES) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), BATCH_DELAY_MS);
    if (this.reportable) this.throwError();
  }

  /** Flushes pending marks, then reads back what is persisted. */
  async persisted(): Promise<Uint8Array | undefined> {
    await this.flush();
    this.throwError();
    const record = await this.db.use((db) => getBitfield(db, this.layout.infoHash));
    return record?.pieceCount === this.layout.pieceCount ? record.bits : undefined;
  }

  private flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending === 0) return this.chain;
    this.pending = 0;
    const withMarks = this.marked;
    this.marked = false;
    const record = {
      infoHash: this.layout.infoHash,
      pieceCount: this.layout.pieceCount,
      bits: this.bits.slice(),
    };
    this.chain = this.chain
      .then(() => this.db.use((db) => putBitfield(db, record)))
      .then(
        () => {
          // A failure that is over (space is free again) is not reported any more.
          this.error = undefined;
          this.reportable = false;
          this.retryMs = BATCH_DELAY_MS;
        },
        (err: unknown) => {
          this.error = err;
          this.reportable = withMarks;
          this.pending = Math.max(this.pending, 1);
          // Retried without waiting for the next mark: once there is space again the bits
          // persist, even while the torrent stands still.
          if (this.stopped) return;
          this.timer ??= setTimeout(() => void this.flush(), this.retryMs);
          this.retryMs = Math.min(MAX_RETRY_MS, this.retryMs * 2);
        },
      );
    return this.chain;
  }

  /** No more retries (the storage closed). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private throwError(): void {
    const err = this.error;
    if (err === undefined) return;
    this.error = undefined;
    this.reportable = false;
    throw new StoreError(`Cannot save verified pieces: ${errorMessage(err)}`, {
      cause: err,
      kind: err instanceof Error && err.name === 'QuotaExceededError' ? 'full' : 'io',
    });
  }
}

/** The persisted bits as a Bitfield; spare bits past the piece count (never set) are cleared. */
function toBitfield(pieceCount: number, bits: Uint8Array | undefined): Bitfield {
  const field = new Bitfield(pieceCount);
  if (!bits) return field;
  for (let i = 0; i < pieceCount; i++) {
    if ((bits[i >> 3]! & (0x80 >> (i & 7))) !== 0) field.set(i);
  }
  return field;
}

/**
 * The piece store: where verified piece data and the bitfield of verified pieces live.
 * Backends: memory (Node tests) and browser (OPFS + IndexedDB, lib/store/).
 * Both must pass tests/piece-store-contract.ts.
 */

import type { Bitfield } from './bitfield.ts';
import { StoreError } from './errors.ts';

/** What a store needs to know about a torrent's layout. */
export interface StorageLayout {
  /** Hex v1 infohash: the store's key for this torrent. */
  infoHash: string;
  pieceLength: number;
  pieceCount: number;
  /** Total length in bytes, pad files included. */
  length: number;
  /** Files in torrent order; `offset` is the byte offset in the torrent's concatenation. */
  files: readonly { length: number; offset: number; pad: boolean }[];
}

export interface PieceStore {
  /** Opens (creating if needed) the storage of one torrent. */
  open(layout: StorageLayout): Promise<TorrentStorage>;
  /** Deletes all stored data and the bitfield of a torrent (it must not be open). */
  remove(infoHash: string): Promise<void>;
}

export interface TorrentStorage {
  readonly layout: StorageLayout;
  /**
   * The pieces marked verified, as persisted (a fresh Bitfield the caller owns: the
   * torrent's one record of what it has). A piece is in it only after its bytes were
   * written and flushed.
   */
  verified(): Promise<Bitfield>;
  /**
   * Writes a whole piece (its bytes split across the files it spans; bytes that fall in
   * pad files are dropped) and flushes. Does not mark it verified. The store takes `data`
   * (the caller must not use it afterwards) and resolves with a buffer the caller may reuse
   * for another piece (the same memory, handed back), or undefined.
   */
  writePiece(index: number, data: Uint8Array): Promise<ArrayBuffer | undefined>;
  /** Marks a written piece as verified (persisted; may be batched, never before the write). */
  markVerified(index: number): Promise<void>;
  /** Reads a whole piece back (pad bytes are zeros). */
  readPiece(index: number): Promise<Uint8Array>;
  /**
   * Reads `length` bytes at `offset` into piece `index` (pad bytes are zeros), so serving
   * a 16 KiB request never reads a whole piece. RangeError-free: a span outside the piece
   * is a StoreError.
   */
  readBlock(index: number, offset: number, length: number): Promise<Uint8Array>;
  /**
   * A Blob of one whole file, read from storage without assembling it in memory.
   * Only for files all of whose pieces are verified; never for pad files.
   */
  fileBlob(fileIndex: number): Promise<Blob>;
  /** Flushes pending bitfield writes and releases handles. */
  close(): Promise<void>;
}

/** Pieces (inclusive range) that overlap file `fileIndex`; null for empty files. */
export function piecesOfFile(
  layout: StorageLayout,
  fileIndex: number,
): { first: number; last: number } | null {
  const f = layout.files[fileIndex];
  if (!f || f.length === 0) return null;
  return {
    first: Math.floor(f.offset / layout.pieceLength),
    last: Math.floor((f.offset + f.length - 1) / layout.pieceLength),
  };
}

/** Length in bytes of piece `index` (the last one may be short). */
export function pieceSize(layout: StorageLayout, index: number): number {
  if (index < layout.pieceCount - 1) return layout.pieceLength;
  return layout.length - layout.pieceLength * (layout.pieceCount - 1);
}

export interface FileSpan {
  fileIndex: number;
  fileOffset: number;
  pieceOffset: number;
  length: number;
}

/**
 * The parts of piece `index` that fall in each non-pad file:
 * `pieceOffset` into the piece, `fileOffset` into the file, `length`. With `offset` and
 * `length`, only the parts of that block of the piece.
 */
export function pieceSpans(
  layout: StorageLayout,
  index: number,
  offset = 0,
  length = pieceSize(layout, index) - offset,
): FileSpan[] {
  const pieceStart = index * layout.pieceLength;
  const start = pieceStart + offset;
  const end = start + length;
  const spans: FileSpan[] = [];
  // Binary search for the first file that ends after `start`.
  const files = layout.files;
  let lo = 0;
  let hi = files.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const f = files[mid]!;
    if (f.offset + f.length <= start) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < files.length; i++) {
    const f = files[i]!;
    if (f.offset >= end) break;
    if (f.length === 0 || f.pad) continue;
    const s = Math.max(start, f.offset);
    const e = Math.min(end, f.offset + f.length);
    if (e > s) {
      spans.push({
        fileIndex: i,
        fileOffset: s - f.offset,
        pieceOffset: s - pieceStart,
        length: e - s,
      });
    }
  }
  return spans;
}

/** Whether `[offset, offset + length)` lies inside piece `index` (the wire's requests). */
export function isInPiece(
  layout: StorageLayout,
  index: number,
  offset: number,
  length: number,
): boolean {
  return (
    Number.isInteger(index) &&
    index >= 0 &&
    index < layout.pieceCount &&
    Number.isInteger(offset) &&
    Number.isInteger(length) &&
    offset >= 0 &&
    length > 0 &&
    offset + length <= pieceSize(layout, index)
  );
}

/** A store's `readBlock` arguments: a StoreError unless the block lies inside the piece. */
export function checkBlock(
  layout: StorageLayout,
  index: number,
  offset: number,
  length: number,
): void {
  if (!isInPiece(layout, index, offset, length)) {
    throw new StoreError(`Block ${offset}+${length} is outside piece ${index}`);
  }
}

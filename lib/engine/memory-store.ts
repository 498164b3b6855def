/**
 * In-memory piece store for Node tests and simulations. What it keeps lives in the store
 * object, so closing a torrent and opening it again on the same store simulates a restart.
 */
import { StoreError } from './errors.ts';
import { Bitfield } from './bitfield.ts';
import {
  checkBlock,
  pieceSize,
  pieceSpans,
  type PieceStore,
  type StorageLayout,
  type TorrentStorage,
} from './piece-store.ts';
import { wholeBuffer } from './bytes.ts';

interface StoredTorrent {
  /** File buffers by file index, allocated on first write; pad files never get one. */
  files: Map<number, Uint8Array<ArrayBuffer>>;
  verified: Bitfield;
}

export class MemoryPieceStore implements PieceStore {
  private readonly torrents = new Map<string, StoredTorrent>();

  async open(layout: StorageLayout): Promise<TorrentStorage> {
    let stored = this.torrents.get(layout.infoHash);
    if (!stored) {
      stored = { files: new Map(), verified: new Bitfield(layout.pieceCount) };
      this.torrents.set(layout.infoHash, stored);
    }
    return new MemoryTorrentStorage(layout, stored);
  }

  async remove(infoHash: string): Promise<void> {
    this.torrents.delete(infoHash);
  }
}

class MemoryTorrentStorage implements TorrentStorage {
  private closed = false;

  constructor(
    readonly layout: StorageLayout,
    private readonly stored: StoredTorrent,
  ) {}

  async verified(): Promise<Bitfield> {
    this.checkOpen();
    return this.stored.verified.clone();
  }

  async writePiece(index: number, data: Uint8Array): Promise<ArrayBuffer | undefined> {
    this.checkOpen();
    this.checkIndex(index);
    const size = pieceSize(this.layout, index);
    if (data.byteLength !== size) {
      throw new StoreError(`Piece ${index} is ${size} bytes, got ${data.byteLength}`);
    }
    for (const s of pieceSpans(this.layout, index)) {
      let file = this.stored.files.get(s.fileIndex);
      if (!file) {
        file = new Uint8Array(this.layout.files[s.fileIndex]!.length);
        this.stored.files.set(s.fileIndex, file);
      }
      file.set(data.subarray(s.pieceOffset, s.pieceOffset + s.length), s.fileOffset);
    }
    // Copied: the caller may reuse its buffer at once.
    return wholeBuffer(data);
  }

  async markVerified(index: number): Promise<void> {
    this.checkOpen();
    this.checkIndex(index);
    this.stored.verified.set(index);
  }

  async readPiece(index: number): Promise<Uint8Array> {
    this.checkIndex(index);
    return this.readBlock(index, 0, pieceSize(this.layout, index));
  }

  async readBlock(index: number, offset: number, length: number): Promise<Uint8Array> {
    this.checkOpen();
    checkBlock(this.layout, index, offset, length);
    const out = new Uint8Array(length);
    for (const s of pieceSpans(this.layout, index, offset, length)) {
      const file = this.stored.files.get(s.fileIndex);
      const at = s.pieceOffset - offset;
      if (file) out.set(file.subarray(s.fileOffset, s.fileOffset + s.length), at);
    }
    return out;
  }

  async fileBlob(fileIndex: number): Promise<Blob> {
    this.checkOpen();
    const f = this.layout.files[fileIndex];
    if (!f || f.pad) throw new StoreError(`No stored file with index ${fileIndex}`);
    const bytes = this.stored.files.get(fileIndex) ?? new Uint8Array(f.length);
    return new Blob([bytes], { type: 'application/octet-stream' });
  }

  async close(): Promise<void> {
    this.closed = true;
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

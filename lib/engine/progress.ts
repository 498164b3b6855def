/**
 * What a torrent has, in bytes and files: verified bytes of the selected files (what the
 * progress bar counts), and per file how many of its pieces are still missing, so a file
 * is known complete the moment its last piece is verified. Reads the torrent's one record
 * of verified pieces (the `have` Bitfield); keeps no copy of it.
 */
import type { Bitfield } from './bitfield.ts';
import { piecesOfFile, pieceSpans, type StorageLayout } from './piece-store.ts';

export class Progress {
  /** Verified bytes that fall in selected, non-pad files. */
  verifiedBytes = 0;
  /** Bytes of the selected, non-pad files. */
  selectedBytes = 0;
  private readonly filesLeft: Uint32Array;
  private readonly selected: Uint8Array;

  constructor(
    private readonly layout: StorageLayout,
    private readonly have: Bitfield,
  ) {
    this.filesLeft = new Uint32Array(layout.files.length);
    this.selected = new Uint8Array(layout.files.length).fill(1);
    for (let f = 0; f < layout.files.length; f++) {
      const r = piecesOfFile(layout, f);
      this.filesLeft[f] = r ? r.last - r.first + 1 : 0;
    }
    for (const i of have.setIndices()) this.countPiece(i);
    this.recount();
  }

  /** Selects files (true = download and save it); pad files are never selected. */
  setSelection(selected: readonly boolean[]): void {
    for (let f = 0; f < this.layout.files.length; f++) this.selected[f] = selected[f] ? 1 : 0;
    this.recount();
  }

  isSelected(fileIndex: number): boolean {
    const f = this.layout.files[fileIndex];
    return !!f && !f.pad && this.selected[fileIndex] === 1;
  }

  /** Whether piece `index` holds bytes of a selected file (a piece worth fetching). */
  pieceWanted(index: number): boolean {
    return pieceSpans(this.layout, index).some((s) => this.selected[s.fileIndex] === 1);
  }

  /** floor(100 × verified pieces of the file ÷ its pieces); 100 for an empty file. */
  filePercent(fileIndex: number): number {
    const r = piecesOfFile(this.layout, fileIndex);
    if (!r) return 100;
    const total = r.last - r.first + 1;
    return Math.floor((100 * (total - this.filesLeft[fileIndex]!)) / total);
  }

  isFileComplete(fileIndex: number): boolean {
    return this.filesLeft[fileIndex] === 0;
  }

  /** Counts a newly verified piece; returns the files it completed. */
  pieceVerified(index: number): number[] {
    const done = this.countPiece(index);
    for (const s of pieceSpans(this.layout, index)) {
      if (this.selected[s.fileIndex]) this.verifiedBytes += s.length;
    }
    return done;
  }

  /** floor(100 × verified ÷ selected); 100 when nothing is selected and nothing is left. */
  percent(remaining: number): number {
    if (this.selectedBytes > 0) return Math.floor((100 * this.verifiedBytes) / this.selectedBytes);
    return remaining === 0 ? 100 : 0;
  }

  private countPiece(index: number): number[] {
    const done: number[] = [];
    let last = -1;
    for (const s of pieceSpans(this.layout, index)) {
      if (s.fileIndex === last) continue;
      last = s.fileIndex;
      if (--this.filesLeft[s.fileIndex]! === 0) done.push(s.fileIndex);
    }
    return done;
  }

  private recount(): void {
    this.selectedBytes = 0;
    this.verifiedBytes = 0;
    this.layout.files.forEach((f, i) => {
      if (!f.pad && this.selected[i]) this.selectedBytes += f.length;
    });
    for (const i of this.have.setIndices()) {
      for (const s of pieceSpans(this.layout, i)) {
        if (this.selected[s.fileIndex]) this.verifiedBytes += s.length;
      }
    }
  }
}

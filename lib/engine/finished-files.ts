/**
 * A torrent's files once it has them: which the user chose, which are saved, and freeing
 * the stored pieces (design.md: stored pieces are deleted when seeding ends or on the
 * user's "Free storage"; the saved files stay, and the torrent stays in the list as done).
 */
import type { PieceStore } from './piece-store.ts';
import type { RecordBook } from './record-book.ts';
import type { TorrentRecord } from './records.ts';
import type { Torrent } from './torrent.ts';

export class FinishedFiles {
  constructor(
    private readonly records: RecordBook,
    private readonly store: PieceStore,
    /** Ends the torrent's swarm (it no longer seeds). */
    private readonly leaveSwarm: (t: Torrent) => void,
  ) {}

  private record(t: Torrent): TorrentRecord | undefined {
    return t.infoHash ? this.records.get(t.infoHash) : undefined;
  }

  /** `current`: the torrent is still the client's (see `free`). */
  async markSaved(t: Torrent, fileIndex: number, current: () => boolean): Promise<void> {
    const rec = this.record(t);
    if (!rec) return;
    await this.records.markSaved(rec, fileIndex);
    this.freeIfOver(t, current);
  }

  isSaved(t: Torrent, fileIndex: number): boolean {
    const rec = this.record(t);
    return rec ? this.records.isSaved(rec, fileIndex) : false;
  }

  /** Selects or deselects one file, and keeps the choice in the torrent's record. */
  async selectFile(t: Torrent, fileIndex: number, selected: boolean): Promise<void> {
    const rec = this.record(t);
    if (!rec) return;
    t.selectFile(fileIndex, selected);
    rec.deselected = t
      .files(Infinity)
      .filter((f) => !f.selected)
      .map((f) => f.index);
    await this.records.write(rec);
  }

  /** Seeding is over and every selected file is saved: the stored pieces go. */
  freeIfOver(t: Torrent, current: () => boolean): void {
    const rec = this.record(t);
    if (!rec || rec.freed || t.isFreed || t.state !== 'done' || !t.seedingOver) return;
    const selected = t.files(Infinity).filter((f) => f.selected);
    if (selected.some((f) => !this.records.isSaved(rec, f.index))) return;
    void this.free(t, current);
  }

  /**
   * Deletes a complete torrent's stored pieces (ending its seeding); `current`: the torrent
   * is still the client's (not removed meanwhile), checked before the pieces are deleted.
   */
  async free(t: Torrent, current: () => boolean): Promise<void> {
    const rec = this.record(t);
    if (!rec || rec.freed || (t.state !== 'done' && t.state !== 'seeding')) return;
    rec.freed = true;
    this.leaveSwarm(t);
    await t.release();
    await this.records.write(rec);
    if (current()) await this.store.remove(rec.infoHash);
  }
}

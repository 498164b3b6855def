/**
 * What a torrent holds once its storage is open: the one record of verified pieces
 * (`have`), the picker, the progress of its files and the verifier every piece goes
 * through. Opened by Torrent.start; closed when its pieces are freed or it is destroyed.
 */
import type { Bitfield } from './bitfield.ts';
import type { BufferPool } from './buffer-pool.ts';
import type { EngineDeps } from './deps.ts';
import { pieceHash, type Metainfo } from './metainfo.ts';
import { Picker } from './picker.ts';
import { pieceSize, type TorrentStorage } from './piece-store.ts';
import { Progress } from './progress.ts';
import { fileViews, type FileView } from './torrent-view.ts';
import { Verifier, type VerifierHooks } from './verifier.ts';

export class OpenTorrent {
  readonly progress: Progress;
  readonly picker: Picker;
  readonly verifier: Verifier;

  /**
   * Opens the torrent's storage and what it had verified; undefined (storage closed again)
   * when the torrent was destroyed meanwhile. `deselected`: the user's earlier choice,
   * applied before anything is fetched or reported complete.
   */
  static async open(
    meta: Metainfo,
    deps: Pick<EngineDeps, 'store' | 'digest' | 'random'>,
    buffers: BufferPool,
    hooks: VerifierHooks,
    deselected: readonly number[] | undefined,
    destroyed: () => boolean,
  ): Promise<OpenTorrent | undefined> {
    let storage: TorrentStorage | undefined;
    try {
      storage = await deps.store.open(meta);
      const have = await storage.verified();
      if (destroyed()) return void (await storage.close());
      const open = new OpenTorrent(meta, storage, have, deps, buffers, hooks);
      if (deselected?.length) {
        const off = new Set(deselected);
        open.select(meta.files.map((_, i) => !off.has(i)));
      }
      return open;
    } catch (err) {
      await storage?.close().catch(() => {});
      throw err;
    }
  }

  private constructor(
    private readonly meta: Metainfo,
    readonly storage: TorrentStorage,
    readonly have: Bitfield,
    deps: Pick<EngineDeps, 'digest' | 'random'>,
    buffers: BufferPool,
    hooks: VerifierHooks,
  ) {
    this.progress = new Progress(meta, have);
    this.picker = new Picker(meta.pieceCount, {
      have,
      pieceSize: (i) => pieceSize(meta, i),
      random: deps.random,
    });
    this.verifier = new Verifier(
      deps.digest,
      buffers,
      storage,
      this.picker,
      (i) => pieceHash(meta, i),
      hooks,
    );
  }

  /** Closes it for good: the verifier takes no more pieces, the storage handles go. */
  async close(): Promise<void> {
    this.verifier.destroy();
    await this.storage.close();
  }

  /** Selects the files to download and save (false: not fetched, not saved). */
  select(selected: readonly boolean[]): void {
    this.progress.setSelection(selected);
    this.picker.setWanted((i) => this.progress.pieceWanted(i));
  }

  /** Selected files whose pieces are all verified. */
  completeFiles(): number[] {
    const out: number[] = [];
    for (let f = 0; f < this.meta.files.length; f++) {
      if (this.progress.isSelected(f) && this.progress.isFileComplete(f)) out.push(f);
    }
    return out;
  }

  /** Its files (pad files left out), at most `max` of them. */
  files(max: number): FileView[] {
    return fileViews(this.meta, this.progress, max);
  }

  /**
   * The selection with one file selected or deselected; undefined for a file it does not
   * have or a pad file (never selected by the user).
   */
  withFile(fileIndex: number, selected: boolean): boolean[] | undefined {
    const file = this.meta.files[fileIndex];
    if (!file || file.pad) return undefined;
    return this.meta.files.map((_, i) =>
      i === fileIndex ? selected : this.progress.isSelected(i),
    );
  }
}

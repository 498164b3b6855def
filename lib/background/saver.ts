/**
 * Saves finished files with the downloads API and tells the engine when each save ends,
 * so it can revoke the blob URL (only after the download completed) and remember the file
 * as saved. Pending saves live in memory and, for a service-worker restart, in
 * storage.session; every change to them goes through one queue, so two files finishing
 * together never overwrite each other's entry.
 */
import type { EngineCommand } from '../protocol.ts';

export interface PendingSave {
  torrentId: string;
  infoHash: string;
  fileIndex: number;
  url: string;
}

/** The parts of the downloads and storage.session APIs the saver uses (injected). */
export interface SaverApis {
  download(opts: { url: string; filename: string }): Promise<number>;
  /** State of a download: 'in_progress' | 'complete' | 'interrupted', or undefined if gone. */
  state(id: number): Promise<{ state: string; error?: string } | undefined>;
  loadSession(): Promise<Record<string, PendingSave>>;
  storeSession(all: Record<string, PendingSave>): Promise<void>;
}

export class Saver {
  private pending: Map<string, PendingSave> | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly apis: SaverApis,
    private readonly notifyEngine: (cmd: EngineCommand) => void,
  ) {}

  /** Runs `fn` after every earlier change, on the loaded pending map; persists after. */
  private change<T>(fn: (pending: Map<string, PendingSave>) => T): Promise<T> {
    const next = this.queue.then(async () => {
      this.pending ??= new Map(Object.entries(await this.apis.loadSession()));
      const result = fn(this.pending);
      await this.apis.storeSession(Object.fromEntries(this.pending));
      return result;
    });
    this.queue = next.catch(() => {});
    return next;
  }

  async save(save: PendingSave & { filename: string }): Promise<void> {
    let id: number;
    try {
      id = await this.apis.download({ url: save.url, filename: save.filename });
    } catch (err) {
      this.done(save, false, `Could not save ${save.filename}: ${String(err)}`);
      return;
    }
    const { filename: _, ...entry } = save;
    await this.change((p) => p.set(String(id), entry));
    // A tiny file may have finished before it was recorded: its change event was missed.
    const now = await this.apis.state(id).catch(() => undefined);
    if (now && now.state !== 'in_progress') await this.changed(id, now.state, now.error);
  }

  /** Call from downloads.onChanged with the new state. */
  async changed(id: number, state: string | undefined, error?: string): Promise<void> {
    if (state !== 'complete' && state !== 'interrupted') return;
    const save = await this.change((p) => {
      const s = p.get(String(id));
      p.delete(String(id));
      return s;
    });
    if (save) this.done(save, state === 'complete', error && `download interrupted: ${error}`);
  }

  private done(save: PendingSave, ok: boolean, error?: string): void {
    this.notifyEngine({
      target: 'engine',
      type: 'save-done',
      torrentId: save.torrentId,
      infoHash: save.infoHash,
      fileIndex: save.fileIndex,
      url: save.url,
      ok,
      error: ok ? undefined : (error ?? 'download interrupted'),
    });
  }
}

/**
 * Saves finished files with the downloads API and tells the engine when each save ends,
 * so it can revoke the blob URL (only after the download completed) and remember the file
 * as saved. Pending saves are keyed by their blob URL and written to storage.session before
 * the download starts, so a service worker stopped at any point still finds them after a
 * restart (a download item carries its URL). Every change to them goes through one queue,
 * so two files finishing together never overwrite each other's entry. A save that was
 * interrupted leaves no partial file behind (discardInterrupted).
 */
import type { EngineCommand } from '../protocol.ts';

export interface PendingSave {
  torrentId: string;
  infoHash: string;
  fileIndex: number;
  url: string;
}

/** A download as the saver sees it. */
export interface DownloadState {
  url: string;
  /** 'in_progress' | 'complete' | 'interrupted' */
  state: string;
  error?: string;
}

/** The parts of the downloads and storage.session APIs the saver uses (injected). */
export interface SaverApis {
  download(opts: { url: string; filename: string }): Promise<number>;
  /** A download by id, or undefined if it is gone. */
  item(id: number): Promise<DownloadState | undefined>;
  /** The downloads of a URL, newest last. */
  byUrl(url: string): Promise<DownloadState[]>;
  loadSession(): Promise<Record<string, PendingSave>>;
  storeSession(all: Record<string, PendingSave>): Promise<void>;
  /** This file was saved before and is still on disk: it is not saved a second time. */
  onDisk?(save: PendingSave): Promise<boolean>;
  /** The download that saves this file started (so it can be opened or shown later). */
  started?(save: PendingSave, downloadId: number): Promise<void>;
  /** Our own saves (blob URLs of the extension) that were interrupted, ids and URLs. */
  interrupted?(): Promise<{ id: number; url: string }[]>;
  /** Deletes an interrupted download's partial file and forgets it. */
  discard?(id: number): Promise<void>;
}

const ENDED = new Set(['complete', 'interrupted']);

export class Saver {
  private pending: Map<string, PendingSave> | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly apis: SaverApis,
    private readonly notifyEngine: (cmd: EngineCommand) => void,
  ) {}

  /**
   * Runs `fn` after every earlier change, on the loaded pending map; persists after, unless
   * `changed` says the result changed nothing.
   */
  private change<T>(
    fn: (pending: Map<string, PendingSave>) => T,
    changed: (result: T) => boolean = () => true,
  ): Promise<T> {
    const next = this.queue.then(async () => {
      this.pending ??= new Map(Object.entries(await this.apis.loadSession()));
      const result = fn(this.pending);
      if (changed(result)) await this.apis.storeSession(Object.fromEntries(this.pending));
      return result;
    });
    this.queue = next.catch(() => {});
    return next;
  }

  /** Takes a pending save out, once: the first of several reports of its end wins. */
  private take(url: string): Promise<PendingSave | undefined> {
    return this.change(
      (p) => {
        const s = p.get(url);
        p.delete(url);
        return s;
      },
      (s) => s !== undefined,
    );
  }

  async save(save: PendingSave & { filename: string }): Promise<void> {
    const { filename, ...entry } = save;
    // The same torrent added again (after Remove → Keep data): the saved file is still there.
    if (await this.apis.onDisk?.(entry).catch(() => false)) return this.done(entry, true);
    await this.change((p) => p.set(entry.url, entry));
    let id: number;
    try {
      id = await this.apis.download({ url: save.url, filename });
    } catch (err) {
      const taken = await this.take(save.url);
      if (taken) this.done(taken, false, `Could not save ${filename}: ${String(err)}`);
      return;
    }
    await this.apis.started?.(entry, id).catch(() => {});
    // A tiny file may have finished before onChanged was listened to: look once.
    const now = await this.apis.item(id).catch(() => undefined);
    if (now && ENDED.has(now.state)) await this.ended(now);
  }

  /** Call from downloads.onChanged with the new state. */
  async changed(id: number, state: string | undefined): Promise<void> {
    if (!state || !ENDED.has(state)) return;
    const item = await this.apis.item(id).catch(() => undefined);
    if (item) await this.ended(item);
  }

  /**
   * After a service-worker restart: settles the saves whose download ended while nobody
   * listened, and fails those whose download never started (stopped between recording and
   * downloads.download): the engine saves them again at its next start.
   */
  async recover(): Promise<void> {
    const urls = await this.change(
      (p) => [...p.keys()],
      () => false,
    );
    for (const url of urls) {
      const items = await this.apis.byUrl(url).catch(() => undefined);
      if (!items) continue;
      const last = items.at(-1);
      if (last && ENDED.has(last.state)) await this.ended(last);
      else if (!last) {
        const taken = await this.take(url);
        if (taken) this.done(taken, false, 'the download did not start');
      }
    }
    await this.discardInterrupted();
  }

  private async ended(item: DownloadState): Promise<void> {
    const save = await this.take(item.url);
    // Not a save of now: one from before a crash that the browser, restarting, tried to
    // resume and gave up on later than recover() and the saves since looked (seen under load).
    if (!save) return item.state === 'interrupted' ? this.discardInterrupted() : undefined;
    const ok = item.state === 'complete';
    this.done(save, ok, item.error && `download interrupted: ${item.error}`);
    // After every save, too: at a browser start the download history may not have been read
    // when recover() looked.
    await this.discardInterrupted();
  }

  /**
   * Partial files of our saves that were interrupted (the browser was killed while it
   * copied a file, or the disk filled): a blob URL does not outlive its document, so they
   * can never resume. Deleted, so that no partial file is left in the download folder;
   * the engine saves the file again (it is not marked saved).
   */
  private async discardInterrupted(): Promise<void> {
    const { interrupted, discard } = this.apis;
    if (!interrupted || !discard) return;
    const items = await interrupted().catch(() => []);
    const pending = await this.change(
      (p) => new Set(p.keys()),
      () => false,
    );
    for (const item of items) {
      if (!pending.has(item.url)) await discard(item.id).catch(() => {});
    }
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

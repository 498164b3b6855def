/**
 * Saves finished files with the downloads API and tells the engine when each save ends,
 * so it can revoke the blob URL (only after the download completed) and remember the file
 * as saved. Pending saves survive a service-worker restart in storage.session.
 */
import { browser } from 'wxt/browser';
import type { Downloads } from 'webextension-polyfill';
import type { EngineCommand } from '../protocol.ts';

interface PendingSave {
  torrentId: string;
  fileIndex: number;
  url: string;
}

const KEY = 'pendingSaves';

async function load(): Promise<Record<string, PendingSave>> {
  const got = await browser.storage.session.get(KEY);
  return (got[KEY] as Record<string, PendingSave> | undefined) ?? {};
}

async function store(all: Record<string, PendingSave>): Promise<void> {
  await browser.storage.session.set({ [KEY]: all });
}

export async function saveFile(
  save: PendingSave & { filename: string },
  notifyEngine: (cmd: EngineCommand) => void,
): Promise<void> {
  try {
    const id = await browser.downloads.download({
      url: save.url,
      filename: save.filename,
      saveAs: false,
      conflictAction: 'uniquify',
    });
    const all = await load();
    all[String(id)] = { torrentId: save.torrentId, fileIndex: save.fileIndex, url: save.url };
    await store(all);
  } catch (err) {
    notifyEngine({
      target: 'engine',
      type: 'save-done',
      torrentId: save.torrentId,
      fileIndex: save.fileIndex,
      url: save.url,
      ok: false,
      error: `Could not save ${save.filename}: ${String(err)}`,
    });
  }
}

/** Call from downloads.onChanged. */
export async function onDownloadChanged(
  delta: Downloads.OnChangedDownloadDeltaType,
  notifyEngine: (cmd: EngineCommand) => void,
): Promise<void> {
  const state = delta.state?.current;
  if (state !== 'complete' && state !== 'interrupted') return;
  const all = await load();
  const save = all[String(delta.id)];
  if (!save) return;
  delete all[String(delta.id)];
  await store(all);
  notifyEngine({
    target: 'engine',
    type: 'save-done',
    ...save,
    ok: state === 'complete',
    error:
      state === 'interrupted' ? `download interrupted: ${delta.error?.current ?? ''}` : undefined,
  });
}

import { useEffect, useState } from 'react';
import { browser } from 'wxt/browser';
import { t } from '@/lib/ui/i18n';
import { isStateMessage, type HostTorrentView, type UiCommand } from '@/lib/protocol';

type Command = UiCommand extends infer C ? (C extends unknown ? Omit<C, 'target'> : never) : never;

export function sendCommand(cmd: Command): Promise<unknown> {
  return browser.runtime.sendMessage({ ...cmd, target: 'background' });
}

/** The torrents, live: a first snapshot, then every state broadcast of the engine. */
export function useTorrents(): { torrents: HostTorrentView[]; error: string | null } {
  const [torrents, setTorrents] = useState<HostTorrentView[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    const listener = (msg: unknown, sender: { id?: string }) => {
      // Only the extension's own engine host broadcasts state.
      if (sender.id !== browser.runtime.id) return;
      if (isStateMessage(msg) && live) setTorrents(msg.torrents);
    };
    browser.runtime.onMessage.addListener(listener);
    sendCommand({ type: 'get-state' }).then(
      (views) => {
        if (live && Array.isArray(views)) setTorrents(views as HostTorrentView[]);
      },
      (err: unknown) => live && setError(t('popupEngineDidNotAnswer', String(err))),
    );
    return () => {
      live = false;
      browser.runtime.onMessage.removeListener(listener);
    };
  }, []);

  return { torrents, error };
}

/**
 * Asks `cmd` (when not null) and keeps its array answer; asked again whenever `key` changes.
 * `set` also lets the caller show a change before the next answer.
 */
export function useListAnswer<T>(
  cmd: Command | null,
  key: string,
): [T[], (update: (all: T[]) => T[]) => void] {
  const [list, setList] = useState<T[]>([]);
  useEffect(() => {
    if (!cmd) return;
    let live = true;
    sendCommand(cmd).then(
      (answer) => live && Array.isArray(answer) && setList(answer as T[]),
      () => {},
    );
    return () => {
      live = false;
    };
    // `key` says when `cmd` asks something new.
  }, [key]);
  return [list, setList];
}

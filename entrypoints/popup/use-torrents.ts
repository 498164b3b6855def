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

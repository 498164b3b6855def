import { useEffect, useMemo, useState } from 'react';
import type { HostTorrentView } from '@/lib/protocol';
import { listed, type Filter } from '@/lib/ui/filters';
import * as i18n from '@/lib/ui/i18n';
import { Toolbar } from './Toolbar';
import { RemoveDialog } from './RemoveDialog';
import { TorrentItem } from './TorrentItem';
import { useTorrents, sendCommand } from './use-torrents';

/** The time, once a second: "stuck after N seconds" changes with it, not with the engine. */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

export function App() {
  const { torrents, error } = useTorrents();
  const now = useNow();
  const [removing, setRemoving] = useState<{ id: string; opener: HTMLElement } | null>(null);
  const [filter, setFilter] = useState<Filter>('all');
  // Newest first.
  const sorted = useMemo(() => listed(torrents, filter), [torrents, filter]);
  const removingTorrent = removing && torrents.find((t) => t.id === removing.id);

  return (
    <main>
      <h1>{i18n.t('extName')}</h1>
      {error && <p role="alert">{error}</p>}
      {torrents.length === 0 && <p className="empty">{i18n.t('popupEmpty')}</p>}
      {torrents.length > 0 && <Toolbar torrents={torrents} filter={filter} onFilter={setFilter} />}
      <ul aria-label={i18n.t('popupTorrents')} className="list">
        {sorted.map((t: HostTorrentView) => (
          <TorrentItem
            key={t.id}
            torrent={t}
            now={now}
            onRemove={(opener) => setRemoving({ id: t.id, opener })}
          />
        ))}
      </ul>
      {removing && removingTorrent && (
        <RemoveDialog
          torrent={removingTorrent}
          opener={removing.opener}
          onClose={() => setRemoving(null)}
          onRemove={(deleteData) => {
            void sendCommand({ type: 'remove', id: removing.id, deleteData });
            setRemoving(null);
          }}
        />
      )}
    </main>
  );
}

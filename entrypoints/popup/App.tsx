import { useState } from 'react';
import type { HostTorrentView } from '@/lib/protocol';
import { t } from '@/lib/ui/i18n';
import { TorrentItem } from './TorrentItem';
import { useTorrents, sendCommand } from './use-torrents';

export function App() {
  const { torrents, error } = useTorrents();
  const [removing, setRemoving] = useState<HostTorrentView | null>(null);

  return (
    <main>
      <h1>{t('extName')}</h1>
      {error && <p role="alert">{error}</p>}
      {torrents.length === 0 && <p className="empty">{t('popupEmpty')}</p>}
      <ul aria-label={t('popupTorrents')}>
        {torrents.map((t) => (
          <TorrentItem key={t.id} torrent={t} onRemove={() => setRemoving(t)} />
        ))}
      </ul>
      {removing && (
        <div role="dialog" aria-modal="true" aria-labelledby="remove-title" className="dialog">
          <p id="remove-title">{t('removeTitle', removing.name)}</p>
          <p className="hint">{t('removeHint')}</p>
          <div className="buttons">
            <button
              onClick={() => {
                void sendCommand({ type: 'remove', id: removing.id, deleteData: false });
                setRemoving(null);
              }}
            >
              {t('removeKeepData')}
            </button>
            <button
              className="danger"
              onClick={() => {
                void sendCommand({ type: 'remove', id: removing.id, deleteData: true });
                setRemoving(null);
              }}
            >
              {t('removeDeleteData')}
            </button>
            <button onClick={() => setRemoving(null)}>{t('actionCancel')}</button>
          </div>
        </div>
      )}
    </main>
  );
}

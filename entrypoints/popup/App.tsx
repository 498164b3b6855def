import { useState } from 'react';
import type { HostTorrentView } from '@/lib/protocol';
import { TorrentItem } from './TorrentItem';
import { useTorrents, sendCommand } from './use-torrents';

export function App() {
  const { torrents, error } = useTorrents();
  const [removing, setRemoving] = useState<HostTorrentView | null>(null);

  return (
    <main>
      <h1>Swarmlink</h1>
      {error && <p role="alert">{error}</p>}
      {torrents.length === 0 && (
        <p className="empty">No torrents yet. Click a torrent link on any page.</p>
      )}
      <ul aria-label="Torrents">
        {torrents.map((t) => (
          <TorrentItem key={t.id} torrent={t} onRemove={() => setRemoving(t)} />
        ))}
      </ul>
      {removing && (
        <div role="dialog" aria-modal="true" aria-labelledby="remove-title" className="dialog">
          <p id="remove-title">Remove “{removing.name}”?</p>
          <p className="hint">Files already saved to your downloads stay either way.</p>
          <div className="buttons">
            <button
              onClick={() => {
                void sendCommand({ type: 'remove', id: removing.id, deleteData: false });
                setRemoving(null);
              }}
            >
              Keep data
            </button>
            <button
              className="danger"
              onClick={() => {
                void sendCommand({ type: 'remove', id: removing.id, deleteData: true });
                setRemoving(null);
              }}
            >
              Delete data
            </button>
            <button onClick={() => setRemoving(null)}>Cancel</button>
          </div>
        </div>
      )}
    </main>
  );
}

import type { TorrentView } from '@/lib/engine/torrent';
import { formatBytes, stateLabel } from '@/lib/ui/format';
import { sendCommand } from './use-torrents';

export function TorrentItem({
  torrent: t,
  onRemove,
}: {
  torrent: TorrentView;
  onRemove: () => void;
}) {
  const paused = t.state === 'paused' || t.state === 'error';
  return (
    <li className={`torrent state-${t.state}`}>
      <div className="name" title={t.name}>
        {t.name}
      </div>
      <div
        className="bar"
        role="progressbar"
        aria-label={t.name}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={t.progress}
      >
        <div className="fill" style={{ width: `${t.progress}%` }} />
      </div>
      <div className="status">
        <span>{stateLabel(t.state)}</span>
        <span>
          {t.progress}% · {formatBytes(t.verifiedBytes)} of {formatBytes(t.selectedBytes)}
          {t.downloadRate > 0 && ` · ${formatBytes(t.downloadRate)}/s`}
        </span>
      </div>
      {t.error && (
        <p className="error" role="alert">
          {t.error}
        </p>
      )}
      <div className="actions">
        <button onClick={() => void sendCommand({ type: paused ? 'resume' : 'pause', id: t.id })}>
          {paused ? 'Resume' : 'Pause'}
        </button>
        <button onClick={onRemove}>Remove</button>
      </div>
    </li>
  );
}

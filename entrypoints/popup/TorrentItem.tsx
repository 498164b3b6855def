import type { HostTorrentView } from '@/lib/protocol';
import { formatBytes, stateLabel } from '@/lib/ui/format';
import * as i18n from '@/lib/ui/i18n';
import { sendCommand } from './use-torrents';

export function TorrentItem({
  torrent: t,
  onRemove,
}: {
  torrent: HostTorrentView;
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
        <span>
          {stateLabel(t.state)}
          {t.fileCount > 0 && t.savedFiles === t.fileCount && ` · ${i18n.t('statusSaved')}`}
        </span>
        <span>
          {i18n.t(
            'statusProgress',
            t.progress,
            formatBytes(t.verifiedBytes),
            formatBytes(t.selectedBytes),
          )}
        </span>
      </div>
      <SwarmLine torrent={t} />
      {t.error && (
        <p className="error" role="alert">
          {t.error}
        </p>
      )}
      <SourceNotes torrent={t} />
      <div className="actions">
        <button onClick={() => void sendCommand({ type: paused ? 'resume' : 'pause', id: t.id })}>
          {paused ? i18n.t('actionResume') : i18n.t('actionPause')}
        </button>
        <button onClick={onRemove}>{i18n.t('actionRemove')}</button>
      </div>
    </li>
  );
}

/** Peers and seeds connected, rates (only while something moves), and what was shared. */
function SwarmLine({ torrent: t }: { torrent: HostTorrentView }) {
  const parts: string[] = [];
  if (t.peers > 0) {
    parts.push(i18n.tn('swarmPeers', t.peers));
    if (t.seeds > 0) parts[0] += ` (${i18n.tn('swarmSeeds', t.seeds)})`;
  }
  if (t.downloadRate > 0) parts.push(i18n.t('rateDown', formatBytes(t.downloadRate)));
  if (t.uploadRate > 0) parts.push(i18n.t('rateUp', formatBytes(t.uploadRate)));
  if (t.uploadedBytes > 0) parts.push(i18n.t('swarmUploaded', formatBytes(t.uploadedBytes)));
  if (t.bannedPeers > 0) {
    parts.push(i18n.tn('swarmBanned', t.bannedPeers));
  }
  if (parts.length === 0) return null;
  return (
    <div className="swarm" aria-label={i18n.t('swarmLabel')}>
      {parts.join(' · ')}
    </div>
  );
}

/** Says why a torrent is not moving: a failing web seed, or no source at all yet. */
function SourceNotes({ torrent: t }: { torrent: HostTorrentView }) {
  // While the torrent goes on (its error says it all once it stopped), including seeds
  // failed for good: the user sees why one source stopped while others carry on.
  const failing = t.webSeeds.filter((s) => s.error && t.state !== 'error');
  if (t.state === 'metadata') {
    return <p className="note">{i18n.t('noteWaitingForMetadata')}</p>;
  }
  if (failing.length === 0) return null;
  return (
    <ul className="notes" aria-label={i18n.t('sourcesLabel')}>
      {failing.map((s) => (
        <li key={s.url}>
          {i18n.t(
            s.state === 'retrying'
              ? 'sourceRetrying'
              : s.state === 'failed'
                ? 'sourceFailed'
                : 'sourceFailing',
            hostOf(s.url),
            s.error ?? '',
          )}
        </li>
      ))}
    </ul>
  );
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

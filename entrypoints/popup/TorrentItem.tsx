import type { HostTorrentView } from '@/lib/protocol';
import { formatBytes, formatEta, formatRatio, stateLabel } from '@/lib/ui/format';
import * as i18n from '@/lib/ui/i18n';
import { useEffect, useRef } from 'react';
import { FileList } from './Files';
import { FileActions, StoredNote } from './Finished';
import { ErrorNote, SourceLines, StuckNote } from './Health';
import { sendCommand } from './use-torrents';

/** How long an item added again stays marked. */
const HIGHLIGHT_MS = 10_000;

export function TorrentItem({
  torrent: t,
  now,
  onRemove,
}: {
  torrent: HostTorrentView;
  now: number;
  onRemove: (opener: HTMLElement) => void;
}) {
  const paused = t.state === 'paused' || t.state === 'error';
  const nameId = `name-${t.id}`;
  const ref = useRef<HTMLLIElement>(null);
  // Added again: shown, and marked for a while.
  const highlighted = t.highlightedAt !== undefined && now - t.highlightedAt < HIGHLIGHT_MS;
  useEffect(() => {
    if (t.highlightedAt !== undefined) ref.current?.scrollIntoView({ block: 'nearest' });
  }, [t.highlightedAt]);
  return (
    <li
      ref={ref}
      className={`torrent state-${t.state}${highlighted ? ' highlight' : ''}`}
      aria-labelledby={nameId}
      aria-current={highlighted ? 'true' : undefined}
    >
      <div className="name" id={nameId} title={t.name}>
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
      <StatusLine torrent={t} />
      <SwarmLine torrent={t} />
      <ErrorNote torrent={t} />
      <SourceLines torrent={t} now={now} />
      <StuckNote torrent={t} now={now} />
      <StoredNote torrent={t} />
      <FileList torrent={t} />
      <div className="actions">
        <button onClick={() => void sendCommand({ type: paused ? 'resume' : 'pause', id: t.id })}>
          {paused ? i18n.t('actionResume') : i18n.t('actionPause')}
        </button>
        <button onClick={(e) => onRemove(e.currentTarget)}>{i18n.t('actionRemove')}</button>
        <FileActions torrent={t} />
      </div>
    </li>
  );
}

/** State in words, and how far: percent, bytes of the size, time left while it moves. */
function StatusLine({ torrent: t }: { torrent: HostTorrentView }) {
  const eta = formatEta(t.selectedBytes - t.verifiedBytes, t.downloadRate);
  return (
    <div className="status">
      <span>
        {stateLabel(t.state)}
        {t.selectedFiles > 0 && t.savedFiles >= t.selectedFiles && ` · ${i18n.t('statusSaved')}`}
      </span>
      <span>
        {t.selectedBytes > 0 &&
          i18n.t(
            'statusProgress',
            t.progress,
            formatBytes(t.verifiedBytes),
            formatBytes(t.selectedBytes),
          )}
        {eta && ` · ${i18n.t('statusEta', eta)}`}
      </span>
    </div>
  );
}

/** Peers and seeds connected, rates (only while something moves), and what was shared. */
function SwarmLine({ torrent: t }: { torrent: HostTorrentView }) {
  const parts: string[] = [];
  if (t.peers > 0) {
    let peers = i18n.tn('swarmPeers', t.peers);
    if (t.seeds > 0) peers += ` (${i18n.tn('swarmSeeds', t.seeds)})`;
    parts.push(peers);
  }
  if (t.downloadRate > 0) parts.push(i18n.t('rateDown', formatBytes(t.downloadRate)));
  if (t.uploadRate > 0) parts.push(i18n.t('rateUp', formatBytes(t.uploadRate)));
  if (t.uploadedBytes > 0) {
    const ratio = formatRatio(t.uploadedBytes, t.selectedBytes);
    parts.push(i18n.t('swarmUploaded', formatBytes(t.uploadedBytes)));
    if (ratio) parts.push(i18n.t('swarmRatio', ratio));
  }
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

import type { HostTorrentView } from '@/lib/protocol';
import { formatBytes, stateLabel } from '@/lib/ui/format';
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
          {t.fileCount > 0 && t.savedFiles === t.fileCount && ' · saved'}
        </span>
        <span>
          {t.progress}% · {formatBytes(t.verifiedBytes)} of {formatBytes(t.selectedBytes)}
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
          {paused ? 'Resume' : 'Pause'}
        </button>
        <button onClick={onRemove}>Remove</button>
      </div>
    </li>
  );
}

/** Peers and seeds connected, rates (only while something moves), and what was shared. */
function SwarmLine({ torrent: t }: { torrent: HostTorrentView }) {
  const parts: string[] = [];
  if (t.peers > 0) {
    parts.push(`${t.peers} ${t.peers === 1 ? 'peer' : 'peers'}`);
    if (t.seeds > 0) parts[0] += ` (${t.seeds} ${t.seeds === 1 ? 'seed' : 'seeds'})`;
  }
  if (t.downloadRate > 0) parts.push(`↓ ${formatBytes(t.downloadRate)}/s`);
  if (t.uploadRate > 0) parts.push(`↑ ${formatBytes(t.uploadRate)}/s`);
  if (t.uploadedBytes > 0) parts.push(`uploaded ${formatBytes(t.uploadedBytes)}`);
  if (t.bannedPeers > 0) {
    parts.push(
      `${t.bannedPeers} ${t.bannedPeers === 1 ? 'peer' : 'peers'} banned for sending wrong data`,
    );
  }
  if (parts.length === 0) return null;
  return (
    <div className="swarm" aria-label="Sharing">
      {parts.join(' · ')}
    </div>
  );
}

/** Says why a torrent is not moving: a failing web seed, or no source at all yet. */
function SourceNotes({ torrent: t }: { torrent: HostTorrentView }) {
  const failing = t.webSeeds.filter((s) => s.error && s.state !== 'failed' && t.state !== 'error');
  if (t.state === 'metadata') {
    return (
      <p className="note">
        Waiting for the torrent&apos;s details from other peers; none found yet.
      </p>
    );
  }
  if (failing.length === 0) return null;
  return (
    <ul className="notes" aria-label="Sources">
      {failing.map((s) => (
        <li key={s.url}>
          {hostOf(s.url)}: {s.state === 'retrying' ? 'retrying after ' : ''}
          {s.error}
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

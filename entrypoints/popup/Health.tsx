/** A torrent's sources in plain words, why it is stuck and what to do, and its error. */
import { useState } from 'react';
import type { HostTorrentView } from '@/lib/protocol';
import { explainProblem, sourceLines, stuckReason, stuckSentence } from '@/lib/ui/health';
import * as i18n from '@/lib/ui/i18n';
import { sendCommand } from './use-torrents';

export function SourceLines({ torrent: t, now }: { torrent: HostTorrentView; now: number }) {
  const lines = sourceLines(i18n, t, now);
  if (lines.length === 0) return null;
  return (
    <ul className="sources" aria-label={i18n.t('sourcesLabel')}>
      {lines.map((line) => (
        <li key={line}>{line}</li>
      ))}
    </ul>
  );
}

/** Shown once a torrent had time to find a source and found none: why, and the ways out. */
export function StuckNote({ torrent: t, now }: { torrent: HostTorrentView; now: number }) {
  const reason = stuckReason(t, now);
  if (!reason) return null;
  return (
    <div className="stuck" role="group" aria-label={i18n.t('stuckLabel')}>
      <p className="note">{stuckSentence(i18n, reason, t, now)}</p>
      <div className="actions">
        <button onClick={() => void sendCommand({ type: 'retry', id: t.id })}>
          {i18n.t('actionRetry')}
        </button>
        {t.magnet && <MagnetActions magnet={t.magnet} />}
      </div>
    </div>
  );
}

function MagnetActions({ magnet }: { magnet: string }) {
  const [copied, setCopied] = useState<string | null>(null);
  const copy = () =>
    navigator.clipboard.writeText(magnet).then(
      () => setCopied(i18n.t('copiedMagnet')),
      (err: unknown) => setCopied(i18n.t('copyFailed', String(err))),
    );
  return (
    <>
      <button onClick={() => void copy()}>{i18n.t('actionCopyMagnet')}</button>
      {/* A magnet: navigation Swarmlink does not take (no content script in its own pages). */}
      <a className="button" href={magnet} target="_blank" rel="noreferrer">
        {i18n.t('actionOpenElsewhere')}
      </a>
      {copied && (
        <span role="status" className="hint">
          {copied}
        </span>
      )}
    </>
  );
}

/** The error as a sentence (the item's one alert), with the technical message on demand. */
export function ErrorNote({ torrent: t }: { torrent: HostTorrentView }) {
  if (!t.error) return null;
  const plain = explainProblem(i18n, t.problem, t.error);
  return (
    <div className="error-box">
      <p className="error" role="alert">
        {plain}
      </p>
      {plain !== t.error && (
        <details>
          <summary>{i18n.t('errorDetails')}</summary>
          <code>{t.error}</code>
        </details>
      )}
    </div>
  );
}

/**
 * A multi-file torrent's files, on demand: each file's size and progress, and a checkbox to
 * select or deselect it (deselected files are neither downloaded nor saved).
 */
import { useState } from 'react';
import type { FileView } from '@/lib/engine/torrent-view';
import type { HostTorrentView } from '@/lib/protocol';
import { formatBytes } from '@/lib/ui/format';
import * as i18n from '@/lib/ui/i18n';
import { sendCommand, useListAnswer } from './use-torrents';

export function FileList({ torrent: t }: { torrent: HostTorrentView }) {
  const [open, setOpen] = useState(false);
  const [asked, setAsked] = useState(0);
  const { id, verifiedBytes, selectedBytes } = t;
  // Asked again as the torrent moves, while the list is open.
  const [files, setFiles] = useListAnswer<FileView>(
    open ? { type: 'get-files', id } : null,
    `${open}:${id}:${verifiedBytes}:${selectedBytes}:${asked}`,
  );
  if (t.fileCount < 2) return null;
  return (
    <details className="files" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>{i18n.t('filesLabel', t.fileCount)}</summary>
      {files.map((f) => (
        <label key={f.index} className="file">
          <input
            type="checkbox"
            checked={f.selected}
            onChange={(e) => {
              const selected = e.currentTarget.checked;
              // Shown at once; the engine's answer follows.
              setFiles((all) => all.map((x) => (x === f ? { ...x, selected } : x)));
              void sendCommand({ type: 'select-file', id, fileIndex: f.index, selected }).then(() =>
                setAsked((n) => n + 1),
              );
            }}
          />
          <span className="path">{f.path}</span>
          <span className="hint">
            {formatBytes(f.length)} · {f.progress}%
          </span>
        </label>
      ))}
    </details>
  );
}

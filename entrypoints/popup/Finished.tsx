/** A finished torrent's files: Open (a single file) and Show in folder, for files Swarmlink saved that still exist. */
import { browser } from 'wxt/browser';
import type { FileOnDisk, HostTorrentView } from '@/lib/protocol';
import { formatBytes } from '@/lib/ui/format';
import * as i18n from '@/lib/ui/i18n';
import { sendCommand, useListAnswer } from './use-torrents';

/** The torrent's saved files still on disk (asked again whenever another file is saved). */
function useFilesOnDisk(t: HostTorrentView): FileOnDisk[] {
  const { infoHash, savedFiles } = t;
  const asking = infoHash && savedFiles > 0;
  const [files] = useListAnswer<FileOnDisk>(
    asking ? { type: 'files-on-disk', infoHash } : null,
    `${infoHash}:${savedFiles}`,
  );
  return asking ? files : [];
}

export function FileActions({ torrent: t }: { torrent: HostTorrentView }) {
  const files = useFilesOnDisk(t);
  const first = files[0];
  if (!first) return null;
  const single = t.fileCount === 1 ? first : undefined;
  // Called in the click itself: downloads.open needs the user's gesture.
  return (
    <>
      {single && (
        <button
          data-download-id={single.downloadId}
          onClick={() => void browser.downloads.open(single.downloadId)}
        >
          {i18n.t('actionOpen')}
        </button>
      )}
      <button
        data-download-id={first.downloadId}
        onClick={() => void browser.downloads.show(first.downloadId)}
      >
        {i18n.t('actionShowInFolder')}
      </button>
    </>
  );
}

/**
 * How much the extension still stores for a finished torrent, and a way to free it once
 * its files are saved (design.md: stored pieces go when seeding ends; this ends it now).
 */
export function StoredNote({ torrent: t }: { torrent: HostTorrentView }) {
  const complete = t.state === 'done' || t.state === 'seeding';
  if (!complete || t.storedBytes === 0) return null;
  const saved = t.selectedFiles > 0 && t.savedFiles >= t.selectedFiles;
  return (
    <div className="actions stored">
      <span className="hint">{i18n.t('statusStored', formatBytes(t.storedBytes))}</span>
      {saved && (
        <button onClick={() => void sendCommand({ type: 'free', id: t.id })}>
          {i18n.t('actionFree')}
        </button>
      )}
    </div>
  );
}

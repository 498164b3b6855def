/**
 * Files Swarmlink saved that are still on disk, for the popup's Open / Show in folder and
 * for a click on a torrent's notification. Nothing is offered for a file Swarmlink did not
 * save or that is gone.
 */
import type { FileOnDisk } from '../protocol.ts';
import type { SavedFiles } from './saved-files.ts';

export async function filesOnDisk(saved: SavedFiles, infoHash: string): Promise<FileOnDisk[]> {
  const onDisk = await saved.torrentOnDisk(infoHash);
  return [...onDisk]
    .map(([fileIndex, downloadId]) => ({ fileIndex, downloadId }))
    .sort((a, b) => a.fileIndex - b.fileIndex);
}

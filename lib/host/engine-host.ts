/**
 * The engine host: runs the client in the offscreen document (Chrome) or the background
 * page (Firefox). Turns commands into client calls, and client events into state
 * broadcasts, save requests and notifications. No extension APIs here: the caller wires
 * `out` to runtime messaging (or to direct calls on Firefox).
 */
import type { Client } from '../engine/client.ts';
import { savePaths } from '../engine/save-paths.ts';
import type { Torrent } from '../engine/torrent.ts';
import type { EngineCommand, EngineEvent, StateMessage } from '../protocol.ts';

export interface HostOutput {
  toBackground(event: EngineEvent): void;
  broadcast(state: StateMessage): void;
}

const BROADCAST_MS = 250;

export class EngineHost {
  /** Blob URLs handed to the background for saving, until it says the save ended. */
  private readonly saving = new Map<string, { torrentId: string; fileIndex: number }>();
  private readonly savingKeys = new Set<string>();
  /** Torrents added by a user action in this session (these get an "Added" notification). */
  private readonly announced = new Set<string>();
  private broadcastTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly client: Client,
    private readonly out: HostOutput,
  ) {
    client.on('update', () => this.scheduleBroadcast());
    client.on('removed', () => this.scheduleBroadcast());
    client.on('added', (t) => this.onAdded(t));
    client.on('error', (t, message) => {
      this.notify('error', `Torrent failed: ${t.name}`, message);
      this.scheduleBroadcast();
    });
    client.on('file-complete', (t, f) => void this.save(t, f));
  }

  async handle(cmd: EngineCommand): Promise<unknown> {
    switch (cmd.type) {
      case 'ping':
        return true;
      case 'get-state':
        return this.client.views();
      case 'add': {
        const t = this.client.add(cmd.source);
        this.announced.add(t.id);
        return t.view();
      }
      case 'pause':
        this.client.pause(cmd.id);
        return true;
      case 'resume':
        this.client.resume(cmd.id);
        return true;
      case 'remove':
        await this.client.remove(cmd.id, cmd.deleteData);
        return true;
      case 'save-done':
        return this.onSaveDone(cmd.url, cmd.ok, cmd.error);
    }
  }

  private onAdded(t: Torrent): void {
    if (this.announced.delete(t.id)) this.notify('added', 'Added', t.name);
    t.on('done', () => this.notify('done', 'Download complete', t.name));
    this.scheduleBroadcast();
  }

  private notify(kind: 'added' | 'error' | 'done', title: string, message: string): void {
    this.out.toBackground({ target: 'background', type: 'notify', kind, title, message });
  }

  /** Hands a finished, verified file to the background, straight from storage. */
  private async save(t: Torrent, fileIndex: number): Promise<void> {
    const meta = t.meta;
    const key = `${t.id}/${fileIndex}`;
    if (!meta || this.client.isSaved(t.id, fileIndex) || this.savingKeys.has(key)) return;
    const filename = savePaths(meta.name, meta.files, meta.multiFile)[fileIndex];
    if (!filename) return;
    this.savingKeys.add(key);
    try {
      const blob = await t.fileBlob(fileIndex);
      const url = URL.createObjectURL(blob);
      this.saving.set(url, { torrentId: t.id, fileIndex });
      this.out.toBackground({
        target: 'background',
        type: 'save-file',
        torrentId: t.id,
        fileIndex,
        url,
        filename,
      });
    } catch (err) {
      this.savingKeys.delete(key);
      this.notify('error', `Could not save ${filename}`, String(err));
    }
  }

  private async onSaveDone(url: string, ok: boolean, error?: string): Promise<boolean> {
    const entry = this.saving.get(url);
    if (!entry) return false;
    this.saving.delete(url);
    URL.revokeObjectURL(url);
    this.savingKeys.delete(`${entry.torrentId}/${entry.fileIndex}`);
    if (ok) await this.client.markSaved(entry.torrentId, entry.fileIndex);
    else this.notify('error', 'Saving a file failed', error ?? 'download interrupted');
    return true;
  }

  private scheduleBroadcast(): void {
    if (this.broadcastTimer !== null) return;
    this.broadcastTimer = setTimeout(() => {
      this.broadcastTimer = null;
      this.out.broadcast({ target: 'ui', type: 'state', torrents: this.client.views() });
    }, BROADCAST_MS);
  }
}

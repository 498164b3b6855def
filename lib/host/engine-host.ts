/**
 * The engine host: runs the client in the offscreen document (Chrome) or the background
 * page (Firefox). Turns commands into client calls, and client events into state
 * broadcasts, save requests and notifications. No extension APIs here: the caller wires
 * `out` to runtime messaging (or to direct calls on Firefox).
 */
import type { Client, ClientSettings } from '../engine/client.ts';
import { toMagnet } from '../engine/magnet.ts';
import { savePaths } from '../engine/save-paths.ts';
import type { Torrent } from '../engine/torrent.ts';
import type { EngineSettings } from '../settings/schema.ts';
import type {
  EngineCommand,
  EngineEvent,
  HostTorrentView,
  NotifyKind,
  NoticeTitle,
  StateMessage,
} from '../protocol.ts';

/** The client's part of the user's settings. */
export function clientSettings(s: EngineSettings): ClientSettings {
  return {
    downloadLimit: s.downloadLimit,
    uploadLimit: s.uploadLimit,
    defaultTrackers: s.trackers,
    rtcConfig: { iceServers: s.iceServers },
    seedLimits: s.seedLimits,
  };
}

export interface HostOutput {
  toBackground(event: EngineEvent): void;
  broadcast(state: StateMessage): void;
}

interface Saving {
  torrentId: string;
  infoHash: string;
  fileIndex: number;
  /** Settles when the background reports the save ended. */
  ended: Promise<void>;
  end: () => void;
}

const BROADCAST_MS = 250;
/** A file list shows at most this many files (a torrent may have 100,000). */
const MAX_LISTED_FILES = 500;
/**
 * While a torrent is active, state goes out at least this often even when nothing changed:
 * "no peers after N seconds" and the badge's count of torrents with no source depend on time.
 */
const HEARTBEAT_MS = 2000;
const ACTIVE = new Set(['fetching', 'metadata', 'checking', 'downloading']);
/**
 * Files handed to the downloads API at once, at most: a torrent of thousands of files queues
 * its saves instead of opening thousands of blob URLs and downloads together.
 */
export const MAX_SAVES_IN_FLIGHT = 4;
/** Stored data of a removed torrent waits at most this long for its saves to end. */
const SAVE_WAIT_MS = 10 * 60_000;

export class EngineHost {
  /** Blob URLs handed to the background for saving, until it says the save ended. */
  private readonly saving = new Map<string, Saving>();
  /** `<infohash>:<file index>` of every entry of `saving`. */
  private readonly savingKeys = new Set<string>();
  /** Save paths per torrent metadata, computed once (a torrent may have 100k files). */
  private readonly paths = new WeakMap<object, (string | null)[]>();
  /** Torrents added by a user action in this session (these get an "Added" notification). */
  private readonly announced = new Set<string>();
  private broadcastTimer: ReturnType<typeof setTimeout> | null = null;
  private heartbeatTimer: ReturnType<typeof setTimeout> | null = null;
  /** Per torrent id: when it started (or was last resumed or retried) in this session. */
  private readonly startedAt = new Map<string, number>();
  /** Per torrent id: when it was last added again. */
  private readonly highlighted = new Map<string, number>();
  /** Saves handed to the background and not yet reported ended. */
  private savesInFlight = 0;
  /** Saves waiting for a slot, in the order their files completed. */
  private readonly saveQueue: (() => void)[] = [];

  constructor(
    private readonly client: Client,
    private readonly out: HostOutput,
  ) {
    client.on('update', () => this.scheduleBroadcast());
    client.on('removed', (id) => {
      this.startedAt.delete(id);
      this.highlighted.delete(id);
      this.scheduleBroadcast();
    });
    client.on('added', (t) => this.onAdded(t));
    client.on('again', (t) => this.onAgain(t));
    client.on('error', (t, message) => {
      this.notify('error', ['noticeTorrentFailed', t.name], message, t);
      this.scheduleBroadcast();
    });
    client.on('file-complete', (t, f) => void this.save(t, f));
  }

  async handle(cmd: EngineCommand): Promise<unknown> {
    switch (cmd.type) {
      case 'ping':
        return true;
      case 'configure':
        this.client.configure(clientSettings(cmd.settings));
        return true;
      case 'get-state':
        return this.views();
      case 'add': {
        const t = this.client.add(cmd.source);
        this.announced.add(t.id);
        return t.view();
      }
      case 'pause':
        this.client.pause(cmd.id);
        return true;
      case 'resume':
        this.startedAt.set(cmd.id, Date.now());
        this.client.resume(cmd.id);
        return true;
      case 'free':
        // After any save still reading the stored pieces.
        await this.savesEnded(cmd.id);
        await this.client.free(cmd.id);
        return true;
      case 'get-files':
        return this.client.get(cmd.id)?.files(MAX_LISTED_FILES) ?? [];
      case 'select-file':
        await this.client.selectFile(cmd.id, cmd.fileIndex, cmd.selected);
        return true;
      case 'retry':
        this.startedAt.set(cmd.id, Date.now());
        this.client.retry(cmd.id);
        this.scheduleBroadcast();
        return true;
      case 'remove':
        await this.client.remove(cmd.id, cmd.deleteData, {
          deleteAfter: this.savesEnded(cmd.id),
        });
        return true;
      case 'save-done':
        return this.onSaveDone(cmd);
    }
  }

  private onAdded(t: Torrent): void {
    if (this.announced.delete(t.id)) this.notify('added', ['noticeAdded'], t.name, t);
    t.on('done', () => this.notify('done', ['noticeComplete'], t.name, t));
    this.scheduleBroadcast();
  }

  /** Added again: highlighted in the popup, and its notification says so. */
  private onAgain(t: Torrent): void {
    this.highlighted.set(t.id, Date.now());
    const complete = t.state === 'seeding' || t.state === 'done';
    const title = complete ? 'noticeAlreadyDownloaded' : 'noticeAlreadyAdded';
    this.notify('added', [title], t.name, t);
    this.scheduleBroadcast();
  }

  /** `about`: the torrent it concerns, so that its notification is replaced, not added to. */
  /** `title`: a message name and its arguments (the background translates it). */
  private notify(
    kind: NotifyKind,
    [title, ...titleArgs]: [NoticeTitle, ...string[]],
    message: string,
    about?: Torrent,
  ): void {
    const key = about && (about.infoHash ?? about.id);
    this.out.toBackground({
      target: 'background',
      type: 'notify',
      kind,
      title,
      titleArgs,
      message,
      key,
    });
  }

  private savePath(meta: NonNullable<Torrent['meta']>, fileIndex: number): string | null {
    let paths = this.paths.get(meta);
    if (!paths) {
      paths = savePaths(meta.name, meta.files, meta.multiFile);
      this.paths.set(meta, paths);
    }
    return paths[fileIndex] ?? null;
  }

  /** Hands a finished, verified file to the background, straight from storage. */
  private async save(t: Torrent, fileIndex: number): Promise<void> {
    const meta = t.meta;
    const key = `${meta?.infoHash}:${fileIndex}`;
    if (!meta || this.client.isSaved(t.id, fileIndex) || this.savingKeys.has(key)) return;
    let filename: string | null;
    try {
      filename = this.savePath(meta, fileIndex);
    } catch (err) {
      this.notify('error', ['noticeCouldNotSaveFileOf', meta.name], String(err));
      return;
    }
    if (!filename) return;
    let release: (() => void) | null = null;
    let end!: () => void;
    const ended = new Promise<void>((resolve) => {
      end = () => {
        this.savingKeys.delete(key);
        release?.();
        release = null;
        resolve();
      };
    });
    // Claimed before the first await, so a second file-complete cannot save it twice.
    const claim = `pending:${key}`;
    this.savingKeys.add(key);
    this.saving.set(claim, { torrentId: t.id, infoHash: meta.infoHash, fileIndex, ended, end });
    release = await this.saveSlot();
    try {
      // Removed while it waited for a slot: nothing to save any more.
      if (!this.client.list().includes(t)) throw new Skipped();
      const blob = await t.fileBlob(fileIndex);
      const url = URL.createObjectURL(blob);
      this.saving.set(url, this.saving.get(claim)!);
      this.saving.delete(claim);
      this.out.toBackground({
        target: 'background',
        type: 'save-file',
        torrentId: t.id,
        infoHash: meta.infoHash,
        fileIndex,
        url,
        filename,
      });
    } catch (err) {
      this.saving.delete(claim);
      end();
      if (!(err instanceof Skipped))
        this.notify('error', ['noticeCouldNotSave', filename], String(err));
    }
  }

  /** Waits for one of MAX_SAVES_IN_FLIGHT slots; resolves with the function that frees it. */
  private async saveSlot(): Promise<() => void> {
    if (this.savesInFlight >= MAX_SAVES_IN_FLIGHT) {
      await new Promise<void>((resolve) => this.saveQueue.push(resolve));
    } else this.savesInFlight++;
    let freed = false;
    return () => {
      if (freed) return;
      freed = true;
      // The slot passes to the next save waiting, or is given back.
      const next = this.saveQueue.shift();
      if (next) next();
      else this.savesInFlight--;
    };
  }

  /** Settles when every save of torrent `id` under way has ended (or after SAVE_WAIT_MS). */
  private savesEnded(id: string): Promise<unknown> {
    const ended = [...this.saving.values()].filter((s) => s.torrentId === id).map((s) => s.ended);
    if (ended.length === 0) return Promise.resolve();
    return Promise.race([
      Promise.all(ended),
      new Promise((resolve) => setTimeout(resolve, SAVE_WAIT_MS)),
    ]);
  }

  private async onSaveDone(cmd: Extract<EngineCommand, { type: 'save-done' }>): Promise<boolean> {
    const entry = this.saving.get(cmd.url);
    if (entry) {
      this.saving.delete(cmd.url);
      URL.revokeObjectURL(cmd.url);
      entry.end();
    }
    // By infohash: after an engine restart the torrent has a new id, and the save counts.
    const t = this.client.list().find((x) => x.infoHash === cmd.infoHash);
    if (cmd.ok && t) {
      await this.client.markSaved(t.id, cmd.fileIndex);
      this.scheduleBroadcast();
    }
    if (!cmd.ok) this.notify('error', ['noticeSavingFailed'], cmd.error ?? 'download interrupted');
    return true;
  }

  private views(): HostTorrentView[] {
    const now = Date.now();
    return this.client.list().map((t) => {
      const view = t.view();
      const trackers = (this.client.swarmStatus(t.id)?.trackers ?? []).map((s) => ({
        url: s.url,
        reachable: s.reachable,
        error: s.error,
      }));
      let startedAt = this.startedAt.get(t.id);
      if (startedAt === undefined) this.startedAt.set(t.id, (startedAt = now));
      return {
        ...view,
        savedFiles: (t.infoHash && this.client.record(t.infoHash)?.savedFiles.length) || 0,
        trackers,
        startedAt,
        magnet: this.magnetOf(t, trackers),
        highlightedAt: this.highlighted.get(t.id),
      };
    });
  }

  /** The magnet it was added from, else one made of its infohash, name, trackers, web seeds. */
  private magnetOf(t: Torrent, trackers: { url: string }[]): string | undefined {
    if (t.source?.kind === 'magnet') return t.source.uri;
    if (!t.infoHash) return undefined;
    return toMagnet({
      infoHash: t.infoHash,
      name: t.name,
      trackers: trackers.map((s) => s.url),
      webSeeds: t.webSeedUrls,
    });
  }

  private scheduleBroadcast(): void {
    if (this.broadcastTimer !== null) return;
    this.broadcastTimer = setTimeout(() => {
      this.broadcastTimer = null;
      const torrents = this.views();
      this.out.broadcast({ target: 'ui', type: 'state', torrents });
      this.heartbeat(torrents);
    }, BROADCAST_MS);
  }

  /** Another broadcast in HEARTBEAT_MS while any torrent is active. */
  private heartbeat(torrents: HostTorrentView[]): void {
    if (this.heartbeatTimer !== null || !torrents.some((t) => ACTIVE.has(t.state))) return;
    this.heartbeatTimer = setTimeout(() => {
      this.heartbeatTimer = null;
      this.scheduleBroadcast();
    }, HEARTBEAT_MS);
  }
}

/** A queued save whose torrent was removed meanwhile. */
class Skipped extends Error {}

/**
 * The one message protocol between content script, background, engine host and popup.
 * Every message carries `target`; each context handles only its own and validates shape
 * (and, in the background, the sender) before acting.
 */
import { LIMITS } from './engine/limits.ts';
import type { TorrentView } from './engine/torrent.ts';
import { parseEngineSettings, type EngineSettings } from './settings/schema.ts';

export type AddRequest = { kind: 'url'; url: string } | { kind: 'magnet'; uri: string };

/** content script → background */
export interface LinkClickMessage {
  target: 'background';
  type: 'link-click';
  url: string;
  /** The link is a torrent link (magnet: or *.torrent): start it now. */
  torrent: boolean;
}

/** popup → background (forwarded to the engine) */
export type UiCommand =
  | { target: 'background'; type: 'get-state' }
  | { target: 'background'; type: 'pause'; id: string }
  | { target: 'background'; type: 'resume'; id: string }
  | { target: 'background'; type: 'retry'; id: string }
  /** Deletes a finished torrent's stored pieces (its saved files stay). */
  | { target: 'background'; type: 'free'; id: string }
  /** A multi-file torrent's file list (FileView[]). */
  | { target: 'background'; type: 'get-files'; id: string }
  /** Selects or deselects one file: deselected files are neither downloaded nor saved. */
  | { target: 'background'; type: 'select-file'; id: string; fileIndex: number; selected: boolean }
  | { target: 'background'; type: 'remove'; id: string; deleteData: boolean }
  /**
   * Answered by the background: the files of a torrent Swarmlink saved that are still on
   * disk, with their download ids (the popup opens or shows them itself: downloads.open
   * needs the click's user gesture).
   */
  | { target: 'background'; type: 'files-on-disk'; infoHash: string };

export interface FileOnDisk {
  fileIndex: number;
  downloadId: number;
}

/** background → engine host */
export type EngineCommand =
  | { target: 'engine'; type: 'add'; source: AddRequest }
  | { target: 'engine'; type: 'get-state' }
  | { target: 'engine'; type: 'pause'; id: string }
  | { target: 'engine'; type: 'resume'; id: string }
  | { target: 'engine'; type: 'retry'; id: string }
  | { target: 'engine'; type: 'free'; id: string }
  | { target: 'engine'; type: 'get-files'; id: string }
  | { target: 'engine'; type: 'select-file'; id: string; fileIndex: number; selected: boolean }
  | { target: 'engine'; type: 'remove'; id: string; deleteData: boolean }
  | { target: 'engine'; type: 'ping' }
  /** The user's settings changed (or the host asks at start): applied without a restart. */
  | { target: 'engine'; type: 'configure'; settings: EngineSettings }
  /** A save the background started has ended (blob URL can be revoked). */
  | {
      target: 'engine';
      type: 'save-done';
      torrentId: string;
      /** Known even when the engine host restarted since (torrent ids are per session). */
      infoHash: string;
      fileIndex: number;
      url: string;
      ok: boolean;
      error?: string;
    };

/** engine host → background */
export type EngineEvent =
  | {
      target: 'background';
      type: 'save-file';
      torrentId: string;
      infoHash: string;
      fileIndex: number;
      url: string;
      filename: string;
    }
  | {
      target: 'background';
      type: 'notify';
      kind: NotifyKind;
      /** A message name of public/_locales: the background says it in the user's language. */
      title: NoticeTitle;
      /** Its `$1`, `$2`… */
      titleArgs: string[];
      message: string;
      /** The torrent it is about (its infohash, or id): one notification per torrent. */
      key?: string;
    };

export type NotifyKind = 'added' | 'error' | 'done';

/** The titles a notification from the engine host can have (message names). */
export const NOTICE_TITLES = [
  'noticeAdded',
  'noticeComplete',
  'noticeAlreadyAdded',
  'noticeAlreadyDownloaded',
  'noticeTorrentFailed',
  'noticeCouldNotSaveFileOf',
  'noticeCouldNotSave',
  'noticeSavingFailed',
  'noticeEngineFailedToStart',
] as const;
export type NoticeTitle = (typeof NOTICE_TITLES)[number];

/** engine host → background, at its start: the engine's part of the settings. */
export interface SettingsRequest {
  target: 'background';
  type: 'get-engine-settings';
}

/**
 * What the engine host answers to every command. Other extension pages (the popup) also
 * receive runtime messages: an answer without this envelope came from none of them.
 */
export interface EngineReply {
  engine: true;
  value: unknown;
}

export function isEngineReply(v: unknown): v is EngineReply {
  return isObject(v) && v.engine === true && 'value' in v;
}

/** A torrent as the UI sees it: the engine's view plus what was saved to the downloads folder. */
export type HostTorrentView = TorrentView & {
  /** Files handed to the downloads API and completed there. */
  savedFiles: number;
  /** The trackers it announces to, and whether each is connected. */
  trackers: { url: string; reachable: boolean; error?: string }[];
  /** When (Date.now()) the engine started on it in this session, or it was last resumed. */
  startedAt: number;
  /** A magnet link of it (to copy, or to open in another torrent app), once its infohash is known. */
  magnet?: string;
  /** When (Date.now()) it was added again: the popup shows it highlighted for a while. */
  highlightedAt?: number;
};

/** engine host → everyone listening (popup, background badge) */
export interface StateMessage {
  target: 'ui';
  type: 'state';
  torrents: HostTorrentView[];
}

export type BackgroundMessage = LinkClickMessage | UiCommand | EngineEvent | SettingsRequest;

const MAX_URL = 8192;
const NOTIFY_KINDS: readonly NotifyKind[] = ['added', 'error', 'done'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function isInfoHash(v: unknown): v is string {
  return typeof v === 'string' && /^[0-9a-f]{40}$/.test(v);
}

function isFileIndex(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}

function isId(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length < 100;
}

/** Only http(s) and magnet URLs, of sane length (the engine's own limits). */
export function isAcceptedUrl(v: unknown): v is string {
  if (typeof v !== 'string') return false;
  if (/^magnet:\?/i.test(v)) return v.length <= LIMITS.maxMagnetLength;
  if (v.length > MAX_URL) return false;
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/** A link is a torrent link: magnet:, or http(s) with a path ending in `.torrent`. */
export function isTorrentLink(url: string): boolean {
  if (/^magnet:\?/i.test(url)) return true;
  try {
    const u = new URL(url);
    return (u.protocol === 'http:' || u.protocol === 'https:') && /\.torrent$/i.test(u.pathname);
  } catch {
    return false;
  }
}

export function parseBackgroundMessage(msg: unknown): BackgroundMessage | null {
  if (!isObject(msg) || msg.target !== 'background') return null;
  switch (msg.type) {
    case 'link-click':
      return isAcceptedUrl(msg.url) && typeof msg.torrent === 'boolean'
        ? { target: 'background', type: 'link-click', url: msg.url, torrent: msg.torrent }
        : null;
    case 'get-state':
    case 'get-engine-settings':
      return { target: 'background', type: msg.type };
    case 'pause':
    case 'resume':
    case 'retry':
    case 'free':
    case 'get-files':
      return isId(msg.id) ? { target: 'background', type: msg.type, id: msg.id } : null;
    case 'select-file':
      return isId(msg.id) && isFileIndex(msg.fileIndex) && typeof msg.selected === 'boolean'
        ? {
            target: 'background',
            type: 'select-file',
            id: msg.id,
            fileIndex: msg.fileIndex,
            selected: msg.selected,
          }
        : null;
    case 'remove':
      return isId(msg.id) && typeof msg.deleteData === 'boolean'
        ? { target: 'background', type: 'remove', id: msg.id, deleteData: msg.deleteData }
        : null;
    case 'files-on-disk':
      return isInfoHash(msg.infoHash)
        ? { target: 'background', type: 'files-on-disk', infoHash: msg.infoHash }
        : null;
    case 'save-file':
      return isId(msg.torrentId) &&
        isInfoHash(msg.infoHash) &&
        Number.isInteger(msg.fileIndex) &&
        typeof msg.url === 'string' &&
        msg.url.startsWith('blob:') &&
        typeof msg.filename === 'string'
        ? {
            target: 'background',
            type: 'save-file',
            torrentId: msg.torrentId,
            infoHash: msg.infoHash,
            fileIndex: msg.fileIndex as number,
            url: msg.url,
            filename: msg.filename,
          }
        : null;
    case 'notify':
      return NOTIFY_KINDS.includes(msg.kind as NotifyKind) &&
        NOTICE_TITLES.includes(msg.title as NoticeTitle) &&
        Array.isArray(msg.titleArgs) &&
        msg.titleArgs.length <= 3 &&
        msg.titleArgs.every((a) => typeof a === 'string') &&
        typeof msg.message === 'string'
        ? {
            target: 'background',
            type: 'notify',
            kind: msg.kind as NotifyKind,
            title: msg.title as NoticeTitle,
            titleArgs: (msg.titleArgs as string[]).map((a) => a.slice(0, 200)),
            message: msg.message.slice(0, 500),
            key: isId(msg.key) ? msg.key : undefined,
          }
        : null;
    default:
      return null;
  }
}

export function parseEngineCommand(msg: unknown): EngineCommand | null {
  if (!isObject(msg) || msg.target !== 'engine') return null;
  switch (msg.type) {
    case 'add': {
      const s = msg.source;
      if (!isObject(s)) return null;
      if (s.kind === 'url' && isAcceptedUrl(s.url) && !/^magnet:/i.test(s.url)) {
        return { target: 'engine', type: 'add', source: { kind: 'url', url: s.url } };
      }
      if (s.kind === 'magnet' && isAcceptedUrl(s.uri) && /^magnet:\?/i.test(s.uri)) {
        return { target: 'engine', type: 'add', source: { kind: 'magnet', uri: s.uri } };
      }
      return null;
    }
    case 'get-state':
    case 'ping':
      return { target: 'engine', type: msg.type };
    case 'configure': {
      const settings = parseEngineSettings(msg.settings);
      return settings && { target: 'engine', type: 'configure', settings };
    }
    case 'pause':
    case 'resume':
    case 'retry':
    case 'free':
    case 'get-files':
      return isId(msg.id) ? { target: 'engine', type: msg.type, id: msg.id } : null;
    case 'select-file':
      return isId(msg.id) && isFileIndex(msg.fileIndex) && typeof msg.selected === 'boolean'
        ? {
            target: 'engine',
            type: 'select-file',
            id: msg.id,
            fileIndex: msg.fileIndex,
            selected: msg.selected,
          }
        : null;
    case 'remove':
      return isId(msg.id) && typeof msg.deleteData === 'boolean'
        ? { target: 'engine', type: 'remove', id: msg.id, deleteData: msg.deleteData }
        : null;
    case 'save-done':
      return isId(msg.torrentId) &&
        isInfoHash(msg.infoHash) &&
        Number.isInteger(msg.fileIndex) &&
        typeof msg.url === 'string'
        ? {
            target: 'engine',
            type: 'save-done',
            torrentId: msg.torrentId,
            infoHash: msg.infoHash,
            fileIndex: msg.fileIndex as number,
            url: msg.url,
            ok: msg.ok === true,
            error: typeof msg.error === 'string' ? msg.error : undefined,
          }
        : null;
    default:
      return null;
  }
}

export function isStateMessage(msg: unknown): msg is StateMessage {
  return (
    isObject(msg) && msg.target === 'ui' && msg.type === 'state' && Array.isArray(msg.torrents)
  );
}

/** The request to start a torrent from a link URL. */
export function addRequestFor(url: string): AddRequest {
  return /^magnet:/i.test(url) ? { kind: 'magnet', uri: url } : { kind: 'url', url };
}

/**
 * The user's settings: types, defaults, validation and what the engine gets of them. Pure
 * (no extension APIs); lib/settings/store.ts keeps them in WXT's storage.
 *
 * Two parts, stored apart: `SyncedSettings` follow the user to their other browsers
 * (storage.sync); `DeviceSettings` stay on this one (storage.local): the speed limits belong
 * to this machine's connection, and the site list says where the user browses.
 */
import { DEFAULT_ICE_SERVERS, DEFAULT_TRACKERS } from '../defaults.ts';
import { DEFAULT_SEED_LIMITS, type SeedLimits } from '../engine/seeding.ts';

export interface SyncedSettings {
  /** WebSocket trackers every public torrent announces to (`ws://` / `wss://`). */
  trackers: string[];
  /** STUN servers for WebRTC NAT traversal (`stun:` / `stuns:`). */
  stunServers: string[];
  /** Seeding ends at this upload ratio (uploaded ÷ size) or… */
  seedRatio: number;
  /** …after this many minutes of seeding, whichever comes first. 0 and 0: no seeding. */
  seedMinutes: number;
  /** Clicks on torrent links (and the downloads they start) are taken by Swarmlink. */
  interceptLinks: boolean;
  notifications: boolean;
}

export interface DeviceSettings {
  /** KiB/s, all torrents together; 0: no limit. */
  downloadLimitKiB: number;
  uploadLimitKiB: number;
  /** Hosts where Swarmlink never takes clicks (a host matches its subdomains too). */
  neverTakeSites: string[];
}

export type Settings = SyncedSettings & DeviceSettings;

export const DEFAULT_SYNCED: SyncedSettings = {
  trackers: [...DEFAULT_TRACKERS],
  stunServers: DEFAULT_ICE_SERVERS.flatMap((s) => (Array.isArray(s.urls) ? s.urls : [s.urls])),
  seedRatio: DEFAULT_SEED_LIMITS.ratio,
  seedMinutes: DEFAULT_SEED_LIMITS.timeMs / 60_000,
  interceptLinks: true,
  notifications: true,
};

export const DEFAULT_DEVICE: DeviceSettings = {
  downloadLimitKiB: 0,
  uploadLimitKiB: 0,
  neverTakeSites: [],
};

export const DEFAULT_SETTINGS: Settings = { ...DEFAULT_SYNCED, ...DEFAULT_DEVICE };

/** Caps: storage.sync allows 8 KiB per item, and nobody needs more. */
export const SETTINGS_LIMITS = {
  listEntries: 50,
  entryLength: 500,
  maxRatio: 1000,
  maxMinutes: 525_600 * 10,
  maxKiB: 10_000_000,
} as const;

export type SettingsField = keyof Settings;

/** Why a setting cannot be used (the UI says it in the user's language). */
export type SettingsErrorCode =
  | 'not-tracker-url'
  | 'not-stun-url'
  | 'not-site'
  | 'not-list'
  | 'too-many'
  | 'too-long'
  | 'not-number'
  | 'negative'
  | 'too-big';

const REASONS: Record<SettingsErrorCode, string> = {
  'not-tracker-url': 'not a ws:// or wss:// tracker URL',
  'not-stun-url': 'not a stun: or stuns: server URL',
  'not-site': 'not a site name',
  'not-list': 'not a list',
  'too-many': 'too many entries',
  'too-long': 'too long',
  'not-number': 'not a number',
  negative: 'must be 0 or more',
  'too-big': 'too large',
};

/** A setting the user gave that cannot be used; names the field, the entry and why. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';
  constructor(
    readonly field: SettingsField,
    readonly code: SettingsErrorCode,
    /** The offending entry of a list, if it was one. */
    readonly entry?: string,
    /** The bound that was passed (too-many, too-big). */
    readonly limit?: number,
  ) {
    const what = entry === undefined ? '' : `"${entry}": `;
    super(`${field}: ${what}${REASONS[code]}${limit === undefined ? '' : ` (at most ${limit})`}`);
  }
}

const URL_LISTS = {
  trackers: { protocols: ['ws:', 'wss:'], code: 'not-tracker-url' },
  stunServers: { protocols: ['stun:', 'stuns:'], code: 'not-stun-url' },
} as const;

/** One entry per line (or comma); blanks dropped, duplicates once. */
export function splitList(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\n,]/)
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
}

function checkList(field: SettingsField, entries: readonly string[]): void {
  if (entries.length > SETTINGS_LIMITS.listEntries) {
    throw new SettingsError(field, 'too-many', undefined, SETTINGS_LIMITS.listEntries);
  }
  for (const e of entries) {
    if (e.length > SETTINGS_LIMITS.entryLength) throw new SettingsError(field, 'too-long', e);
  }
}

/** A list of tracker or STUN URLs, each of its kind. */
export function parseUrlList(field: 'trackers' | 'stunServers', text: string): string[] {
  const entries = splitList(text);
  checkList(field, entries);
  const { protocols, code } = URL_LISTS[field];
  for (const e of entries) {
    let protocol: string;
    try {
      protocol = new URL(e).protocol;
    } catch {
      throw new SettingsError(field, code, e);
    }
    if (!(protocols as readonly string[]).includes(protocol)) {
      throw new SettingsError(field, code, e);
    }
  }
  return entries;
}

/** Host names (`example.com`, `*.example.com` or a URL of the site): kept as lower-case hosts. */
export function parseSiteList(text: string): string[] {
  const entries = splitList(text);
  checkList('neverTakeSites', entries);
  const hosts = entries.map((e) => {
    const bare = e.replace(/^\*\./, '');
    let host: string;
    try {
      host = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(bare) ? bare : `http://${bare}`).hostname;
    } catch {
      throw new SettingsError('neverTakeSites', 'not-site', e);
    }
    if (!host) throw new SettingsError('neverTakeSites', 'not-site', e);
    return host;
  });
  return [...new Set(hosts)];
}

/** A number from a form field: finite, at least 0, at most `max`. */
export function parseNumber(field: SettingsField, text: string, max: number): number {
  const n = Number(text.trim().replace(',', '.'));
  if (text.trim() === '' || !Number.isFinite(n)) throw new SettingsError(field, 'not-number');
  if (n < 0) throw new SettingsError(field, 'negative');
  if (n > max) throw new SettingsError(field, 'too-big', undefined, max);
  return n;
}

/** True when Swarmlink must not take clicks on a page of `host`. */
export function isNeverTakeSite(host: string, sites: readonly string[]): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return sites.some((s) => h === s || h.endsWith(`.${s}`));
}

/**
 * Swarmlink takes a click on a torrent link on this page: interception is on and none of
 * `pageUrls` (the frame's, the tab's) is on a never-take site.
 */
export function takesClicks(
  s: Pick<Settings, 'interceptLinks' | 'neverTakeSites'>,
  pageUrls: readonly (string | undefined)[],
): boolean {
  if (!s.interceptLinks) return false;
  return !pageUrls.some((u) => {
    if (!u) return false;
    try {
      return isNeverTakeSite(new URL(u).hostname, s.neverTakeSites);
    } catch {
      return false;
    }
  });
}

/**
 * Stored settings as they are read back (from another version, another device, or edited
 * by hand): every field that is valid is kept, any other falls back to its default.
 */
export function normalizeSynced(raw: unknown): SyncedSettings {
  const r = isRecord(raw) ? raw : {};
  return {
    trackers: validOr(
      () => parseUrlList('trackers', listText(r.trackers)),
      DEFAULT_SYNCED.trackers,
    ),
    stunServers: validOr(
      () => parseUrlList('stunServers', listText(r.stunServers)),
      DEFAULT_SYNCED.stunServers,
    ),
    seedRatio: numberOr(r.seedRatio, SETTINGS_LIMITS.maxRatio, DEFAULT_SYNCED.seedRatio),
    seedMinutes: numberOr(r.seedMinutes, SETTINGS_LIMITS.maxMinutes, DEFAULT_SYNCED.seedMinutes),
    interceptLinks: typeof r.interceptLinks === 'boolean' ? r.interceptLinks : true,
    notifications: typeof r.notifications === 'boolean' ? r.notifications : true,
  };
}

export function normalizeDevice(raw: unknown): DeviceSettings {
  const r = isRecord(raw) ? raw : {};
  return {
    downloadLimitKiB: numberOr(r.downloadLimitKiB, SETTINGS_LIMITS.maxKiB, 0),
    uploadLimitKiB: numberOr(r.uploadLimitKiB, SETTINGS_LIMITS.maxKiB, 0),
    neverTakeSites: validOr(() => parseSiteList(listText(r.neverTakeSites)), []),
  };
}

/** What the engine host needs of the settings (sent to the offscreen document). */
export interface EngineSettings {
  trackers: string[];
  iceServers: RTCIceServer[];
  seedLimits: SeedLimits;
  /** Bytes per second, 0: no limit. */
  downloadLimit: number;
  uploadLimit: number;
}

export function engineSettings(s: Settings): EngineSettings {
  return {
    trackers: [...s.trackers],
    iceServers: s.stunServers.length > 0 ? [{ urls: [...s.stunServers] }] : [],
    seedLimits: { ratio: s.seedRatio, timeMs: s.seedMinutes * 60_000 },
    downloadLimit: Math.round(s.downloadLimitKiB * 1024),
    uploadLimit: Math.round(s.uploadLimitKiB * 1024),
  };
}

/** Engine settings from a message: validated as the user's input would be, or null. */
export function parseEngineSettings(raw: unknown): EngineSettings | null {
  if (!isRecord(raw) || !isRecord(raw.seedLimits) || !Array.isArray(raw.iceServers)) return null;
  try {
    const stun = raw.iceServers.flatMap((s: unknown) =>
      isRecord(s) && Array.isArray(s.urls) ? s.urls : [null],
    );
    const urls = parseUrlList('stunServers', listText(stun));
    const limit = (v: unknown) => numberOr(v, SETTINGS_LIMITS.maxKiB * 1024, NaN);
    const s: EngineSettings = {
      trackers: parseUrlList('trackers', listText(raw.trackers)),
      iceServers: urls.length > 0 ? [{ urls }] : [],
      seedLimits: {
        ratio: numberOr(raw.seedLimits.ratio, SETTINGS_LIMITS.maxRatio, NaN),
        timeMs: numberOr(raw.seedLimits.timeMs, SETTINGS_LIMITS.maxMinutes * 60_000, NaN),
      },
      downloadLimit: limit(raw.downloadLimit),
      uploadLimit: limit(raw.uploadLimit),
    };
    const numbers = [s.seedLimits.ratio, s.seedLimits.timeMs, s.downloadLimit, s.uploadLimit];
    return numbers.every((n) => !Number.isNaN(n)) ? s : null;
  } catch {
    return null;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A stored list back as form text; anything but an array of strings is not a list. */
function listText(v: unknown): string {
  if (!Array.isArray(v) || !v.every((e) => typeof e === 'string')) {
    throw new SettingsError('trackers', 'not-list');
  }
  return v.join('\n');
}

function validOr<T>(parse: () => T, fallback: T): T {
  try {
    return parse();
  } catch {
    return Array.isArray(fallback) ? ([...fallback] as T) : fallback;
  }
}

function numberOr(v: unknown, max: number, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= max ? v : fallback;
}

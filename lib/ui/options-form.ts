/**
 * The options page's form: the settings as the text the user edits, and back. Pure, so the
 * rules are unit-tested; bad input names its field and loses nothing (the text stays).
 */
import {
  parseNumber,
  parseSiteList,
  parseUrlList,
  SETTINGS_LIMITS,
  SettingsError,
  type Settings,
  type SettingsField,
} from '../settings/schema.ts';

export interface OptionsForm {
  trackers: string;
  stunServers: string;
  seedRatio: string;
  seedMinutes: string;
  downloadLimitKiB: string;
  uploadLimitKiB: string;
  interceptLinks: boolean;
  neverTakeSites: string;
  notifications: boolean;
}

export function formOf(s: Settings): OptionsForm {
  return {
    trackers: s.trackers.join('\n'),
    stunServers: s.stunServers.join('\n'),
    seedRatio: String(s.seedRatio),
    seedMinutes: String(s.seedMinutes),
    downloadLimitKiB: String(s.downloadLimitKiB),
    uploadLimitKiB: String(s.uploadLimitKiB),
    interceptLinks: s.interceptLinks,
    neverTakeSites: s.neverTakeSites.join('\n'),
    notifications: s.notifications,
  };
}

/** The numeric fields and their upper bounds. */
const NUMBER_MAX = {
  seedRatio: SETTINGS_LIMITS.maxRatio,
  seedMinutes: SETTINGS_LIMITS.maxMinutes,
  downloadLimitKiB: SETTINGS_LIMITS.maxKiB,
  uploadLimitKiB: SETTINGS_LIMITS.maxKiB,
} as const;

export type FormErrors = Partial<Record<SettingsField, SettingsError>>;

/** The settings the form says, or every field's error. */
export function settingsOf(f: OptionsForm): { settings: Settings } | { errors: FormErrors } {
  const errors: FormErrors = {};
  const field = <T>(name: SettingsField, parse: () => T, fallback: T): T => {
    try {
      return parse();
    } catch (err) {
      if (!(err instanceof SettingsError)) throw err;
      errors[name] = err;
      return fallback;
    }
  };
  const num = (name: keyof typeof NUMBER_MAX) =>
    field(name, () => parseNumber(name, f[name], NUMBER_MAX[name]), 0);
  const settings: Settings = {
    trackers: field('trackers', () => parseUrlList('trackers', f.trackers), []),
    stunServers: field('stunServers', () => parseUrlList('stunServers', f.stunServers), []),
    seedRatio: num('seedRatio'),
    seedMinutes: num('seedMinutes'),
    downloadLimitKiB: num('downloadLimitKiB'),
    uploadLimitKiB: num('uploadLimitKiB'),
    interceptLinks: f.interceptLinks,
    neverTakeSites: field('neverTakeSites', () => parseSiteList(f.neverTakeSites), []),
    notifications: f.notifications,
  };
  return Object.keys(errors).length > 0 ? { errors } : { settings };
}

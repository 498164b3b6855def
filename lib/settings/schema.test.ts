import { describe, expect, it } from 'vitest';
import { DEFAULT_TRACKERS } from '../defaults.ts';
import {
  DEFAULT_DEVICE,
  DEFAULT_SETTINGS,
  DEFAULT_SYNCED,
  engineSettings,
  isNeverTakeSite,
  normalizeDevice,
  normalizeSynced,
  parseEngineSettings,
  parseNumber,
  parseSiteList,
  parseUrlList,
  SettingsError,
  takesClicks,
} from './schema.ts';

function errorOf(fn: () => unknown): SettingsError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SettingsError) return err;
    throw err;
  }
  throw new Error('did not throw');
}

describe('settings schema', () => {
  it('defaults: the public wss trackers, STUN servers, ratio 2 or 60 minutes, no limits', () => {
    expect(DEFAULT_SETTINGS.trackers).toEqual(DEFAULT_TRACKERS);
    expect(DEFAULT_SETTINGS.stunServers.every((u) => u.startsWith('stun:'))).toBe(true);
    expect(DEFAULT_SETTINGS).toMatchObject({
      seedRatio: 2,
      seedMinutes: 60,
      downloadLimitKiB: 0,
      uploadLimitKiB: 0,
      interceptLinks: true,
      notifications: true,
      neverTakeSites: [],
    });
  });

  it('tracker and STUN lists: one per line, blanks and duplicates dropped, kind checked', () => {
    expect(
      parseUrlList('trackers', ' wss://a.example \n\nws://127.0.0.1:8000\nwss://a.example'),
    ).toEqual(['wss://a.example', 'ws://127.0.0.1:8000']);
    const e = errorOf(() =>
      parseUrlList('trackers', 'wss://ok.example\nhttp://t.example/announce'),
    );
    expect(e).toMatchObject({
      name: 'SettingsError',
      field: 'trackers',
      code: 'not-tracker-url',
      entry: 'http://t.example/announce',
    });
    expect(errorOf(() => parseUrlList('stunServers', 'turn:x.example')).code).toBe('not-stun-url');
    expect(errorOf(() => parseUrlList('stunServers', 'stun'))).toMatchObject({ entry: 'stun' });
    const many = Array.from({ length: 51 }, (_, i) => `wss://t${i}.example`).join('\n');
    expect(errorOf(() => parseUrlList('trackers', many))).toMatchObject({
      code: 'too-many',
      limit: 50,
    });
    expect(parseUrlList('stunServers', '')).toEqual([]);
  });

  it('sites: host names, URLs or *.host, kept as lower-case hosts; subdomains match', () => {
    expect(parseSiteList('Example.COM\nhttps://news.site.example/page\n*.wild.example')).toEqual([
      'example.com',
      'news.site.example',
      'wild.example',
    ]);
    expect(errorOf(() => parseSiteList('not a site')).code).toBe('not-site');
    expect(isNeverTakeSite('example.com', ['example.com'])).toBe(true);
    expect(isNeverTakeSite('www.Example.com.', ['example.com'])).toBe(true);
    expect(isNeverTakeSite('notexample.com', ['example.com'])).toBe(false);
  });

  it('takesClicks: interception on and no page of a never-take site', () => {
    const s = { interceptLinks: true, neverTakeSites: ['blog.example'] };
    expect(takesClicks(s, ['https://other.example/', undefined])).toBe(true);
    expect(takesClicks(s, ['https://other.example/', 'https://blog.example/post'])).toBe(false);
    expect(takesClicks({ ...s, interceptLinks: false }, ['https://other.example/'])).toBe(false);
    expect(takesClicks(s, ['not a url'])).toBe(true);
  });

  it('numbers: finite, 0 or more, bounded, decimal comma accepted', () => {
    expect(parseNumber('seedRatio', '1,5', 10)).toBe(1.5);
    expect(errorOf(() => parseNumber('seedRatio', '', 10)).code).toBe('not-number');
    expect(errorOf(() => parseNumber('seedRatio', 'abc', 10)).code).toBe('not-number');
    expect(errorOf(() => parseNumber('seedRatio', '-1', 10)).code).toBe('negative');
    expect(errorOf(() => parseNumber('seedRatio', '11', 10))).toMatchObject({
      code: 'too-big',
      limit: 10,
    });
  });

  it('stored values read back: valid fields kept, each bad one falls back alone', () => {
    expect(normalizeSynced(undefined)).toEqual(DEFAULT_SYNCED);
    expect(normalizeDevice('junk')).toEqual(DEFAULT_DEVICE);
    const s = normalizeSynced({
      trackers: ['wss://mine.example'],
      stunServers: 'stun:x', // not a list
      seedRatio: -3,
      seedMinutes: 5,
      interceptLinks: false,
      notifications: 'yes',
    });
    expect(s).toEqual({
      ...DEFAULT_SYNCED,
      trackers: ['wss://mine.example'],
      seedMinutes: 5,
      interceptLinks: false,
    });
    expect(normalizeDevice({ downloadLimitKiB: 100, neverTakeSites: ['a.example', 7] })).toEqual({
      ...DEFAULT_DEVICE,
      downloadLimitKiB: 100,
    });
  });

  it("the engine's part: ICE servers, limits in bytes and ms; validated on arrival", () => {
    const e = engineSettings({
      ...DEFAULT_SETTINGS,
      stunServers: ['stun:s.example:3478'],
      seedRatio: 1.5,
      seedMinutes: 2,
      downloadLimitKiB: 100,
      uploadLimitKiB: 0.5,
    });
    expect(e).toEqual({
      trackers: DEFAULT_SETTINGS.trackers,
      iceServers: [{ urls: ['stun:s.example:3478'] }],
      seedLimits: { ratio: 1.5, timeMs: 120_000 },
      downloadLimit: 102_400,
      uploadLimit: 512,
    });
    expect(engineSettings({ ...DEFAULT_SETTINGS, stunServers: [] }).iceServers).toEqual([]);
    expect(parseEngineSettings(JSON.parse(JSON.stringify(e)))).toEqual(e);
    expect(parseEngineSettings({ ...e, trackers: ['http://x.example'] })).toBeNull();
    expect(parseEngineSettings({ ...e, seedLimits: { ratio: 'a', timeMs: 0 } })).toBeNull();
    expect(parseEngineSettings({ ...e, iceServers: [{ urls: ['javascript:x'] }] })).toBeNull();
    expect(parseEngineSettings({ ...e, downloadLimit: -1 })).toBeNull();
    expect(parseEngineSettings(null)).toBeNull();
  });
});

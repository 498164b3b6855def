import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { problemOf, FetchTorrentError, WebSeedError, MetainfoError } from '../engine/errors.ts';
import type { SourceView } from '../engine/torrent-view.ts';
import type { HostTorrentView } from '../protocol.ts';
import { formatEta, formatRatio } from './format.ts';
import { createTranslator } from './i18n.ts';
import { STUCK_AFTER_MS, explainProblem, hasNoSource, sourceLines, stuckReason } from './health.ts';

/** The English catalogue, read as browser.i18n.getMessage reads it. */
const EN = JSON.parse(
  readFileSync(resolve(import.meta.dirname, '../../public/_locales/en/messages.json'), 'utf8'),
) as Record<string, { message: string }>;
const tr = createTranslator(
  (key, subs = []) =>
    EN[key]?.message.replace(/\$(\d)/g, (_, n: string) => subs[Number(n) - 1] ?? '') ?? '',
  'en',
);

const T0 = 1_000_000;
const LATER = T0 + STUCK_AFTER_MS;

function view(over: Partial<HostTorrentView> = {}): HostTorrentView {
  return {
    id: 'x-1',
    name: 'file.bin',
    state: 'downloading',
    progress: 0,
    verifiedBytes: 0,
    selectedBytes: 1000,
    storedBytes: 0,
    downloadRate: 0,
    uploadRate: 0,
    uploadedBytes: 0,
    sources: [],
    webSeeds: [],
    peers: 0,
    seeds: 0,
    bannedPeers: 0,
    fileCount: 1,
    selectedFiles: 1,
    addedAt: T0,
    savedFiles: 0,
    trackers: [],
    startedAt: T0,
    ...over,
  };
}

function seed(state: SourceView['state'], err?: Error): SourceView {
  return {
    id: 'webseed:http://127.0.0.1:8080/seed/',
    kind: 'webseed',
    url: 'http://127.0.0.1:8080/seed/',
    state,
    error: err?.message,
    problem: err ? problemOf(err) : undefined,
    downloadRate: 0,
    uploadRate: 0,
    downloadedBytes: 0,
    uploadedBytes: 0,
    seed: true,
  };
}

const tracker = (reachable: boolean) => ({ url: 'wss://tracker.example:443', reachable });

describe('explainProblem', () => {
  it('says what came back in plain words, keeping the status', () => {
    const say = (e: unknown) => explainProblem(tr, problemOf(e));
    expect(say(new FetchTorrentError('x', 'web-page'))).toBe(
      'This link gave a web page, not a torrent file (are you logged in?)',
    );
    expect(say(new FetchTorrentError('x', 'http', 404))).toBe(
      'The server no longer has this file (404)',
    );
    expect(say(new FetchTorrentError('x', 'not-torrent'))).toBe('Not a torrent link');
    expect(say(new FetchTorrentError('x', 'http', 403))).toMatch(/refused.*403.*log in/);
    expect(say(new MetainfoError('info', 'missing'))).toMatch(/^Invalid torrent file/);
    expect(say(new WebSeedError('u', 'HTTP 404: file not available', true))).toBe(
      'The web server no longer has this file (404)',
    );
    expect(say(new WebSeedError('u', 'unexpected HTTP 500', false))).toMatch(/HTTP 500/);
    // No status: its own reason is the plainest there is.
    const wrong = new WebSeedError(
      'http://h/bad/',
      'wrong bytes: piece 3 failed verification',
      true,
    );
    expect(say(wrong)).toBe('Web seed http://h/bad/: wrong bytes: piece 3 failed verification');
    // Nothing known: the message itself.
    expect(explainProblem(tr, undefined, 'something odd')).toBe('something odd');
  });
});

describe('stuckReason', () => {
  it('gives a torrent time to find a source first', () => {
    expect(stuckReason(view(), LATER - 1)).toBeUndefined();
    expect(stuckReason(view(), LATER)).toBe('no-source');
  });

  it('is not stuck while a peer is connected or a web seed works', () => {
    expect(stuckReason(view({ peers: 1 }), LATER)).toBeUndefined();
    expect(stuckReason(view({ webSeeds: [seed('active')] }), LATER)).toBeUndefined();
    expect(stuckReason(view({ state: 'paused' }), LATER)).toBeUndefined();
    expect(stuckReason(view({ state: 'seeding' }), LATER)).toBeUndefined();
  });

  it('tells the cases apart', () => {
    const retrying = seed('retrying', new WebSeedError('u', 'HTTP 503', false));
    expect(stuckReason(view({ webSeeds: [retrying] }), LATER)).toBe('web-seed');
    expect(stuckReason(view({ trackers: [tracker(false)] }), LATER)).toBe('no-source');
    expect(stuckReason(view({ trackers: [tracker(true)] }), LATER)).toBe('no-peers');
    expect(stuckReason(view({ state: 'metadata', trackers: [tracker(true)] }), LATER)).toBe(
      'metadata',
    );
  });

  it('only a torrent with no source at all leaves the badge', () => {
    expect(hasNoSource(view({ state: 'metadata', trackers: [tracker(false)] }), LATER)).toBe(true);
    expect(hasNoSource(view({ state: 'metadata', trackers: [tracker(true)] }), LATER)).toBe(false);
    expect(hasNoSource(view({ state: 'metadata' }), LATER - 1)).toBe(false);
  });
});

describe('sourceLines', () => {
  it('says each source in words', () => {
    const failing = seed('retrying', new WebSeedError('u', 'HTTP 503', false));
    const t = view({ webSeeds: [seed('active'), failing], trackers: [tracker(true)] });
    expect(sourceLines(tr, t, T0)).toEqual([
      'Web server 127.0.0.1:8080: OK',
      'Web server 127.0.0.1:8080: failing, trying again (The web server answered with an error (HTTP 503))',
      'Tracker tracker.example: connected',
    ]);
  });

  it('once complete, only the seeds that failed; nothing when the torrent failed', () => {
    const failed = seed('failed', new WebSeedError('u', 'HTTP 404: file not available', true));
    const done = view({
      state: 'done',
      webSeeds: [seed('idle'), failed],
      trackers: [tracker(true)],
    });
    expect(sourceLines(tr, done, LATER)).toEqual([
      'Web server 127.0.0.1:8080 failed: The web server no longer has this file (404)',
    ]);
    expect(sourceLines(tr, { ...done, state: 'error' }, LATER)).toEqual([]);
  });

  it('a tracker not connected after a while is not reachable; no peers is said', () => {
    const t = view({ trackers: [tracker(false)] });
    expect(sourceLines(tr, t, T0)).toEqual(['Tracker tracker.example: connecting…']);
    expect(sourceLines(tr, t, LATER)).toEqual([
      'Tracker tracker.example: not reachable',
      'No WebRTC peers found yet',
    ]);
  });
});

describe('format', () => {
  it('ETA only while something moves', () => {
    expect(formatEta(1000, 0)).toBeUndefined();
    expect(formatEta(0, 100)).toBeUndefined();
    expect(formatEta(4500, 100)).toBe('45 s');
    expect(formatEta(3600 * 100 * 3 + 20 * 60 * 100, 100)).toBe('3 h 20 min');
  });

  it('ratio once the size is known', () => {
    expect(formatRatio(500, 0)).toBeUndefined();
    expect(formatRatio(500, 1000)).toBe('0.50');
  });
});

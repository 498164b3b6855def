/**
 * What a torrent's sources say, in plain words: each web seed and tracker, whether peers
 * were found, why a torrent that does not move is stuck, and its error as a sentence (the
 * technical message stays available as the problem's detail). Pure (strings come from the
 * Translator passed in): the popup and the badge both use it.
 */
import type { Problem } from '../engine/errors.ts';
import type { SourceView } from '../engine/torrent-view.ts';
import type { HostTorrentView } from '../protocol.ts';
import { hostOf } from './format.ts';
import type { Translator } from './i18n.ts';

/** A tracker gets this long to connect, and peers to be found, before a torrent is stuck. */
export const STUCK_AFTER_MS = 4000;

/** The user's sentence for a problem. */
export function explainProblem(tr: Translator, p: Problem | undefined, fallback = ''): string {
  const { t } = tr;
  if (!p) return fallback;
  const status = p.status ? `HTTP ${p.status}` : '';
  switch (p.code) {
    case 'web-page':
      return t('errWebPage');
    case 'not-torrent':
      return t('errNotTorrent');
    case 'too-large':
      return t('errTooLarge');
    case 'http':
      if (p.status === 404 || p.status === 410) return t('errGone', p.status);
      if (p.status === 401 || p.status === 403) return t('errRefused', p.status);
      return t('errHttp', status);
    case 'network':
      return t('errNetwork');
    case 'invalid-torrent':
      return t('errInvalidTorrent');
    case 'invalid-magnet':
      return t('errInvalidMagnet');
    case 'webseed':
      if (p.status === 404 || p.status === 410) return t('errWebSeedGone', p.status);
      // Without a status its own reason is the plainest there is (wrong bytes, no Range).
      return status ? t('errWebSeedHttp', status) : p.detail;
    case 'storage':
      return t('errStorage');
    case 'storage-full':
      return t('errStorageFull');
    case 'tracker':
      return t('errTracker');
    case 'peer':
      return t('errPeer');
    case 'other':
      return p.detail;
  }
}

/** A web seed is usable while it has not failed for good and is not backing off. */
const usable = (s: SourceView) => s.state !== 'failed' && s.state !== 'retrying';

/** The sources' health, one line each: web seeds, trackers, and peers when none are found. */
export function sourceLines(tr: Translator, v: HostTorrentView, now: number): string[] {
  const { t } = tr;
  const lines: string[] = [];
  // Failed: its error says it all.
  if (v.state === 'error') return lines;
  // Once complete (or stopped), only the seeds that failed: why a source stopped.
  const working = isWorking(v);
  for (const s of v.webSeeds) {
    if (!working && !s.error) continue;
    const host = hostOf(s.url);
    const why = explainProblem(tr, s.problem, s.error ?? '');
    if (s.state === 'failed') lines.push(t('webSeedFailed', host, why));
    else if (s.state === 'retrying' || s.error) lines.push(t('webSeedRetrying', host, why));
    else lines.push(t('webSeedOk', host));
  }
  if (!working) return lines;
  const waited = now - v.startedAt >= STUCK_AFTER_MS;
  for (const tracker of v.trackers) {
    const host = hostOf(tracker.url);
    if (tracker.reachable) lines.push(t('trackerOk', host));
    else lines.push(t(waited || tracker.error ? 'trackerDown' : 'trackerConnecting', host));
  }
  if (v.peers === 0 && v.trackers.length > 0 && waited) lines.push(t('noPeersFound'));
  return lines;
}

/** The states in which a torrent wants data from its sources. */
function isWorking(t: HostTorrentView): boolean {
  return t.state === 'metadata' || t.state === 'downloading';
}

export type StuckReason = 'no-source' | 'no-peers' | 'web-seed' | 'metadata';

/**
 * Why a torrent that wants data gets none, once it had STUCK_AFTER_MS to find a source:
 * no peer connected and no usable web seed. Undefined while it moves or may still.
 */
export function stuckReason(t: HostTorrentView, now: number): StuckReason | undefined {
  if (!isWorking(t) || t.peers > 0 || now - t.startedAt < STUCK_AFTER_MS) return undefined;
  if (t.webSeeds.some(usable)) return undefined;
  if (t.webSeeds.length > 0) return 'web-seed';
  if (!t.trackers.some((s) => s.reachable)) return 'no-source';
  return t.state === 'metadata' ? 'metadata' : 'no-peers';
}

export function stuckSentence(
  { t }: Translator,
  reason: StuckReason,
  v: HostTorrentView,
  now: number,
): string {
  switch (reason) {
    case 'no-source':
      return t('stuckNoSource');
    case 'no-peers':
      return t('stuckNoPeers', Math.floor((now - v.startedAt) / 1000));
    case 'web-seed':
      return t('stuckWebSeed');
    case 'metadata':
      return t('noteWaitingForMetadata');
  }
}

/**
 * A torrent with no source at all (no usable web seed, no tracker reachable, no peer): it
 * does not count as active on the badge.
 */
export function hasNoSource(t: HostTorrentView, now: number): boolean {
  return stuckReason(t, now) === 'no-source';
}

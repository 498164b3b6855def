/** Badge and notifications: what the user sees of the background. */
import { browser } from 'wxt/browser';
import type { HostTorrentView, NotifyKind } from '../protocol.ts';
import { hasNoSource } from '../ui/health.ts';

const ACTIVE = new Set(['fetching', 'metadata', 'checking', 'downloading']);
let lastCount = -1;
let notificationCount = 0;

/** Badge = number of torrents still downloading (not those with no source at all). */
export function updateBadge(torrents: HostTorrentView[], extra = 0): void {
  const now = Date.now();
  const count = torrents.filter((t) => ACTIVE.has(t.state) && !hasNoSource(t, now)).length + extra;
  if (count === lastCount) return;
  lastCount = count;
  const action = browser.action ?? browser.browserAction;
  void action.setBadgeText({ text: count > 0 ? String(count) : '' });
  void action.setBadgeBackgroundColor({ color: '#2563eb' });
}

/** Shows the badge moving at once when a link is taken, before the engine reports. */
export function bumpBadge(): void {
  updateBadge([], Math.max(0, lastCount) + 1);
}

/**
 * One notification per torrent (`key`: its infohash or id), replaced in place as it goes
 * (Added → Complete, or the error); others get their own (`swarmlink-error-3`).
 */
export function notify(kind: NotifyKind, title: string, message: string, key?: string): void {
  const id = key ? `swarmlink-${key}` : `swarmlink-${kind}-${++notificationCount}`;
  void browser.notifications
    .create(id, {
      type: 'basic',
      iconUrl: browser.runtime.getURL('/icon/128.png'),
      title,
      message,
    })
    .catch(() => {});
}

/** The infohash a torrent's notification is about (`swarmlink-<infohash>`), if it is one. */
export function infoHashOfNotification(id: string): string | undefined {
  return /^swarmlink-([0-9a-f]{40})$/.exec(id)?.[1];
}

/** Badge and notifications: what the user sees of the background. */
import { browser } from 'wxt/browser';
import type { TorrentView } from '../engine/torrent.ts';

const ACTIVE = new Set(['fetching', 'metadata', 'checking', 'downloading']);
let lastCount = -1;

/** Badge = number of torrents still downloading. */
export function updateBadge(torrents: TorrentView[], extra = 0): void {
  const count = torrents.filter((t) => ACTIVE.has(t.state)).length + extra;
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

export function notify(title: string, message: string): void {
  void browser.notifications
    .create({
      type: 'basic',
      iconUrl: browser.runtime.getURL('/icon/128.png'),
      title,
      message,
    })
    .catch(() => {});
}

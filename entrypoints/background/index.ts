/**
 * Service worker (Chrome) / background page (Firefox): wiring only. Context menu,
 * takeover of torrent downloads, messages from content scripts, badge, notifications,
 * saving files, and keeping the engine host alive.
 */
import { browser } from 'wxt/browser';
import { ClickLog, isOwnDownload, isTorrentDownload } from '@/lib/background/takeover';
import { ensureOffscreen, sendToEngine, useLocalEngine } from '@/lib/background/engine-link';
import { onDownloadChanged, saveFile } from '@/lib/background/saver';
import { bumpBadge, notify, updateBadge } from '@/lib/background/ui';
import {
  addRequestFor,
  isAcceptedUrl,
  isStateMessage,
  parseBackgroundMessage,
  type EngineCommand,
  type EngineEvent,
} from '@/lib/protocol';

const MENU_ID = 'download-with-swarm';
const ENGINE_ALARM = 'engine-keepalive';

export default defineBackground({
  persistent: true,
  main() {
    const ownOrigin = browser.runtime.getURL('/').replace(/\/$/, '');
    const clicks = new ClickLog();
    const toEngine = (cmd: EngineCommand) => {
      sendToEngine(cmd).catch((err: unknown) => notify('Swarmlink engine failed', String(err)));
    };
    const addLink = (url: string) => {
      bumpBadge();
      toEngine({ target: 'engine', type: 'add', source: addRequestFor(url) });
    };
    const onEngineEvent = (ev: EngineEvent) => {
      if (ev.type === 'save-file') void saveFile(ev, toEngine);
      else notify(ev.title, ev.message);
    };

    if (import.meta.env.FIREFOX) {
      useLocalEngine(onEngineEvent, (s) => updateBadge(s.torrents));
    } else {
      // Keep the engine host alive: at every service-worker start (browser start included),
      // and on a periodic alarm, so torrents resume and seed even if the document died.
      const keepEngine = () => void ensureOffscreen().catch(() => {});
      keepEngine();
      browser.runtime.onStartup.addListener(keepEngine);
      void browser.alarms.create(ENGINE_ALARM, { periodInMinutes: 1 });
      browser.alarms.onAlarm.addListener((alarm) => {
        if (alarm.name === ENGINE_ALARM) keepEngine();
      });
    }

    browser.runtime.onInstalled.addListener(() => {
      void browser.contextMenus.removeAll().then(() =>
        browser.contextMenus.create({
          id: MENU_ID,
          title: 'Download with swarm',
          contexts: ['link'],
        }),
      );
    });

    browser.contextMenus.onClicked.addListener((info) => {
      if (info.menuItemId === MENU_ID && isAcceptedUrl(info.linkUrl)) addLink(info.linkUrl);
    });

    browser.runtime.onMessage.addListener((raw, sender) => {
      if (isStateMessage(raw)) return void updateBadge(raw.torrents);
      if (sender.id !== browser.runtime.id) return undefined;
      const msg = parseBackgroundMessage(raw);
      if (!msg) return undefined;
      const fromExtension = (sender.url ?? '').startsWith(ownOrigin + '/');
      switch (msg.type) {
        case 'link-click':
          // Only content scripts (pages), never our own pages.
          if (fromExtension || !sender.tab) return undefined;
          if (msg.torrent) addLink(msg.url);
          else clicks.record(msg.url, [sender.url, sender.tab.url], Date.now());
          return undefined;
        case 'save-file':
        case 'notify':
          if (!fromExtension) return undefined;
          onEngineEvent(msg);
          return undefined;
        default:
          if (!fromExtension) return undefined;
          return sendToEngine({ ...msg, target: 'engine' } as EngineCommand);
      }
    });

    browser.downloads.onCreated.addListener((item) => {
      if (isOwnDownload(item, ownOrigin) || !isTorrentDownload(item)) return;
      void clicks.takeSoon(item, 1000, Date.now).then(async (click) => {
        if (!click) return;
        addLink(item.finalUrl || item.url);
        await browser.downloads.cancel(item.id).catch(() => {});
        // Already finished (a tiny file): remove it from disk instead.
        await browser.downloads.removeFile(item.id).catch(() => {});
        await browser.downloads.erase({ id: item.id }).catch(() => {});
      });
    });

    browser.downloads.onChanged.addListener((delta) => void onDownloadChanged(delta, toEngine));
  },
});

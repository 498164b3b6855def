/**
 * Service worker (Chrome) / background page (Firefox): wiring only. Context menu,
 * takeover of torrent downloads, messages from content scripts, badge, notifications,
 * saving files, and keeping the engine host alive.
 */
import { browser } from 'wxt/browser';
import { ClickLog, isOwnDownload, isTorrentDownload } from '@/lib/background/takeover';
import { ensureOffscreen, sendToEngine, useLocalEngine } from '@/lib/background/engine-link';
import { Saver, type PendingSave } from '@/lib/background/saver';
import { SavedFiles } from '@/lib/background/saved-files';
import { filesOnDisk } from '@/lib/background/file-commands';
import {
  bumpBadge,
  infoHashOfNotification,
  notify as show,
  updateBadge,
} from '@/lib/background/ui';
import { LiveSettings } from '@/lib/background/live-settings';
import { engineSettings, takesClicks } from '@/lib/settings/schema';
import { t } from '@/lib/ui/i18n';
import {
  addRequestFor,
  isAcceptedUrl,
  isStateMessage,
  isTorrentLink,
  parseBackgroundMessage,
  type EngineCommand,
  type EngineEvent,
  type NotifyKind,
} from '@/lib/protocol';

const MENU_ID = 'download-with-swarm';
const ENGINE_ALARM = 'engine-keepalive';
const SAVES_KEY = 'pendingSaves';
const SAVED_KEY = 'savedDownloads';

export default defineBackground({
  persistent: true,
  main() {
    const ownOrigin = browser.runtime.getURL('/').replace(/\/$/, '');
    const clicks = new ClickLog();
    // Settings changed on the options page: the engine applies them at once.
    const settings = new LiveSettings((s) =>
      toEngine({ target: 'engine', type: 'configure', settings: engineSettings(s) }),
    );
    const notify = (kind: NotifyKind, title: string, message: string, key?: string) =>
      void settings.current().then((s) => s.notifications && show(kind, title, message, key));
    const toEngine = (cmd: EngineCommand) => {
      sendToEngine(cmd).catch((err: unknown) =>
        notify('error', t('noticeEngineFailed'), String(err)),
      );
    };
    const savedFiles = new SavedFiles({
      item: async (id) => {
        // Chromium checks that the file still exists at most every ~10 s (measured): a file
        // deleted just now still counts as there until that check reports it gone.
        const [item] = await browser.downloads.search({ id });
        return item && { id: item.id, state: item.state, exists: item.exists };
      },
      load: async () =>
        ((await browser.storage.local.get(SAVED_KEY))[SAVED_KEY] as
          Record<string, number> | undefined) ?? {},
      store: (all) => browser.storage.local.set({ [SAVED_KEY]: all }),
    });
    const saver = new Saver(
      {
        download: ({ url, filename }) =>
          browser.downloads.download({ url, filename, saveAs: false, conflictAction: 'uniquify' }),
        item: async (id) => {
          const [item] = await browser.downloads.search({ id });
          return item && { url: item.url, state: item.state, error: item.error };
        },
        byUrl: async (url) =>
          (await browser.downloads.search({ url, orderBy: ['startTime'] })).map((i) => ({
            url: i.url,
            state: i.state,
            error: i.error,
          })),
        loadSession: async () =>
          ((await browser.storage.session.get(SAVES_KEY))[SAVES_KEY] as
            Record<string, PendingSave> | undefined) ?? {},
        storeSession: (all) => browser.storage.session.set({ [SAVES_KEY]: all }),
        interrupted: async () =>
          // Filtered here: a search by state missed a download interrupted by a crash.
          (await browser.downloads.search({}))
            .filter((i) => i.state === 'interrupted' && i.url.startsWith(`blob:${ownOrigin}/`))
            .map((i) => ({ id: i.id, url: i.url })),
        discard: async (id) => {
          // Cancelling an interrupted download deletes its partial file.
          await browser.downloads.cancel(id);
          await browser.downloads.erase({ id });
        },
        onDisk: async (s) => (await savedFiles.onDisk(s.infoHash, s.fileIndex)) !== undefined,
        started: (s, id) => savedFiles.record(s.infoHash, s.fileIndex, id),
      },
      toEngine,
    );
    // Saves whose download ended (or never started) while this worker was stopped.
    saver.recover().catch(() => {});
    const addCommand = (url: string): EngineCommand => ({
      target: 'engine',
      type: 'add',
      source: addRequestFor(url),
    });
    const addLink = (url: string) => {
      bumpBadge();
      toEngine(addCommand(url));
    };
    const onEngineEvent = (ev: EngineEvent) => {
      if (ev.type === 'save-file') {
        saver
          .save(ev)
          .catch((err: unknown) => notify('error', t('noticeSavingFailed'), String(err)));
      } else notify(ev.kind, t(ev.title, ...ev.titleArgs), ev.message, ev.key);
    };

    if (import.meta.env.FIREFOX) {
      useLocalEngine(
        onEngineEvent,
        (s) => updateBadge(s.torrents),
        settings.current().then(engineSettings),
      );
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

    // Made at every start: Firefox does not keep a persistent page's menu items across
    // restarts, and re-creating them is harmless on Chrome.
    void browser.contextMenus
      .removeAll()
      .then(() =>
        browser.contextMenus.create({
          id: MENU_ID,
          title: t('menuDownloadWithSwarm'),
          contexts: ['link'],
        }),
      )
      .catch(() => {});

    browser.contextMenus.onClicked.addListener((info) => {
      if (info.menuItemId === MENU_ID && isAcceptedUrl(info.linkUrl)) addLink(info.linkUrl);
    });

    browser.runtime.onMessage.addListener((raw, sender) => {
      if (sender.id !== browser.runtime.id) return undefined;
      const fromExtension = !sender.tab && (sender.url ?? '').startsWith(ownOrigin + '/');
      const fromOwnPage = (sender.url ?? '').startsWith(ownOrigin + '/');
      if (isStateMessage(raw)) return void (fromExtension && updateBadge(raw.torrents));
      const msg = parseBackgroundMessage(raw);
      if (!msg) return undefined;
      switch (msg.type) {
        case 'link-click': {
          // Only content scripts (web pages), never our own pages.
          if (fromOwnPage || !sender.tab) return undefined;
          const pages = [sender.url, sender.tab.url];
          const at = Date.now();
          void settings.current().then((s) => {
            // Interception off, or a never-take site (the content script knows it too).
            if (!takesClicks(s, pages)) return;
            // The background decides what a torrent link is, not the page's process.
            if (msg.torrent && isTorrentLink(msg.url)) addLink(msg.url);
            else if (!isTorrentLink(msg.url)) clicks.record(msg.url, pages, at);
          });
          return undefined;
        }
        case 'get-engine-settings':
          // The engine host asks at its start (the offscreen document has no storage).
          if (!fromExtension) return undefined;
          return settings.current().then(engineSettings);
        case 'save-file':
        case 'notify':
          // Only the engine host (the offscreen document), never a tab.
          if (!fromExtension) return undefined;
          onEngineEvent(msg);
          return undefined;
        case 'files-on-disk':
          if (!fromOwnPage) return undefined;
          return filesOnDisk(savedFiles, msg.infoHash);
        default:
          // Popup commands: our own pages (the popup may be opened in a tab, too).
          if (!fromOwnPage) return undefined;
          return sendToEngine({ ...msg, target: 'engine' } as EngineCommand);
      }
    });

    // Takeover of a page's torrent download (REST-style URLs). onCreated alone serves both
    // browsers: Chromium's and Firefox's items there carry url, referrer and mime, all the
    // rule matches on; Firefox has no onDeterminingFilename and needs none (tested in
    // tests/e2e/links.test.ts in both).
    browser.downloads.onCreated.addListener((item) => {
      if (isOwnDownload(item, ownOrigin) || !isTorrentDownload(item)) return;
      void clicks.takeSoon(item, 1000, Date.now).then(async (click) => {
        // The URL the engine fetches again: after redirects if it is one we accept.
        const url = [item.finalUrl, item.url].find((u) => isAcceptedUrl(u));
        if (!click || !url) return;
        bumpBadge();
        try {
          await sendToEngine(addCommand(url));
        } catch (err) {
          // The engine did not take it: the browser's download goes on, nothing is lost.
          notify('error', t('noticeEngineFailed'), String(err));
          return;
        }
        await browser.downloads.cancel(item.id).catch(() => {});
        // Already finished (a tiny file): remove it from disk instead.
        await browser.downloads.removeFile(item.id).catch(() => {});
        await browser.downloads.erase({ id: item.id }).catch(() => {});
      });
    });

    // A click on a torrent's notification ("Download complete") shows its file.
    browser.notifications.onClicked.addListener((id) => {
      const infoHash = infoHashOfNotification(id);
      if (!infoHash) return;
      void filesOnDisk(savedFiles, infoHash).then(([first]) => {
        if (first) browser.downloads.show(first.downloadId);
      });
    });

    browser.downloads.onChanged.addListener((delta) => {
      void saver.changed(delta.id, delta.state?.current);
    });
  },
});

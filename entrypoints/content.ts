/**
 * Link detection (design.md contract): one capturing click listener on window, no scan of
 * the page. A trusted, unmodified left click on a torrent link is prevented and handed to
 * the extension; other link clicks are reported so the background can take over a
 * browser download of a torrent (REST-style URLs) that this click started.
 */
import { browser } from 'wxt/browser';
import { isTorrentLink } from '@/lib/protocol';
import { DEFAULT_SETTINGS, takesClicks, type Settings } from '@/lib/settings/schema';
import { loadSettings, watchSettings } from '@/lib/settings/store';

/** Interception on/off and the never-take sites: defaults until storage answers. */
let settings: Pick<Settings, 'interceptLinks' | 'neverTakeSites'> = DEFAULT_SETTINGS;

/** This frame's page and the top page (Chromium tells a frame its ancestors' origins). */
function pageUrls(): string[] {
  const ancestors = location.ancestorOrigins;
  return [location.href, ...(ancestors ? [...ancestors] : [])];
}

function linkOf(event: Event): string | null {
  for (const node of event.composedPath()) {
    if (node instanceof HTMLAnchorElement || node instanceof HTMLAreaElement) {
      return node.href || null;
    }
    if (node instanceof SVGAElement) {
      const href = node.href.animVal;
      return href ? new URL(href, document.baseURI).href : null;
    }
  }
  return null;
}

function onClick(event: MouseEvent): void {
  if (!event.isTrusted || event.button !== 0) return;
  if (event.ctrlKey || event.shiftKey || event.altKey || event.metaKey) return;
  const url = linkOf(event);
  if (!url || !takesClicks(settings, pageUrls())) return;
  const torrent = isTorrentLink(url);
  if (!torrent && !/^https?:/i.test(url)) return;
  if (torrent) event.preventDefault();
  browser.runtime
    .sendMessage({ target: 'background', type: 'link-click', url, torrent })
    .catch(() => {
      // The extension was reloaded: this page's script is orphaned; nothing to do.
    });
}

export default defineContentScript({
  matches: ['<all_urls>'],
  runAt: 'document_start',
  allFrames: true,
  main() {
    window.addEventListener('click', onClick, true);
    const use = (s: Settings) => (settings = s);
    loadSettings().then(use, () => {});
    watchSettings(use);
  },
});

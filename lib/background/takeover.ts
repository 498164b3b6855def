/**
 * Takeover rule (design.md): a browser download of a torrent is cancelled and added
 * instead, only when this extension did not start it and a content script saw a trusted,
 * unmodified click on a link to that URL in the last 5 s. A download item has no tab id,
 * so it is matched by its `url` (or `finalUrl`) and `referrer`.
 */
export const CLICK_WINDOW_MS = 5000;

export interface SeenClick {
  url: string;
  /** URLs of the page (frame and tab) the click happened in. */
  pages: string[];
  at: number;
}

export interface DownloadLike {
  url: string;
  finalUrl?: string;
  referrer?: string;
  mime?: string;
  filename?: string;
}

export class ClickLog {
  private clicks: SeenClick[] = [];
  private waiters = new Set<() => void>();

  record(url: string, pages: (string | undefined)[], now: number): void {
    this.prune(now);
    this.clicks.push({ url, pages: referrersOf(pages), at: now });
    if (this.clicks.length > 50) this.clicks.shift();
    for (const w of this.waiters) w();
  }

  /**
   * Like `take`, but waits up to `ms` for the click's message: the content script's
   * message and the browser's download start race each other.
   */
  takeSoon(item: DownloadLike, ms: number, now: () => number): Promise<SeenClick | null> {
    const found = this.take(item, now());
    if (found || ms <= 0) return Promise.resolve(found);
    return new Promise((resolve) => {
      const done = (c: SeenClick | null) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(c);
      };
      const check = () => {
        const c = this.take(item, now());
        if (c) done(c);
      };
      const timer = setTimeout(() => done(null), ms);
      this.waiters.add(check);
    });
  }

  /** The click that explains this download, if any (consumed on match). */
  take(item: DownloadLike, now: number): SeenClick | null {
    this.prune(now);
    const urls = [item.url, item.finalUrl].filter(Boolean);
    const i = this.clicks.findIndex(
      (c) =>
        urls.includes(c.url) &&
        (!item.referrer || c.pages.length === 0 || c.pages.includes(item.referrer)),
    );
    if (i < 0) return null;
    return this.clicks.splice(i, 1)[0] ?? null;
  }

  private prune(now: number): void {
    this.clicks = this.clicks.filter((c) => now - c.at <= CLICK_WINDOW_MS);
  }
}

/**
 * What a download's `referrer` can be for a click on these pages: the page without its
 * fragment (referrers never carry one), or only its origin (a cross-origin link under the
 * default `strict-origin-when-cross-origin` policy).
 */
function referrersOf(pages: (string | undefined)[]): string[] {
  const out = new Set<string>();
  for (const page of pages) {
    try {
      const u = new URL(page ?? '');
      u.hash = '';
      out.add(u.href);
      out.add(u.origin + '/');
    } catch {
      // Not a URL: nothing to match.
    }
  }
  return [...out];
}

/** A download that is a torrent file: its type, or its URL or file name ends in .torrent. */
export function isTorrentDownload(item: DownloadLike): boolean {
  if ((item.mime ?? '').toLowerCase().split(';')[0]!.trim() === 'application/x-bittorrent') {
    return true;
  }
  if (/\.torrent$/i.test(item.filename ?? '')) return true;
  return [item.url, item.finalUrl].some((u) => {
    try {
      return !!u && /\.torrent$/i.test(new URL(u).pathname);
    } catch {
      return false;
    }
  });
}

/** The extension's own downloads: blob URLs of its own origin. */
export function isOwnDownload(item: DownloadLike, extensionOrigin: string): boolean {
  return item.url.startsWith('blob:' + extensionOrigin);
}

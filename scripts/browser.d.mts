// Types for scripts/browser.mjs (plain JavaScript so that `npm start` and the benchmark need no
// build step).
import type { BrowserContext, Page, Worker, chromium } from 'playwright-core';

/** Where `npm run build` puts the Chrome extension (`<repo>/.output/chrome-mv3`). */
export const EXTENSION_DIR: string;

export interface LaunchOptions {
  /** Default: findChromium() (CHROME_PATH or a known location); throws when there is none. */
  executablePath?: string;
  /** The unpacked extension to load. Default: EXTENSION_DIR. */
  extensionDir?: string;
  /**
   * The profile folder (created if missing, kept on close). Default: a fresh temporary folder,
   * named `<profilePrefix>XXXXXX`, deleted on close.
   */
  userDataDir?: string;
  /** Default `swarmlink-profile-`. */
  profilePrefix?: string;
  /** Where downloads are saved (created if missing). Default: `<userDataDir>/downloads`. */
  downloadDir?: string;
  /** Default true. */
  headless?: boolean;
  /** More options for launchPersistentContext (viewport, handleSIGINT…). */
  contextOptions?: Omit<
    NonNullable<Parameters<typeof chromium.launchPersistentContext>[1]>,
    'executablePath' | 'headless' | 'args'
  >;
}

export interface ExtensionBrowser {
  context: BrowserContext;
  /** The extension's service worker. */
  sw: Worker;
  extensionId: string;
  userDataDir: string;
  downloadDir: string;
  /** Chromium's version, as Playwright reports it. */
  version: string;
  /** Opens the popup page in a tab. */
  openPopup(): Promise<Page>;
  /** Closes the offscreen document (the engine host), as a crash would; true if one was open. */
  closeOffscreen(): Promise<boolean>;
  /**
   * Stops the extension's service worker, as Chromium does when it idles (CDP
   * ServiceWorker.stopAllWorkers from a blank page; Target.closeTarget on the worker reports
   * success and leaves it running). The next extension event starts it again, and `sw` then
   * evaluates in the new one.
   */
  stopServiceWorker(): Promise<void>;
  /** Closes the browser, and deletes the profile if it was a temporary one made here. */
  close(): Promise<void>;
}

export function launchExtensionBrowser(opts?: LaunchOptions): Promise<ExtensionBrowser>;

/**
 * Resolves with performance.now() at the first poll (every pollMs, default 100) that sees `path`
 * with exactly `size` bytes; rejects after timeoutMs (default 120 000).
 */
export function waitForFile(
  path: string,
  size: number,
  timeoutMs?: number,
  pollMs?: number,
): Promise<number>;

/** Hex SHA-256 of a file on disk. */
export function sha256File(path: string): Promise<string>;

/** A chrome.downloads.DownloadItem, the fields the tests and the benchmark look at. */
export interface DownloadItem {
  filename: string;
  state: string;
  url: string;
  mime: string;
  bytesReceived: number;
  error?: string;
  startTime: string;
  endTime?: string;
}

/** Every download the browser knows of (chrome.downloads.search from the service worker). */
export function downloadsInBrowser(sw: Worker): Promise<DownloadItem[]>;

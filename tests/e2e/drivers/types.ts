/**
 * What a shared e2e scenario needs from a browser, so that one description of a scenario runs
 * in Chromium (playwright-core, chromium.ts) and in Firefox (puppeteer-core over WebDriver
 * BiDi, firefox.ts). Every browser difference lives in the driver, with its reason there.
 */

/** A tab. */
export interface DriverPage {
  /** Runs `fn(arg)` in the page (serialized: `fn` must not close over anything). */
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  /** A trusted click (real input events) on the first element matching a CSS selector. */
  click(selector: string, opts?: { ctrl?: boolean }): Promise<void>;
  /** A trusted click at viewport coordinates. */
  clickAt(x: number, y: number): Promise<void>;
  /** The page's current URL. */
  url(): Promise<string>;
  close(): Promise<void>;
}

/** A downloads.DownloadItem, the fields the tests look at. */
export interface DriverDownload {
  /** Absolute path on disk. */
  filename: string;
  state: string;
  url: string;
  mime: string;
}

/** One browser with the built extension installed, and a fresh profile and download folder. */
export interface E2EBrowser {
  readonly name: BrowserName;
  /** The browser's own version string. */
  readonly version: string;
  /** Where downloads land (empty at launch; deleted on close). */
  readonly downloadDir: string;
  /** A new tab at `url`, loaded. */
  openPage(url: string): Promise<DriverPage>;
  /** The extension's popup.html in a new tab. */
  openPopup(): Promise<DriverPage>;
  /** Every download the browser knows of (downloads.search from the extension). */
  downloads(): Promise<DriverDownload[]>;
  /**
   * Ends the engine host as the platform can lose it mid-download, and resolves once it is
   * gone: Chromium closes the offscreen document (the next message brings it back);
   * Firefox reloads the background page (which starts the engine again itself).
   */
  killEngineHost(): Promise<void>;
  close(): Promise<void>;
}

export type BrowserName = 'chromium' | 'firefox';

export interface BrowserDriver {
  readonly name: BrowserName;
  launch(): Promise<E2EBrowser>;
}

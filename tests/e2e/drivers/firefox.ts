/**
 * The Firefox driver of the shared scenarios: Debian's firefox-esr driven by puppeteer-core
 * over WebDriver BiDi (Playwright's Firefox is a patched build that cannot be downloaded
 * here), the add-on built by `npm run build:firefox` installed as a temporary add-on, as the
 * README tells users to load it. Everything that differs from Chromium for the tests is here,
 * each with its reason (shared/e2e-recipe.md, section Firefox); the extension's own Firefox
 * branch is in entrypoints/background/index.ts (the background page hosts the engine).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { findFirefox } from '../../../scripts/firefox.mjs';
import { ensureDefaultAddressRoute } from '../../../scripts/netns.mjs';
import type { BrowserDriver, DriverDownload, DriverPage, E2EBrowser } from './types.ts';

/** Where `npm run build:firefox` puts the add-on. */
export const FIREFOX_ADDON_DIR = resolve(import.meta.dirname, '../../../.output/firefox-mv2');
/** wxt.config.ts: browser_specific_settings.gecko.id. */
const GECKO_ID = 'swarmlink@swarmlink.invalid';
/**
 * Firefox gives each installed add-on a random internal UUID (its moz-extension: origin); this
 * one is fixed by the `extensions.webextensions.uuids` pref so that the popup's URL is known.
 */
const ADDON_UUID = '5a4a11e1-f1fe-4f0c-9c3e-5e7eb0a1d0e5';
export const ADDON_ORIGIN = `moz-extension://${ADDON_UUID}`;

function prefs(downloadDir: string): Record<string, unknown> {
  return {
    // Downloads go straight to the test's folder, under their own names, with no dialog:
    // Chromium's profile Preferences do the same in scripts/browser.mjs.
    'browser.download.dir': downloadDir,
    'browser.download.folderList': 2,
    'browser.download.useDownloadDir': true,
    'browser.download.always_ask_before_handling_new_types': false,
    // Firefox's download shelf: the panel would open over the page at every download.
    'browser.download.alwaysOpenPanel': false,
    'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: ADDON_UUID }),
    // WebRTC between peers on one machine, inside the loopback-only namespace: Firefox leaves
    // out loopback candidates unless told, and hides host addresses behind mDNS `.local`
    // names that a Node peer cannot resolve (Chromium: the same two flags in chromium.mjs).
    'media.peerconnection.ice.loopback': true,
    'media.peerconnection.ice.obfuscate_host_addresses': false,
  };
}

/**
 * BiDi's navigation to a moz-extension: page never resolves `page.goto()` (the page does
 * load); the BiDi browsing context's own navigate with wait 'complete' does. Puppeteer's
 * public types do not show that object, hence the cast.
 */
async function navigate(page: Page, url: string): Promise<void> {
  if (!url.startsWith('moz-extension:')) {
    await page.goto(url);
    return;
  }
  const frame = page.mainFrame() as unknown as {
    browsingContext: { navigate(url: string, wait: 'complete'): Promise<unknown> };
  };
  await frame.browsingContext.navigate(url, 'complete');
}

function wrap(page: Page): DriverPage {
  return {
    evaluate: <R, A>(fn: (arg: A) => R | Promise<R>, arg: A) =>
      page.evaluate(fn as (arg: unknown) => R | Promise<R>, arg) as Promise<R>,
    async click(selector, opts) {
      // Puppeteer's click has no modifiers option: hold the key around it.
      if (opts?.ctrl) await page.keyboard.down('Control');
      try {
        await page.click(selector);
      } finally {
        if (opts?.ctrl) await page.keyboard.up('Control');
      }
    },
    clickAt: (x, y) => page.mouse.click(x, y),
    url: () => Promise.resolve(page.url()),
    close: () => page.close(),
  };
}

async function openTab(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage();
  await navigate(page, url);
  return page;
}

export const firefoxDriver: BrowserDriver = {
  name: 'firefox',
  async launch(): Promise<E2EBrowser> {
    const executablePath = findFirefox();
    if (!executablePath) throw new Error('Firefox not found: apt-get install firefox-esr');
    // Without a route to its default-address probe Firefox gathers no ICE candidate inside
    // the loopback-only namespace (scripts/netns.mjs): npm test's namespace has it; a
    // namespace made by hand gets it here.
    ensureDefaultAddressRoute();
    const downloadDir = await mkdtemp(join(tmpdir(), 'swarmlink-e2e-ff-'));
    const removeDir = () => rm(downloadDir, { recursive: true, force: true, maxRetries: 5 });
    let browser: Browser;
    try {
      browser = await puppeteer.launch({
        browser: 'firefox',
        executablePath,
        headless: true,
        // Without it BiDi refuses to navigate to moz-extension: pages.
        args: ['--remote-allow-system-access'],
        extraPrefsFirefox: prefs(downloadDir),
      });
    } catch (err) {
      await removeDir();
      throw err;
    }
    try {
      // A temporary add-on, as about:debugging's "Load Temporary Add-on" installs it.
      await browser.installExtension(FIREFOX_ADDON_DIR);
      const version = await browser.version();
      // An extension page kept open to reach the WebExtension APIs: BiDi cannot evaluate in
      // the background page itself, but an extension page can (runtime.getBackgroundPage).
      let control: Promise<Page> | undefined;
      const inExtension = async <R>(fn: () => Promise<R>): Promise<R> => {
        control ??= openTab(browser, `${ADDON_ORIGIN}/popup.html`);
        return (await control).evaluate(fn) as Promise<R>;
      };
      return {
        name: 'firefox',
        version,
        downloadDir,
        openPage: async (url) => wrap(await openTab(browser, url)),
        openPopup: async () => wrap(await openTab(browser, `${ADDON_ORIGIN}/popup.html`)),
        downloads: () =>
          inExtension(async () => {
            const api = (globalThis as unknown as { browser: FirefoxApis }).browser;
            return (await api.downloads.search({})).map((i) => ({
              filename: i.filename,
              state: i.state,
              url: i.url,
              mime: i.mime,
            }));
          }),
        async killEngineHost() {
          // Firefox has no offscreen document: the persistent background page hosts the
          // engine, and reloading it is how it dies mid-download (as in an add-on update or a
          // crash of its process). Resolves once the old page is gone and the new one loaded.
          await inExtension(async () => {
            const api = (globalThis as unknown as { browser: FirefoxApis }).browser;
            const bg = (await api.runtime.getBackgroundPage()) as Window & { e2eMark?: 1 };
            bg.e2eMark = 1;
            bg.location.reload();
            for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
              await new Promise((r) => setTimeout(r, 50));
              const now = (await api.runtime.getBackgroundPage().catch(() => null)) as
                (Window & { e2eMark?: 1 }) | null;
              if (now && !now.e2eMark && now.document.readyState === 'complete') return;
            }
            throw new Error('the background page did not load again within 20 s');
          });
        },
        async close() {
          await browser.close();
          await removeDir();
        },
      };
    } catch (err) {
      await browser.close().catch(() => {});
      await removeDir();
      throw err;
    }
  },
};

/** The parts of Firefox's `browser.*` the driver calls inside extension pages. */
interface FirefoxApis {
  downloads: { search(q: object): Promise<DriverDownload[]> };
  runtime: { getBackgroundPage(): Promise<Window> };
}

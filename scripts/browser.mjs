// Real Chromium with the built extension (shared/e2e-recipe.md), for the e2e tests
// (tests/e2e/harness.ts), the benchmark (scripts/bench/browser.mjs) and `npm start`: a profile
// whose downloads land in a real folder under their real names, the extension's service worker
// and id, and the offscreen document within reach. Types: browser.d.mts.
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';
import { CHROMIUM_BASE_ARGS, findChromium } from './chromium.mjs';

/** Where `npm run build` puts the Chrome extension. */
export const EXTENSION_DIR = resolve(import.meta.dirname, '../.output/chrome-mv3');

/**
 * Chromium reads the download folder from the profile; with `Browser.setDownloadBehavior`
 * 'default' (below) Playwright then leaves downloads to it.
 * @param {string} userDataDir @param {string} downloadDir
 */
async function writeProfile(userDataDir, downloadDir) {
  await mkdir(join(userDataDir, 'Default'), { recursive: true });
  await mkdir(downloadDir, { recursive: true });
  await writeFile(
    join(userDataDir, 'Default', 'Preferences'),
    JSON.stringify({
      download: {
        default_directory: downloadDir,
        prompt_for_download: false,
        directory_upgrade: true,
      },
    }),
  );
}

/**
 * Launches Chromium with the unpacked extension and waits for its service worker.
 * @param {import('./browser.d.mts').LaunchOptions} [opts]
 * @returns {Promise<import('./browser.d.mts').ExtensionBrowser>}
 */
export async function launchExtensionBrowser(opts = {}) {
  const executablePath = opts.executablePath ?? findChromium();
  if (!executablePath)
    throw new Error('Chromium not found: apt-get install chromium, or set CHROME_PATH');
  const extensionDir = opts.extensionDir ?? EXTENSION_DIR;
  const ownProfile = !opts.userDataDir;
  const userDataDir =
    opts.userDataDir ?? (await mkdtemp(join(tmpdir(), opts.profilePrefix ?? 'swarmlink-profile-')));
  const downloadDir = opts.downloadDir ?? join(userDataDir, 'downloads');
  const removeProfile = () =>
    ownProfile ? rm(userDataDir, { recursive: true, force: true, maxRetries: 5 }) : undefined;

  /** @type {import('playwright-core').BrowserContext} */
  let context;
  try {
    await writeProfile(userDataDir, downloadDir);
    context = await chromium.launchPersistentContext(userDataDir, {
      ...opts.contextOptions,
      executablePath,
      headless: opts.headless ?? true,
      args: [
        ...CHROMIUM_BASE_ARGS,
        `--disable-extensions-except=${extensionDir}`,
        `--load-extension=${extensionDir}`,
      ],
    });
  } catch (err) {
    await removeProfile();
    throw err;
  }
  try {
    const browser = context.browser();
    if (browser) {
      const cdp = await browser.newBrowserCDPSession();
      await cdp.send('Browser.setDownloadBehavior', { behavior: 'default' });
    }
    const sw = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
    const extensionId = new URL(sw.url()).host;
    return {
      context,
      sw,
      extensionId,
      userDataDir,
      downloadDir,
      version: browser?.version() ?? '',
      async openPopup() {
        const page = await context.newPage();
        await page.goto(`chrome-extension://${extensionId}/popup.html`);
        return page;
      },
      async closeOffscreen() {
        const cdp = await /** @type {import('playwright-core').Browser} */ (
          context.browser()
        ).newBrowserCDPSession();
        const { targetInfos } = await cdp.send('Target.getTargets');
        const doc = targetInfos.find((t) => t.url.endsWith('/offscreen.html'));
        if (doc) await cdp.send('Target.closeTarget', { targetId: doc.targetId });
        await cdp.detach();
        return !!doc;
      },
      async stopServiceWorker() {
        const page = await context.newPage();
        try {
          const cdp = await context.newCDPSession(page);
          await cdp.send('ServiceWorker.enable');
          await cdp.send('ServiceWorker.stopAllWorkers');
          await cdp.detach();
        } finally {
          await page.close();
        }
      },
      async close() {
        await context.close();
        await removeProfile();
      },
    };
  } catch (err) {
    await context.close().catch(() => {});
    await removeProfile();
    throw err;
  }
}

/**
 * Resolves with performance.now() at the first poll that sees `path` with exactly `size` bytes
 * (Chromium writes `Unconfirmed NNN.crdownload` and renames it to the final name at the end).
 * @param {string} path @param {number} size
 */
export async function waitForFile(path, size, timeoutMs = 120_000, pollMs = 100) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const s = await stat(path).catch(() => null);
    if (s && s.size === size) return performance.now();
    if (performance.now() > deadline) {
      throw new Error(`${path} did not appear with ${size} bytes (has ${s?.size ?? 'nothing'})`);
    }
    await sleep(pollMs);
  }
}

/** Hex SHA-256 of a file on disk. @param {string} path */
export async function sha256File(path) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
    hash.update(chunk);
  }
  return hash.digest('hex');
}

/**
 * Every download the browser knows of (chrome.downloads.search from the service worker).
 * @param {import('playwright-core').Worker} sw
 */
export function downloadsInBrowser(sw) {
  return sw.evaluate(async () => {
    const api = /** @type {any} */ (globalThis).chrome;
    /** @type {import('./browser.d.mts').DownloadItem[]} */
    const items = await api.downloads.search({});
    return items.map((i) => ({
      filename: i.filename,
      state: i.state,
      url: i.url,
      mime: i.mime,
      bytesReceived: i.bytesReceived,
      error: i.error,
      startTime: i.startTime,
      endTime: i.endTime,
    }));
  });
}

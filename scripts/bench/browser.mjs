// Real Chromium with the built extension, for the benchmark (the same launch as
// tests/e2e/harness.ts, in plain JavaScript): a fresh profile whose downloads land in a real
// folder under their real names, the extension's service worker, and the browser's pid.
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';
import { CHROMIUM_BASE_ARGS } from '../chromium.mjs';
import { findBrowserPid } from './memory.mjs';

/**
 * @param {{ executablePath: string, extensionDir: string, workDir: string }} opts
 * workDir: an empty folder that will hold the profile and the downloads.
 */
export async function launchBrowser({ executablePath, extensionDir, workDir }) {
  const userDataDir = join(workDir, 'profile');
  const downloadDir = join(workDir, 'downloads');
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
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: [
      ...CHROMIUM_BASE_ARGS,
      `--disable-extensions-except=${extensionDir}`,
      `--load-extension=${extensionDir}`,
    ],
  });
  try {
    const browser = context.browser();
    if (browser) {
      const cdp = await browser.newBrowserCDPSession();
      await cdp.send('Browser.setDownloadBehavior', { behavior: 'default' });
    }
    const sw = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
    const extensionId = new URL(sw.url()).host;
    const browserPid = await findBrowserPid(userDataDir);
    return {
      context,
      sw,
      extensionId,
      userDataDir,
      downloadDir,
      browserPid,
      version: browser?.version() ?? '',
      close: () => context.close(),
    };
  } catch (err) {
    await context.close().catch(() => {});
    throw err;
  }
}

/**
 * Waits until the extension's offscreen document (the engine host) exists.
 * @param {import('playwright-core').Worker} sw
 */
export async function waitForOffscreen(sw, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = await sw.evaluate(async () => {
      const api = /** @type {any} */ (globalThis).chrome;
      const contexts = await api.runtime.getContexts({ contextTypes: ['OFFSCREEN_DOCUMENT'] });
      return contexts.length;
    });
    if (n > 0) return;
    if (Date.now() > deadline) throw new Error('the offscreen document did not appear');
    await sleep(100);
  }
}

/**
 * Resolves with performance.now() at the first poll that sees `path` with exactly `size` bytes
 * (Chromium writes `Unconfirmed NNN.crdownload` and renames it to the final name at the end).
 * @param {string} path @param {number} size @param {number} timeoutMs
 */
export async function waitForFile(path, size, timeoutMs, pollMs = 20) {
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

/** @param {import('playwright-core').Worker} sw */
export function downloadsInBrowser(sw) {
  return sw.evaluate(async () => {
    const api = /** @type {any} */ (globalThis).chrome;
    /** @type {{ filename: string, state: string, url: string, bytesReceived: number, error?: string, startTime: string, endTime?: string }[]} */
    const items = await api.downloads.search({});
    return items.map((i) => ({
      filename: i.filename,
      state: i.state,
      url: i.url.slice(0, 120),
      bytesReceived: i.bytesReceived,
      error: i.error,
      startTime: i.startTime,
      endTime: i.endTime,
    }));
  });
}

/**
 * What the popup shows (name and progress of each torrent): for diagnostics when a run fails.
 * @param {import('playwright-core').BrowserContext} context @param {string} extensionId
 */
export async function popupState(context, extensionId) {
  const page = await context.newPage();
  try {
    await page.goto(`chrome-extension://${extensionId}/popup.html`);
    await sleep(500);
    return await page.evaluate(() =>
      [.../** @type {any} */ (globalThis).document.querySelectorAll('[role="progressbar"]')].map(
        (/** @type {any} */ el) =>
          `${el.getAttribute('aria-label')}: ${el.getAttribute('aria-valuenow')}% — ${(
            el.closest('[role="listitem"], li')?.textContent ?? ''
          )
            .replace(/\s+/g, ' ')
            .slice(0, 200)}`,
      ),
    );
  } finally {
    await page.close().catch(() => {});
  }
}

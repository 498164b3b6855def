// Real Chromium with the built extension, for the benchmark: the shared launch (scripts/browser.mjs,
// also used by the e2e tests and `npm start`) in a fresh profile under a work folder, plus the
// browser's pid for memory sampling.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { downloadsInBrowser as allDownloads, launchExtensionBrowser } from '../browser.mjs';
import { findBrowserPid } from './memory.mjs';

/**
 * @param {{ executablePath: string, extensionDir: string, workDir: string }} opts
 * workDir: an empty folder that will hold the profile and the downloads.
 */
export async function launchBrowser({ executablePath, extensionDir, workDir }) {
  const b = await launchExtensionBrowser({
    executablePath,
    extensionDir,
    userDataDir: join(workDir, 'profile'),
    downloadDir: join(workDir, 'downloads'),
  });
  try {
    return { ...b, browserPid: await findBrowserPid(b.userDataDir) };
  } catch (err) {
    await b.close().catch(() => {});
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
 * The browser's downloads, as the benchmark records them (URLs cut short: they may be blob: or
 * data: URLs).
 * @param {import('playwright-core').Worker} sw
 */
export async function downloadsInBrowser(sw) {
  return (await allDownloads(sw)).map((i) => ({
    filename: i.filename,
    state: i.state,
    url: i.url.slice(0, 120),
    bytesReceived: i.bytesReceived,
    error: i.error,
    startTime: i.startTime,
    endTime: i.endTime,
  }));
}

/**
 * What the popup shows (name and progress of each torrent): for diagnostics when a run fails.
 * @param {{ openPopup(): Promise<import('playwright-core').Page> }} browser
 */
export async function popupState(browser) {
  const page = await browser.openPopup();
  try {
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

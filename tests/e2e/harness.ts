/**
 * Real Chromium with the built extension (shared/e2e-recipe.md): downloads go to a real
 * folder with their real names, the service worker and offscreen document are reachable.
 */
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page, type Worker } from 'playwright-core';
import { CHROMIUM_BASE_ARGS, findChromium } from '../../scripts/chromium.mjs';

export const EXTENSION_DIR = resolve(import.meta.dirname, '../../.output/chrome-mv3');

export interface ExtensionBrowser {
  context: BrowserContext;
  sw: Worker;
  extensionId: string;
  downloadDir: string;
  userDataDir: string;
  /** Opens the popup page in a tab. */
  openPopup(): Promise<Page>;
  /** Closes the offscreen document (the engine host), as a crash would; true if one was open. */
  closeOffscreen(): Promise<boolean>;
  close(): Promise<void>;
}

export async function launchWithExtension(): Promise<ExtensionBrowser> {
  const executablePath = findChromium();
  if (!executablePath)
    throw new Error('Chromium not found: apt-get install chromium, or set CHROME_PATH');
  const userDataDir = await mkdtemp(join(tmpdir(), 'swarmlink-e2e-'));
  const downloadDir = join(userDataDir, 'downloads');
  await mkdir(join(userDataDir, 'Default'), { recursive: true });
  await mkdir(downloadDir);
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
      `--disable-extensions-except=${EXTENSION_DIR}`,
      `--load-extension=${EXTENSION_DIR}`,
    ],
  });
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
    downloadDir,
    userDataDir,
    async openPopup() {
      const page = await context.newPage();
      await page.goto(`chrome-extension://${extensionId}/popup.html`);
      return page;
    },
    async closeOffscreen() {
      const cdp = await context.browser()!.newBrowserCDPSession();
      const { targetInfos } = await cdp.send('Target.getTargets');
      const doc = targetInfos.find((t) => t.url.endsWith('/offscreen.html'));
      if (doc) await cdp.send('Target.closeTarget', { targetId: doc.targetId });
      await cdp.detach();
      return !!doc;
    },
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Resolves when `path` exists with exactly `size` bytes (Chromium renames at the end). */
export async function waitForFile(path: string, size: number, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await stat(path).catch(() => null);
    if (s && s.size === size) return;
    if (Date.now() > deadline) {
      throw new Error(`${path} did not appear with ${size} bytes (has ${s?.size ?? 'nothing'})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Downloads the extension has seen, from the service worker (downloads.search). */
export async function downloadsInBrowser(
  sw: Worker,
): Promise<{ filename: string; state: string; url: string; mime: string }[]> {
  return sw.evaluate(async () => {
    type Item = { filename: string; state: string; url: string; mime: string };
    const api = (
      globalThis as unknown as { chrome: { downloads: { search(q: object): Promise<Item[]> } } }
    ).chrome;
    const items = await api.downloads.search({});
    return items.map((i) => ({ filename: i.filename, state: i.state, url: i.url, mime: i.mime }));
  });
}

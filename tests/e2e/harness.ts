/**
 * Real Chromium with the built extension (shared/e2e-recipe.md): downloads go to a real
 * folder with their real names, the service worker and offscreen document are reachable.
 * The launch itself is scripts/browser.mjs, shared with `npm start` and the benchmark.
 */
import type { Page, Worker } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { startDemo, type Demo } from '../../demo/server.mjs';
import {
  EXTENSION_DIR,
  downloadsInBrowser as allDownloads,
  launchExtensionBrowser,
  sha256File,
  waitForFile as waitForFileSince,
  type ExtensionBrowser as LaunchedBrowser,
} from '../../scripts/browser.mjs';

export { EXTENSION_DIR, sha256File };

export type ExtensionBrowser = Pick<
  LaunchedBrowser,
  | 'context'
  | 'sw'
  | 'extensionId'
  | 'downloadDir'
  | 'userDataDir'
  | 'openPopup'
  | 'closeOffscreen'
  | 'stopServiceWorker'
  | 'close'
>;

/**
 * A fresh temporary profile (deleted on close) whose downloads go to `<profile>/downloads`.
 * `language` sets the browser's UI language (Chromium on Linux takes it from `LANGUAGE`; it
 * needs that language's pack, Debian's chromium-l10n).
 */
export function launchWithExtension(opts: { language?: string } = {}): Promise<ExtensionBrowser> {
  return launchExtensionBrowser({
    profilePrefix: 'swarmlink-e2e-',
    ...(opts.language && { contextOptions: { env: { ...process.env, LANGUAGE: opts.language } } }),
  });
}

/**
 * Resolves when `path` exists with exactly `size` bytes (Chromium renames at the end), with
 * performance.now() at that moment.
 */
export function waitForFile(path: string, size: number, timeoutMs = 120_000): Promise<number> {
  return waitForFileSince(path, size, timeoutMs);
}

/** Downloads the extension has seen, from the service worker (downloads.search). */
export async function downloadsInBrowser(
  sw: Worker,
): Promise<{ filename: string; state: string; url: string; mime: string }[]> {
  return (await allDownloads(sw)).map((i) => ({
    filename: i.filename,
    state: i.state,
    url: i.url,
    mime: i.mime,
  }));
}

/** The options page (`options.html`) in a tab, once its form is there. */
export async function openOptions(b: ExtensionBrowser): Promise<Page> {
  const page = await b.context.newPage();
  await page.goto(`chrome-extension://${b.extensionId}/options.html`);
  await page.getByRole('button', { name: 'Save' }).waitFor();
  return page;
}

/**
 * The hooks of a test file whose tests each want a clean slate: one demo server (4 MiB) for
 * the file, and per test a fresh browser (profile, download folder, engine) with the demo's
 * rate limit and faults reset. Read `env.demo` and `env.b` inside tests and helpers.
 */
export function useDemoAndBrowser(): { demo: Demo; b: ExtensionBrowser } {
  const env = {} as { demo: Demo; b: ExtensionBrowser };
  beforeAll(async () => {
    env.demo = await startDemo({ mib: 4 });
  });
  afterAll(async () => {
    await env.demo?.close();
  });
  beforeEach(async () => {
    env.demo.setRateLimit(0);
    env.demo.setFault(null);
    env.b = await launchWithExtension();
  });
  afterEach(async () => {
    env.demo.setFault(null);
    await env.b?.close();
  });
  return env;
}

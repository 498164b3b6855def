/**
 * Verified pieces persist: when the engine host dies mid-download (Chromium: the offscreen
 * document is closed; Firefox: the background page is reloaded), the next start resumes
 * from what was verified instead of starting over, and the file is saved once; in every
 * browser (drivers/). Chromium only: when the service worker is stopped (as Chromium does
 * when it idles), the engine goes on and the file is still saved, once.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { downloadsInBrowser, sha256File, useDemoAndBrowser, waitForFile } from './harness.ts';
import { DRIVERS, Popup, useDemoIn } from './drivers/index.ts';

for (const driver of DRIVERS) {
  describe(`${driver.name}: resume`, () => {
    // No test sees another's torrents: a fresh browser per test.
    const env = useDemoIn(driver, 'test');

    it('resumes a download after the engine host was killed, without fetching it all again, and saves it once', async () => {
      const f = env.demo.torrents.single.files[0]!;
      const name = env.demo.torrents.single.name;
      env.demo.setRateLimit(1024 * 1024);
      env.demo.resetStats();
      const page = await env.b.openPage(env.demo.blogUrl);
      await page.click('#link-single');
      let popup = new Popup(await env.b.openPopup());
      await expect.poll(() => popup.progress(name), { timeout: 20_000 }).toBeGreaterThanOrEqual(40);
      const verifiedBefore = await popup.progress(name);
      await popup.close();

      await env.b.killEngineHost();
      // Counted by what is asked for, not by what is sent: the dead engine's responses go on
      // into their sockets until the server notices, faster once the limit is lifted.
      const requestedBefore = env.demo.stats().seedBytesRequested;
      env.demo.setRateLimit(0);
      // Opening the popup asks the background for the state, which brings the engine back
      // (Chromium; Firefox's reloaded background page started it already).
      popup = new Popup(await env.b.openPopup());
      await expect.poll(() => popup.item(name), { timeout: 20_000 }).toBeDefined();
      const path = join(env.b.downloadDir, f.path);
      await waitForFile(path, f.length);
      expect(await sha256File(path)).toBe(f.sha256);
      await expect.poll(() => popup.progress(name)).toBe(100);
      // What was verified before the crash was not fetched again. Allowance: the bitfield is
      // persisted in batches (up to 200 ms of pieces) and pieces in flight are lost.
      const refetched = env.demo.stats().seedBytesRequested - requestedBefore;
      const slack = 1024 * 1024;
      expect(refetched).toBeLessThan((f.length * (100 - verifiedBefore)) / 100 + slack);
      expect(refetched).toBeLessThan(f.length);

      // The save was recorded: after another restart the engine does not save it again.
      const text = async () => (await popup.item(name))?.text;
      await expect.poll(text).toContain('saved');
      await popup.close();
      await env.b.killEngineHost();
      popup = new Popup(await env.b.openPopup());
      await expect.poll(text, { timeout: 20_000 }).toContain('saved');
      expect(await readdir(env.b.downloadDir)).toEqual([f.path]);
      await popup.close();
      await page.close();
    });
  });
}

describe('chromium: resume after the service worker stops', () => {
  // No test sees another's torrents: a fresh browser per test.
  const env = useDemoAndBrowser();

  it('goes on when the service worker is stopped mid-download, and saves the file once', async () => {
    const name = env.demo.torrents.multi.name;
    env.demo.setRateLimit(1024 * 1024);
    env.demo.resetStats();
    const page = await env.b.context.newPage();
    await page.goto(env.demo.blogUrl);
    await page.click('#link-multi');
    // The download is under way (part of it served) before the worker goes.
    await expect.poll(() => env.demo.stats().seedBytes).toBeGreaterThan(512 * 1024);
    // A mark in the worker's global scope: gone once it has been stopped and started again.
    await env.b.sw.evaluate(() => ((globalThis as { mark?: number }).mark = 1));
    await env.b.stopServiceWorker();
    env.demo.setRateLimit(0);

    // The engine (offscreen document) went on; its save request woke the worker again.
    for (const file of env.demo.torrents.multi.files) {
      const path = join(env.b.downloadDir, file.path);
      await waitForFile(path, file.length);
      expect(await sha256File(path)).toBe(file.sha256);
    }
    const popup = await env.b.openPopup();
    const bar = popup.getByRole('progressbar', { name });
    await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow'))).toBe(100);
    const item = popup.getByRole('listitem').filter({ has: bar });
    await expect.poll(() => item.textContent()).toContain('saved');
    // Each file once: a second save would have landed as "<name> (1)".
    expect(await env.b.sw.evaluate(() => (globalThis as { mark?: number }).mark)).toBeUndefined();
    const saved = (await downloadsInBrowser(env.b.sw)).filter((d) => d.state === 'complete');
    expect(saved.map((d) => d.filename).sort()).toEqual(
      env.demo.torrents.multi.files.map((x) => join(env.b.downloadDir, x.path)).sort(),
    );
  });
});

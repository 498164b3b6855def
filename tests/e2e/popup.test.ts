/**
 * The popup as a user sees it: rates only while something moves, plain-language errors,
 * a stuck torrent that says why and offers a way out, the Remove dialog as a real modal,
 * and dark mode.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useDemoAndBrowser, waitForFile } from './harness.ts';

const env = useDemoAndBrowser();

type Chrome = { action: { getBadgeText(d: object): Promise<string> } };
const badge = () =>
  env.b.sw.evaluate(() =>
    (globalThis as unknown as { chrome: Chrome }).chrome.action.getBadgeText({}),
  );

/** Opens the blog, adds a link to `href` at its top, and clicks it (a trusted click). */
async function clickLink(href: string): Promise<Page> {
  const page = await env.b.context.newPage();
  await page.goto(env.demo.blogUrl);
  await page.evaluate((h) => {
    const a = document.createElement('a');
    a.id = 'test-link';
    a.href = h;
    a.textContent = 'test link';
    document.body.prepend(a);
  }, href);
  await page.click('#test-link');
  return page;
}

const itemOf = (popup: Page, name: string) =>
  popup.getByRole('list', { name: 'Torrents' }).getByRole('listitem', { name });

/** Starts the single-file torrent from the blog at `rate` bytes/s; the popup and its item. */
async function startSingle(rate: number) {
  env.demo.setRateLimit(rate);
  const page = await env.b.context.newPage();
  await page.goto(env.demo.blogUrl);
  await page.click('#link-single');
  const popup = await env.b.openPopup();
  return { popup, item: itemOf(popup, env.demo.torrents.single.name) };
}

describe('popup', () => {
  it('shows size, rates and time left while downloading, and no rates when paused or done', async () => {
    const { item } = await startSingle(256 * 1024);
    await expect.poll(() => item.textContent(), { timeout: 15_000 }).toMatch(/↓ [\d.]+ KiB\/s/);
    const text = (await item.textContent()) ?? '';
    expect(text).toMatch(/of 4\.0 MiB/);
    expect(text).toMatch(/\d+ (s|min) left/);
    expect(text).toContain('Web server 127.0.0.1');

    await item.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(() => item.textContent()).toContain('Paused');
    expect(await item.textContent()).not.toMatch(/[↓↑]|left/);

    await item.getByRole('button', { name: 'Resume' }).click();
    env.demo.setRateLimit(0);
    const f = env.demo.torrents.single.files[0]!;
    await waitForFile(join(env.b.downloadDir, f.path), f.length);
    await expect.poll(() => item.textContent()).toMatch(/Done|Seeding/);
    await expect.poll(() => item.textContent()).not.toMatch(/↓|left/);
  });

  it('says errors in plain words, with the technical detail on demand', async () => {
    await clickLink(env.demo.loginPageTorrentUrl);
    await clickLink(`${env.demo.url}/torrents/gone.torrent`);
    const popup = await env.b.openPopup();
    const page = itemOf(popup, 'redirected.torrent');
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toBe('This link gave a web page, not a torrent file (are you logged in?)');
    await page.getByText('Details').click();
    expect(await page.locator('code').textContent()).toMatch(/text\/html/);
    const gone = itemOf(popup, 'gone.torrent');
    await expect
      .poll(() => gone.getByRole('alert').textContent())
      .toBe('The server no longer has this file (404)');
  });

  it('a torrent with no source says why, offers the magnet link, and leaves the badge', async () => {
    const infoHash = 'ab'.repeat(20);
    const magnet = `magnet:?xt=urn:btih:${infoHash}&dn=lonely.bin`;
    const page = await clickLink(magnet);
    const popup = await env.b.openPopup();
    const item = itemOf(popup, 'lonely.bin');
    // The default trackers cannot be reached here (loopback only), and there is no web seed.
    await expect.poll(() => item.textContent(), { timeout: 10_000 }).toContain('No source:');
    expect(await item.textContent()).toContain('not reachable');
    await expect.poll(badge, { timeout: 5000 }).toBe('');

    await item.getByRole('button', { name: 'Copy magnet link' }).click();
    await expect.poll(() => item.getByRole('status').textContent()).toBe('Magnet link copied');
    // Read back from a web page (permissions cannot be granted to an extension's origin).
    await env.b.context.grantPermissions(['clipboard-read'], { origin: env.demo.url });
    await page.bringToFront();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(magnet);
    await popup.bringToFront();
    const open = item.getByRole('link', { name: 'Open in torrent app' });
    expect(await open.getAttribute('href')).toBe(magnet);

    // Retry starts the wait again: not stuck at once, stuck again after a while.
    await item.getByRole('button', { name: 'Retry' }).click();
    await expect.poll(() => item.textContent()).not.toContain('No source:');
    await expect.poll(() => item.textContent(), { timeout: 10_000 }).toContain('No source:');
  });

  it('the Remove dialog is a modal: focus inside, Tab trapped, Escape cancels, focus back', async () => {
    const { popup, item } = await startSingle(64 * 1024);
    const remove = item.getByRole('button', { name: 'Remove' });
    await remove.click();
    const dialog = popup.getByRole('dialog');
    const focusedName = () => popup.evaluate(() => document.activeElement?.textContent ?? '');
    expect(await focusedName()).toBe('Keep data');
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      await popup.keyboard.press('Tab');
      seen.push(await focusedName());
    }
    expect(seen).toEqual(['Delete data', 'Cancel', 'Keep data', 'Delete data']);
    await popup.keyboard.press('Shift+Tab');
    await popup.keyboard.press('Shift+Tab');
    expect(await focusedName()).toBe('Cancel');
    await popup.keyboard.press('Escape');
    expect(await dialog.count()).toBe(0);
    expect(await remove.evaluate((el) => el === document.activeElement)).toBe(true);
    // Nothing was removed.
    expect(await item.count()).toBe(1);
  });

  it('follows the dark colour scheme', async () => {
    const popup = await env.b.openPopup();
    const colours = () =>
      popup.evaluate(() => {
        const s = getComputedStyle(document.body);
        return `${s.color} on ${s.backgroundColor}`;
      });
    await popup.emulateMedia({ colorScheme: 'light' });
    const light = await colours();
    await popup.emulateMedia({ colorScheme: 'dark' });
    const dark = await colours();
    expect(light).toBe('rgb(17, 17, 17) on rgb(255, 255, 255)');
    expect(dark).not.toBe(light);
  });
});

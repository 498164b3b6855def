/**
 * What the user sees besides the saved file: badge and notifications at once on a click,
 * an error item when the web seed fails, and torrents fetched with the reader's cookies.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256File, useDemoAndBrowser, waitForFile } from './harness.ts';

// No test sees another's torrents: a fresh browser per test.
const env = useDemoAndBrowser();

type Chrome = {
  action: { getBadgeText(d: object): Promise<string> };
  notifications: { getAll(): Promise<Record<string, boolean>> };
};

const badge = () =>
  env.b.sw.evaluate(() =>
    (globalThis as unknown as { chrome: Chrome }).chrome.action.getBadgeText({}),
  );
/** Swarmlink's notifications on screen (one per torrent: `swarmlink-<infohash>`). */
const notifications = () =>
  env.b.sw.evaluate(async () => {
    const all = await (globalThis as unknown as { chrome: Chrome }).chrome.notifications.getAll();
    return Object.keys(all).filter((id) => id.startsWith('swarmlink-'));
  });

describe('feedback', () => {
  it('shows a badge count and an "Added" notification as soon as a link is taken', async () => {
    env.demo.setRateLimit(512 * 1024);
    const page = await env.b.context.newPage();
    await page.goto(env.demo.blogUrl);
    await page.click('#link-single');
    await expect.poll(badge, { timeout: 5000 }).toBe('1');
    const one = [`swarmlink-${env.demo.torrents.single.infoHash}`];
    await expect.poll(notifications, { timeout: 5000 }).toEqual(one);
    env.demo.setRateLimit(0);
    const f = env.demo.torrents.single.files[0]!;
    await waitForFile(join(env.b.downloadDir, f.path), f.length);
    // Finished: nothing is downloading any more.
    await expect.poll(badge).toBe('');
    // "Download complete" replaced "Added": still one notification for the torrent.
    await expect.poll(notifications).toEqual(one);
  });

  it('shows a failing web seed as an error item, with a notification', async () => {
    env.demo.setFault({ status: 404 });
    const page = await env.b.context.newPage();
    await page.goto(env.demo.blogUrl);
    expect(await notifications()).toEqual([]);
    await page.click('#link-single');
    const popup = await env.b.openPopup();
    const item = popup
      .getByRole('list', { name: 'Torrents' })
      .getByRole('listitem')
      .filter({ hasText: env.demo.torrents.single.name });
    await expect.poll(() => item.getByRole('alert').textContent()).toMatch(/404/);
    await expect.poll(async () => (await notifications()).length).toBeGreaterThanOrEqual(1);
    // Once the seed is back, Resume finishes the download.
    env.demo.setFault(null);
    await item.getByRole('button', { name: 'Resume' }).click();
    const f = env.demo.torrents.single.files[0]!;
    const path = join(env.b.downloadDir, f.path);
    await waitForFile(path, f.length);
    expect(await sha256File(path)).toBe(f.sha256);
  });

  it("fetches the .torrent with the reader's cookies (sites that need a login)", async () => {
    const page = await env.b.context.newPage();
    await page.goto(env.demo.membersLoginUrl);
    expect(page.url()).toBe(env.demo.blogUrl);
    await page.click('#link-members');
    const f = env.demo.torrents.single.files[0]!;
    const path = join(env.b.downloadDir, f.path);
    await waitForFile(path, f.length);
    expect(await sha256File(path)).toBe(f.sha256);
  });

  it('without the login cookie the members torrent fails visibly', async () => {
    const page = await env.b.context.newPage();
    await page.goto(env.demo.blogUrl);
    await page.click('#link-members');
    const popup = await env.b.openPopup();
    const item = popup.getByRole('listitem').filter({ hasText: 'sample.torrent' });
    await expect.poll(() => item.getByRole('alert').textContent()).toMatch(/403/);
  });
});

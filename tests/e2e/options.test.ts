/**
 * The options page: settings saved there take effect at once, with no restart of the
 * browser or the engine: a lower seeding limit ends seeding, a never-take site keeps the
 * browser's own click, and bad input is refused without losing what was typed.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { downloadsInBrowser, openOptions, useDemoAndBrowser, waitForFile } from './harness.ts';

const env = useDemoAndBrowser();

type Runtime = { runtime: { sendMessage(m: object): Promise<unknown> } };

/** The engine's torrents, asked the way the popup asks (from an extension page). */
const engineTorrents = (page: Page) =>
  page.evaluate(
    () =>
      (globalThis as unknown as { chrome: Runtime }).chrome.runtime.sendMessage({
        target: 'background',
        type: 'get-state',
      }) as Promise<{ name: string; state: string }[]>,
  );

/** The browser itself downloaded `url` to the end (Swarmlink did not take it). */
const browserGot = async (url: string) =>
  (await downloadsInBrowser(env.b.sw)).some((d) => d.url === url && d.state === 'complete');

type Notifications = { notifications: { getAll(): Promise<Record<string, unknown>> } };
const notifications = async () =>
  Object.keys(
    await env.b.sw.evaluate(() =>
      (globalThis as unknown as { chrome: Notifications }).chrome.notifications.getAll(),
    ),
  );

async function save(options: Page) {
  await options.getByRole('button', { name: 'Save' }).click();
  await expect.poll(() => options.getByRole('status').textContent()).toBe('Saved. In effect now.');
}

describe('options page', () => {
  it('a seeding time limit of 0 ends a torrent seeding now', async () => {
    const { demo, b } = env;
    const page = await b.context.newPage();
    await page.goto(demo.blogUrl);
    await page.click('#link-single');
    const f = demo.torrents.single.files[0]!;
    await waitForFile(join(b.downloadDir, f.path), f.length);
    const popup = await b.openPopup();
    const item = popup.getByRole('list', { name: 'Torrents' }).getByRole('listitem');
    await expect.poll(() => item.textContent()).toContain('Seeding');

    const options = await openOptions(b);
    await options.getByLabel('or after this many minutes of seeding').fill('0');
    await save(options);
    await expect.poll(() => item.textContent()).not.toContain('Seeding');
    await expect.poll(async () => (await engineTorrents(popup))[0]?.state).toBe('done');
  });

  it('on a never-take site a torrent link click is the browser’s again; taken once removed', async () => {
    const { demo, b } = env;
    const options = await openOptions(b);
    const sites = options.getByLabel('Sites where Swarmlink never takes clicks', { exact: false });
    await sites.fill('127.0.0.1');
    await save(options);

    const page = await b.context.newPage();
    await page.goto(demo.blogUrl);
    await page.click('#link-single');
    // The browser downloaded the .torrent itself; the engine has nothing.
    const torrentUrl = demo.torrents.single.torrentUrl;
    await expect
      .poll(async () =>
        (await downloadsInBrowser(b.sw)).some(
          (d) => d.url === torrentUrl && d.state === 'complete',
        ),
      )
      .toBe(true);
    expect(await engineTorrents(options)).toEqual([]);

    await sites.fill('');
    await save(options);
    await page.reload();
    await page.click('#link-single');
    await expect.poll(async () => (await engineTorrents(options)).length).toBe(1);
  });

  it('with link interception off a click is the browser’s; with notifications off none shows', async () => {
    const { demo, b } = env;
    const options = await openOptions(b);
    await options.getByLabel('Open torrent and magnet links with Swarmlink').uncheck();
    await options.getByLabel('Show notifications', { exact: false }).uncheck();
    await save(options);
    const page = await b.context.newPage();
    await page.goto(demo.blogUrl);
    await page.click('#link-single');
    await expect.poll(() => browserGot(demo.torrents.single.torrentUrl)).toBe(true);
    expect(await engineTorrents(options)).toEqual([]);

    await options.getByLabel('Open torrent and magnet links with Swarmlink').check();
    await save(options);
    await page.click('#link-single');
    const f = demo.torrents.single.files[0]!;
    await waitForFile(join(b.downloadDir, f.path), f.length);
    await expect.poll(async () => (await engineTorrents(options))[0]?.state).toBe('seeding');
    // Added and complete, and not one notification for either.
    expect(await notifications()).toEqual([]);
  });

  it('bad input names the field, saves nothing and keeps the text', async () => {
    const { b } = env;
    const options = await openOptions(b);
    const trackers = options.getByLabel('WebSocket trackers (one per line)');
    const before = await trackers.inputValue();
    await trackers.fill(`${before}\nhttp://tracker.example/announce`);
    await options.getByRole('button', { name: 'Save' }).click();
    await expect
      .poll(() => options.getByRole('alert').textContent())
      .toBe('“http://tracker.example/announce” is not a ws:// or wss:// tracker URL.');
    expect(await trackers.getAttribute('aria-invalid')).toBe('true');
    expect(await trackers.inputValue()).toContain('http://tracker.example/announce');
    // Nothing was stored: a fresh page shows the trackers as they were.
    const again = await openOptions(b);
    expect(await again.getByLabel('WebSocket trackers (one per line)').inputValue()).toBe(before);
  });
});

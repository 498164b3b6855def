/**
 * The same torrent again, and a finished torrent's files: a second click highlights the
 * item and saves nothing new; after Remove → Keep data the file on disk is not saved a
 * second time, and once the user deleted it, it is; one notification per torrent; Open and
 * Show in folder offered for the download Swarmlink saved, only while its file exists.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { downloadsInBrowser, useDemoAndBrowser, waitForFile } from './harness.ts';

const env = useDemoAndBrowser();

type Chrome = { notifications: { getAll(): Promise<Record<string, boolean>> } };
/** Swarmlink's notifications now on screen. */
const notifications = () =>
  env.b.sw.evaluate(async () =>
    Object.keys(
      await (globalThis as unknown as { chrome: Chrome }).chrome.notifications.getAll(),
    ).filter((id) => id.startsWith('swarmlink-')),
  );
/** The extension's own downloads (blob: URLs), not the pages' .torrent files. */
const savedDownloads = async () =>
  (await downloadsInBrowser(env.b.sw)).filter((d) => d.url.startsWith('blob:'));

/** Chromium has noticed that the saved file is gone (downloads.search starts the check). */
const fileGoneForChromium = async () =>
  (await downloadsInBrowserWithExists()).every((d) => !d.exists);
async function downloadsInBrowserWithExists() {
  return env.b.sw.evaluate(async () => {
    const c = (globalThis as unknown as { chrome: DownloadsChrome }).chrome;
    return (await c.downloads.search({})).filter((d) => d.url.startsWith('blob:'));
  });
}
type DownloadsChrome = {
  downloads: { search(q: object): Promise<{ id: number; url: string; exists: boolean }[]> };
};

const single = () => env.demo.torrents.single;
const filePath = () => join(env.b.downloadDir, single().files[0]!.path);

async function blog(): Promise<Page> {
  const page = await env.b.context.newPage();
  await page.goto(env.demo.blogUrl);
  return page;
}

const itemOf = (popup: Page) =>
  popup.getByRole('list', { name: 'Torrents' }).getByRole('listitem', { name: single().name });

/** Clicks the single-file link and waits until the popup says its file is saved. */
async function clickAndWaitSaved(page: Page, popup: Page): Promise<void> {
  await page.click('#link-single');
  await expect.poll(() => itemOf(popup).textContent(), { timeout: 20_000 }).toContain('saved');
}

async function removeKeepingData(popup: Page): Promise<void> {
  await itemOf(popup).getByRole('button', { name: 'Remove' }).click();
  await popup.getByRole('dialog').getByRole('button', { name: 'Keep data' }).click();
  await expect.poll(() => itemOf(popup).count()).toBe(0);
}

describe('the same torrent again', () => {
  it('a second click highlights the item, saves nothing new, and keeps one notification', async () => {
    const page = await blog();
    const popup = await env.b.openPopup();
    await clickAndWaitSaved(page, popup);
    // Added, then Complete in its place: one notification for the torrent.
    expect(await notifications()).toEqual([`swarmlink-${single().infoHash}`]);
    expect(await itemOf(popup).getAttribute('aria-current')).toBeNull();

    await page.click('#link-single');
    await expect.poll(() => itemOf(popup).getAttribute('aria-current')).toBe('true');
    expect(await savedDownloads()).toHaveLength(1);
    expect(await readdir(env.b.downloadDir)).toEqual([single().files[0]!.path]);
    expect(await notifications()).toEqual([`swarmlink-${single().infoHash}`]);
  });

  it('after Remove → Keep data, a file still on disk is not saved again; a deleted one is', async () => {
    const page = await blog();
    const popup = await env.b.openPopup();
    await clickAndWaitSaved(page, popup);
    await removeKeepingData(popup);

    await clickAndWaitSaved(page, popup);
    expect(await savedDownloads()).toHaveLength(1);
    expect(await readdir(env.b.downloadDir)).toEqual([single().files[0]!.path]);

    await rm(filePath());
    // Chromium finds a deleted file gone at its next existence check (at most every ~10 s,
    // started by a search): wait until it knows.
    await expect.poll(fileGoneForChromium, { timeout: 30_000, interval: 1000 }).toBe(true);
    await removeKeepingData(popup);
    await page.click('#link-single');
    await waitForFile(filePath(), single().files[0]!.length);
    await expect.poll(async () => (await savedDownloads()).length).toBe(2);
    expect(await readdir(env.b.downloadDir)).toEqual([single().files[0]!.path]);
  });
});

describe('finished files', () => {
  it('Open and Show in folder act on the download Swarmlink saved, only while it exists', async () => {
    const page = await blog();
    const popup = await env.b.openPopup();
    await clickAndWaitSaved(page, popup);
    const [download] = await downloadsInBrowserWithExists();
    const open = itemOf(popup).getByRole('button', { name: 'Open' });
    const show = itemOf(popup).getByRole('button', { name: 'Show in folder' });
    await expect.poll(() => open.getAttribute('data-download-id')).toBe(String(download!.id));
    expect(await show.getAttribute('data-download-id')).toBe(String(download!.id));
    await show.click();

    // Gone from disk: nothing to open any more.
    await rm(filePath());
    await expect.poll(fileGoneForChromium, { timeout: 30_000, interval: 1000 }).toBe(true);
    const again = await env.b.openPopup();
    await expect.poll(() => itemOf(again).textContent()).toContain('saved');
    await expect
      .poll(() => itemOf(again).getByRole('button', { name: 'Show in folder' }).count())
      .toBe(0);
    expect(await itemOf(again).getByRole('button', { name: 'Open' }).count()).toBe(0);
  });

  it('shows what the extension still stores, and Free storage deletes it (the file stays)', async () => {
    const page = await blog();
    const popup = await env.b.openPopup();
    await clickAndWaitSaved(page, popup);
    const item = itemOf(popup);
    await expect.poll(() => item.textContent()).toContain('Stored in Swarmlink: 4.0 MiB');
    expect(await storedFolders(popup)).toHaveLength(1);

    await item.getByRole('button', { name: 'Free storage' }).click();
    await expect.poll(() => item.textContent()).not.toContain('Stored in Swarmlink');
    await expect.poll(() => storedFolders(popup)).toEqual([]);
    expect(await item.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    expect(await item.textContent()).toMatch(/Done/);
    await waitForFile(filePath(), single().files[0]!.length);
  });
});

/** The OPFS folders named after the single torrent's infohash (its stored pieces). */
function storedFolders(popup: Page): Promise<string[]> {
  type Dir = { entries(): AsyncIterable<[string, { kind: string }]> };
  return popup.evaluate(async (hash) => {
    const found: string[] = [];
    const walk = async (dir: Dir, path: string): Promise<void> => {
      for await (const [name, handle] of dir.entries()) {
        if (handle.kind !== 'directory') continue;
        if (name === hash) found.push(path + name);
        await walk(handle as unknown as Dir, `${path}${name}/`);
      }
    };
    await walk((await navigator.storage.getDirectory()) as unknown as Dir, '');
    return found;
  }, single().infoHash);
}

/**
 * A reader clicks torrent links on the demo blog page; the files land, verified, in the
 * browser's download folder with the contract's names (design.md "Saving").
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type Demo, type DemoTorrent } from '../../demo/server.mjs';
import { launchWithExtension, sha256File, waitForFile, type ExtensionBrowser } from './harness.ts';

let demo: Demo;
let b: ExtensionBrowser;

beforeAll(async () => {
  demo = await startDemo({ mib: 4 });
  b = await launchWithExtension();
});

afterAll(async () => {
  await b?.close();
  await demo?.close();
});

async function expectSaved(torrent: DemoTorrent): Promise<void> {
  for (const f of torrent.files) {
    const path = join(b.downloadDir, f.path);
    await waitForFile(path, f.length);
    expect(await sha256File(path), f.path).toBe(f.sha256);
  }
}

describe('click to save', () => {
  it('saves a single-file torrent as <name>, byte-identical, without navigating', async () => {
    const page = await b.context.newPage();
    await page.goto(demo.blogUrl);
    await page.click('#link-single');
    await expectSaved(demo.torrents.single);
    expect(demo.torrents.single.files[0]!.path).toBe(demo.torrents.single.name);
    expect(page.url()).toBe(demo.blogUrl);
    await page.close();
  });

  it('saves a multi-file torrent as <name>/<path>, zero-length file included', async () => {
    const page = await b.context.newPage();
    await page.goto(demo.blogUrl);
    await page.click('#link-multi');
    await expectSaved(demo.torrents.multi);
    expect(demo.torrents.multi.files.some((f) => f.length === 0)).toBe(true);
    await page.close();
  });
});

/**
 * A deliberately hostile peer in the swarm (a Swarmlink engine in Node whose every block is
 * wrong) next to the demo's web seed: the extension in Chromium saves the file
 * byte-identical, and the hostile peer ends banned (the popup says so).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type Demo } from '../../demo/server.mjs';
import { lyingSeeder } from '../fixtures/swarm.ts';
import { launchWithExtension, sha256File, waitForFile, type ExtensionBrowser } from './harness.ts';

const MiB = 1024 * 1024;
let demo: Demo;
let b: ExtensionBrowser;
let liar: Awaited<ReturnType<typeof lyingSeeder>>;

beforeAll(async () => {
  // Throttled, so the reader meets the liar long before the web seed alone could finish.
  demo = await startDemo({ mib: 4, rateLimit: 1 * MiB });
  const torrent = demo.torrents.single;
  const torrentFile = new Uint8Array(await (await fetch(torrent.torrentUrl)).arrayBuffer());
  const data = new Uint8Array(await readFile(torrent.files[0]!.diskPath));
  liar = await lyingSeeder(torrentFile, data, 77);
  b = await launchWithExtension();
});

afterAll(async () => {
  await b?.close();
  await liar?.client.destroy();
  await demo?.close();
});

describe('a hostile peer and a web seed', () => {
  it('the file is saved byte-identical, and the peer that sent wrong data is banned', async () => {
    const torrent = demo.torrents.single;
    const popup = await b.openPopup();
    const page = await b.context.newPage();
    await page.goto(demo.blogUrl);
    await page.click('#link-single');
    const file = torrent.files[0]!;
    const path = join(b.downloadDir, file.path);
    await waitForFile(path, file.length, 60_000);
    expect(await sha256File(path)).toBe(file.sha256);
    const item = popup.getByRole('list', { name: 'Torrents' }).getByRole('listitem');
    await expect.poll(() => item.textContent()).toMatch(/1 peer banned for sending wrong data/);
    // The liar sent blocks (it is why there was anything to ban)…
    expect(liar.torrent.view().uploadedBytes).toBeGreaterThan(0);
    // …and is no longer connected to the reader.
    await expect.poll(() => liar.torrent.view().peers).toBe(0);
  });
});

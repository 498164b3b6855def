/**
 * The scene `npm start` sets up: the demo with its WebTorrent peer in Node (demo/peer.mjs, which
 * seeds the sample files through the demo's tracker) and a web seed throttled to 1 MiB/s. A
 * reader clicks the torrent link; the browser connects to that peer over WebRTC and gets most of
 * the file from it, and the blog page says what runs and shows the server's figures live.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type Demo, type DemoPeerStats } from '../../demo/server.mjs';
import { launchWithExtension, sha256File, waitForFile, type ExtensionBrowser } from './harness.ts';

const MiB = 1024 * 1024;
/** Alone from the web seed: 8 s. With the peer: about 1 s from the server, then the peer. */
const SIZE_MIB = 8;
const RATE = 1 * MiB;
/**
 * Measured here: 0.12–0.17 of a copy from the web seed (what it sends until the peer is
 * connected, ≈ 1 s after the click). The bound allows 4 s of connection set-up on a loaded
 * machine.
 */
const MAX_SEED_SHARE = 0.5;

let demo: Demo;
let b: ExtensionBrowser;

beforeAll(async () => {
  demo = await startDemo({ mib: SIZE_MIB, peer: true, rateLimit: RATE });
  b = await launchWithExtension();
});

afterAll(async () => {
  await b?.close();
  await demo?.close();
});

const peerStats = (): DemoPeerStats => {
  if (!demo.peer) throw new Error('startDemo({ peer: true }) started no peer');
  return demo.peer.stats();
};

describe('the demo with its WebTorrent peer (npm start)', () => {
  it('a reader gets most of the file from the peer, and the page says what runs', async () => {
    const file = demo.torrents.single.files[0]!;
    const page = await b.context.newPage();
    await page.goto(demo.blogUrl);
    await expect.poll(() => page.locator('main').textContent()).toContain('WebTorrent client');
    // The page's live figures come from the server (before the click: nothing sent yet).
    await expect
      .poll(() => page.locator('#server-stats').textContent())
      .toMatch(/sent 0 bytes from its web seed \(limited to 1 MiB\/s\); the WebTorrent peer/);
    const popup = await b.openPopup();

    demo.resetStats();
    const started = performance.now();
    await page.click('#link-single');
    const bar = popup
      .getByRole('list', { name: 'Torrents' })
      .getByRole('listitem')
      .getByRole('progressbar', { name: demo.torrents.single.name });
    await expect.poll(() => bar.getAttribute('aria-valuenow'), { timeout: 60_000 }).toBe('100');
    const path = join(b.downloadDir, file.path);
    const savedAt = await waitForFile(path, file.length, 60_000);
    expect(await sha256File(path)).toBe(file.sha256);

    const fromSeed = demo.stats().seedBytes / file.length;
    const fromPeer = peerStats().uploadedBytes / file.length;
    console.log(
      `with the demo peer, ${SIZE_MIB} MiB, web seed at ${RATE / MiB} MiB/s: ` +
        `${fromSeed.toFixed(3)} of a copy from the web seed, ${fromPeer.toFixed(3)} sent by the ` +
        `peer; saved after ${((savedAt - started) / 1000).toFixed(1)} s`,
    );
    expect(fromSeed).toBeLessThan(MAX_SEED_SHARE);
    expect(fromPeer).toBeGreaterThan(1 - MAX_SEED_SHARE);
    // The page's figures follow: the peer's upload shows there too.
    await expect
      .poll(() => page.locator('#server-stats').textContent())
      .toMatch(/the WebTorrent peer has sent [\d.]+ MiB to readers/);
  });
});

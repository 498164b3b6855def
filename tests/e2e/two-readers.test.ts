/**
 * Two readers, each in their own Chromium (two processes, two profiles), click the same torrent
 * link on the demo blog about a second apart. The web seed is throttled, so the two downloads
 * overlap for most of their time; the readers find each other through the demo's WebSocket
 * tracker, connect over WebRTC (loopback) and trade pieces, so the server sends about one copy
 * of the file instead of two (design.md: "the server sends each byte about once").
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type Demo } from '../../demo/server.mjs';
import { launchWithExtension, sha256File, waitForFile, type ExtensionBrowser } from './harness.ts';

const MiB = 1024 * 1024;
/** 16 MiB at 3 MiB/s: one copy takes the server about 5.3 s, two would take 10.7 s. */
const SIZE_MIB = 16;
const RATE = 3 * MiB;
/** The second reader clicks this long after the first: part of the scene, not a wait. */
const SECOND_READER_AFTER_MS = 1000;
/**
 * Measured here (2 cores, idle or with both cores busy elsewhere): 1.00–1.13 copies. What can go
 * above one copy is what both readers fetch before they are connected to each other (1–1.5 s
 * after the second click): at most the server's whole rate for 2 s, 6 MiB = 0.375 of a copy.
 * Two readers that do not share would make it 2.0.
 */
const MAX_COPIES = 1.4;

let demo: Demo;
let readers: ExtensionBrowser[] = [];

beforeAll(async () => {
  demo = await startDemo({ mib: SIZE_MIB });
  readers = await Promise.all([launchWithExtension(), launchWithExtension()]);
});

afterAll(async () => {
  await Promise.all(readers.map((r) => r.close()));
  await demo?.close();
});

/** The popup's progress bar of the torrent (design.md "Popup"). */
function progressBar(popup: Page, name: string) {
  return popup
    .getByRole('list', { name: 'Torrents' })
    .getByRole('listitem')
    .getByRole('progressbar', { name });
}

describe('two readers of one torrent, a throttled web seed', () => {
  it('both save the file byte-identical, and the server sends well under two copies', async () => {
    const torrent = demo.torrents.single;
    const file = torrent.files[0]!;
    expect(file.length).toBe(SIZE_MIB * MiB);

    const pages = await Promise.all(readers.map((r) => r.context.newPage()));
    await Promise.all(pages.map((p) => p.goto(demo.blogUrl)));
    // Opened before the clicks, so each popup follows its torrent live.
    const popups = await Promise.all(readers.map((r) => r.openPopup()));

    demo.setRateLimit(RATE);
    demo.resetStats();
    const started = performance.now();
    await pages[0]!.click('#link-single');
    await delay(SECOND_READER_AFTER_MS);
    await pages[1]!.click('#link-single');

    // Each popup shows the torrent moving (a value strictly between 0 and 100) and completing.
    const seen = popups.map(() => new Set<number>());
    const showsProgress = popups.map((popup, i) =>
      expect
        .poll(
          async () => {
            const bar = progressBar(popup, torrent.name);
            const now = Number(await bar.getAttribute('aria-valuenow', { timeout: 1000 }));
            seen[i]!.add(now);
            return now;
          },
          { timeout: 60_000 },
        )
        .toBe(100),
    );
    const saved = readers.map((r) =>
      waitForFile(join(r.downloadDir, file.path), file.length, 60_000),
    );
    await Promise.all(showsProgress);
    const savedAt = await Promise.all(saved);

    for (const r of readers) {
      expect(await sha256File(join(r.downloadDir, file.path))).toBe(file.sha256);
    }
    for (const values of seen) expect([...values].some((v) => v > 0 && v < 100)).toBe(true);

    const { seedBytes, seedBytesRequested } = demo.stats();
    const copies = seedBytes / file.length;
    console.log(
      `two readers, ${SIZE_MIB} MiB at ${RATE / MiB} MiB/s: the web seed sent ${copies.toFixed(3)} ` +
        `copies (ranges asked for: ${(seedBytesRequested / file.length).toFixed(2)}); saved after ` +
        savedAt.map((t) => `${((t - started) / 1000).toFixed(1)} s`).join(' and '),
    );
    expect(copies).toBeGreaterThanOrEqual(1);
    expect(copies).toBeLessThan(MAX_COPIES);
  });
});

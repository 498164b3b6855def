/**
 * The disk fills up mid-download, for real: the browser profile lives on a small tmpfs
 * (mounted by the test; `npm test` runs as root), and once the download is under way the
 * test fills it with another file, as some other program would. OPFS writes then fail in
 * Chromium ("No space available"); the torrent stops with a message that says what to do,
 * keeps what it verified, and Resume continues once the filler is deleted. (Chromium also
 * closes the extension's IndexedDB connections after a write failed on the full disk: the
 * store opens them again.)
 */
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type Demo } from '../../demo/server.mjs';
import { launchExtensionBrowser } from '../../scripts/browser.mjs';
import { sha256File, waitForFile, type ExtensionBrowser } from './harness.ts';

const MiB = 1024 * 1024;
let demo: Demo;
let b: ExtensionBrowser;
let root: string;
let disk: string;
let mounted = false;

beforeAll(async () => {
  demo = await startDemo({ mib: 32, rateLimit: 8 * MiB });
  root = await mkdtemp(join(tmpdir(), 'swarmlink-disk-full-'));
  disk = join(root, 'disk');
  execFileSync('mkdir', [disk]);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=96m', 'tmpfs', disk]);
  mounted = true;
  b = await launchExtensionBrowser({
    userDataDir: join(disk, 'profile'),
    downloadDir: join(root, 'downloads'),
  });
});

afterAll(async () => {
  await b?.context.close();
  if (mounted) execFileSync('umount', ['-l', disk]);
  await rm(root, { recursive: true, force: true });
  await demo?.close();
});

/** Writes to the tmpfs until it is full (ENOSPC). */
function fillDisk(path: string): number {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(MiB, 1);
  let written = 0;
  try {
    for (;;) written += writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  return written;
}

describe('disk full mid-download', () => {
  it('stops with a clear message, keeps what was verified, and Resume continues once space is free', async () => {
    const torrent = demo.torrents.single;
    const file = torrent.files[0]!;
    const popup = await b.openPopup();
    const page = await b.context.newPage();
    await page.goto(demo.blogUrl);
    await page.click('#link-single');
    const bar = popup.getByRole('progressbar', { name: torrent.name });
    const progress = async () => Number(await bar.getAttribute('aria-valuenow'));
    await expect.poll(progress, { timeout: 20_000 }).toBeGreaterThanOrEqual(15);

    const filler = join(disk, 'filler.bin');
    expect(fillDisk(filler)).toBeGreaterThan(0);
    const item = popup.getByRole('listitem').filter({ has: bar });
    await expect
      .poll(() => item.getByRole('alert').textContent())
      .toMatch(/^Out of storage space: .*Free some space, then Resume/);
    const verifiedBefore = await progress();
    expect(verifiedBefore).toBeGreaterThanOrEqual(15);
    expect(verifiedBefore).toBeLessThan(100);

    // Space is free again: Resume.
    await rm(filler);
    const requestedBefore = demo.stats().seedBytesRequested;
    demo.setRateLimit(0);
    await item.getByRole('button', { name: 'Resume' }).click();
    const path = join(b.downloadDir, file.path);
    await waitForFile(path, file.length);
    expect(await sha256File(path)).toBe(file.sha256);
    // What was verified before was kept: not fetched again (slack: pieces in flight).
    const refetched = demo.stats().seedBytesRequested - requestedBefore;
    expect(refetched).toBeLessThan((file.length * (100 - verifiedBefore)) / 100 + 4 * MiB);
    // The records are written again after the full disk (Chromium closed the database).
    await expect.poll(() => item.textContent()).toContain('saved');
  });
});

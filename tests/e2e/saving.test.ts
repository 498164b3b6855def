/**
 * Saving in Chromium: a torrent of many files queues its saves (a bound on downloads in
 * flight), and names holding markup are shown as text, never as HTML, in the popup and in
 * notifications.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { savePaths } from '../../lib/engine/save-paths.ts';
import { MAX_SAVES_IN_FLIGHT } from '../../lib/host/engine-host.ts';
import { sha256File, waitForFile, type ExtensionBrowser } from './harness.ts';
import { SeedScript, sample, seedsAndBrowserEachTest } from './seed-script.ts';

let seeds: SeedScript;
let b: ExtensionBrowser;
seedsAndBrowserEachTest((s, br) => ((seeds = s), (b = br)));

type Chrome = {
  downloads: {
    onCreated: { addListener(f: (item: { id: number }) => void): void };
    onChanged: {
      addListener(f: (d: { id: number; state?: { current: string } }) => void): void;
    };
  };
  notifications: { create: (...args: unknown[]) => Promise<string> };
};
type Probe = { inFlight: Set<number>; max: number; created: number; notes: unknown[][] };

/**
 * Watches, in the service worker, the downloads in flight (most at once) and the
 * notifications asked for, before they happen.
 */
async function probe(): Promise<
  () => Promise<{ max: number; created: number; notes: unknown[][] }>
> {
  await b.sw.evaluate(() => {
    const g = globalThis as unknown as { chrome: Chrome; probe: Probe };
    const p: Probe = { inFlight: new Set(), max: 0, created: 0, notes: [] };
    g.probe = p;
    g.chrome.downloads.onCreated.addListener((item) => {
      p.created++;
      p.inFlight.add(item.id);
      p.max = Math.max(p.max, p.inFlight.size);
    });
    g.chrome.downloads.onChanged.addListener((d) => {
      if (d.state && d.state.current !== 'in_progress') p.inFlight.delete(d.id);
    });
    const create = g.chrome.notifications.create.bind(g.chrome.notifications);
    g.chrome.notifications.create = (...args: unknown[]) => {
      p.notes.push(args);
      return create(...args);
    };
  });
  return () =>
    b.sw.evaluate(() => {
      const p = (globalThis as unknown as { probe: Probe }).probe;
      return { max: p.max, created: p.created, notes: p.notes };
    });
}

async function click(link: string): Promise<void> {
  const page = await b.context.newPage();
  await page.goto(seeds.pageUrl);
  await page.click(link);
}

describe('saving', () => {
  it(`a torrent of many files queues its saves: at most ${MAX_SAVES_IN_FLIGHT} downloads at once, each file once`, async () => {
    const files = Array.from({ length: 40 }, (_, i) => ({
      path: `part ${String(i).padStart(2, '0')}.bin`,
      ...sample(20_000 + i * 1000, 100 + i),
    }));
    const t = await seeds.add(
      'Many Files',
      files.map((f) => ({ path: f.path, data: f.data })),
      { pieceLength: 16 * 1024 },
    );
    const seen = await probe();
    await click(t.link);
    for (const f of files) {
      const path = join(b.downloadDir, 'Many Files', f.path);
      await waitForFile(path, f.data.length);
      expect(await sha256File(path)).toBe(f.sha256);
    }
    const { max, created } = await seen();
    expect(created).toBe(files.length);
    expect(max).toBeGreaterThan(0);
    expect(max).toBeLessThanOrEqual(MAX_SAVES_IN_FLIGHT);
    // No "name (1)" duplicate.
    expect((await readdir(join(b.downloadDir, 'Many Files'))).sort()).toEqual(
      files.map((f) => f.path).sort(),
    );
  });

  it('torrent and file names holding markup show as text in the popup and notifications', async () => {
    const name = '<img src=x onerror="document.title=\'pwned\'"><b>Album';
    const fileName = '<svg onload="document.title=\'pwned\'">.txt';
    const file = sample(30_000, 7);
    const t = await seeds.add(name, [
      { path: fileName, data: file.data },
      { path: 'second.bin', data: sample(1000, 8).data },
    ]);
    const seen = await probe();
    const popup = await b.openPopup();
    await click(t.link);
    // Saved under the safe name the save-path rules give (no markup characters on disk).
    const [savedAs] = savePaths(
      name,
      [
        { path: [fileName], pad: false },
        { path: ['second.bin'], pad: false },
      ],
      true,
    );
    expect(savedAs).not.toMatch(/[<>]/);
    const path = join(b.downloadDir, savedAs!);
    await waitForFile(path, file.data.length);
    expect(await sha256File(path)).toBe(file.sha256);

    const item = popup.getByRole('list', { name: 'Torrents' }).getByRole('listitem');
    await expect.poll(() => item.textContent()).toContain('saved');
    // The name is text: shown literally, and no element was made from it.
    expect(await item.getByText(name, { exact: true }).isVisible()).toBe(true);
    expect(await popup.locator('main img, main b, main script').count()).toBe(0);
    expect(await popup.title()).not.toBe('pwned');

    const { notes } = await seen();
    const messages = notes.map((args) => (args[1] as { title: string; message: string }).message);
    // "Added" and "Download complete" carry the name as given, for the API to show as text.
    expect(messages.filter((m) => m === name).length).toBeGreaterThanOrEqual(2);
  });
});

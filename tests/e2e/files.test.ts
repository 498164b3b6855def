/**
 * A multi-file torrent's file list: sizes and progress, and a file deselected there is
 * neither downloaded from the web seed nor saved, while the others are.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { downloadsInBrowser, sha256File, useDemoAndBrowser, waitForFile } from './harness.ts';

const env = useDemoAndBrowser();

describe('file list', () => {
  it('a deselected file is neither fetched nor saved; the rest completes', async () => {
    const multi = env.demo.torrents.multi;
    // The largest file, deselected before much of anything arrived.
    const skipped = [...multi.files].sort((a, b) => b.length - a.length)[0]!;
    const inside = skipped.path.slice(multi.name.length + 1);
    env.demo.setRateLimit(32 * 1024);
    const page = await env.b.context.newPage();
    await page.goto(env.demo.blogUrl);
    await page.click('#link-multi');
    const popup = await env.b.openPopup();
    const item = popup
      .getByRole('list', { name: 'Torrents' })
      .getByRole('listitem', { name: multi.name });
    await item.getByText(`Files (${multi.files.length})`).click();
    const box = item.getByRole('checkbox', { name: inside });
    await expect.poll(() => box.isChecked(), { timeout: 10_000 }).toBe(true);
    expect(await item.locator('.files').textContent()).toMatch(/2\.2 MiB · \d+%/);
    await box.uncheck();
    await expect.poll(() => box.isChecked()).toBe(false);
    env.demo.setRateLimit(0);

    const others = multi.files.filter((f) => f !== skipped);
    for (const f of others) {
      const path = join(env.b.downloadDir, f.path);
      await waitForFile(path, f.length);
      expect(await sha256File(path)).toBe(f.sha256);
    }
    const bar = item.getByRole('progressbar');
    await expect.poll(() => bar.getAttribute('aria-valuenow')).toBe('100');
    await expect.poll(() => item.textContent()).toContain('saved');
    // Not saved, and most of it never fetched (pieces it shares with its neighbours are).
    await expect(access(join(env.b.downloadDir, skipped.path))).rejects.toThrow();
    const saved = (await downloadsInBrowser(env.b.sw)).filter((d) => d.url.startsWith('blob:'));
    expect(saved).toHaveLength(others.length);
    const total = multi.files.reduce((n, f) => n + f.length, 0);
    expect(env.demo.stats().seedBytes).toBeLessThan(total - skipped.length / 2);
  });
});

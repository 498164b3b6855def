/**
 * Many torrents: 100 in the list, newest first, scrolling inside the popup, filters by
 * Active / Done / Errors, and Clear finished (the saved files stay).
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useDemoAndBrowser } from './harness.ts';

const env = useDemoAndBrowser();

describe('many torrents', () => {
  it('100 torrents render, filter, scroll, and Clear finished removes the finished ones', async () => {
    const page = await env.b.context.newPage();
    await page.goto(env.demo.blogUrl);
    const popup = await env.b.openPopup();
    const list = popup.getByRole('list', { name: 'Torrents' });
    const items = list.locator(':scope > li');
    await page.click('#link-single');
    await page.click('#link-multi');
    // Both saved: finished.
    await expect
      .poll(async () => (await items.allTextContents()).filter((t) => /saved/.test(t)).length, {
        timeout: 30_000,
      })
      .toBe(2);

    // 98 magnets (no source here): they stay active, waiting for their metadata.
    const magnets = Array.from({ length: 98 }, (_, i) => {
      const hash = (i + 1).toString(16).padStart(40, '0');
      return `magnet:?xt=urn:btih:${hash}&dn=many-${String(i).padStart(2, '0')}.bin`;
    });
    await page.evaluate((hrefs) => {
      const box = document.createElement('div');
      box.id = 'many';
      hrefs.forEach((h, i) => {
        const a = document.createElement('a');
        a.id = `m${i}`;
        a.href = h;
        a.textContent = `magnet ${i} `;
        box.append(a);
      });
      document.body.prepend(box);
    }, magnets);
    for (let i = 0; i < magnets.length; i++) await page.click(`#m${i}`);
    await expect.poll(() => items.count(), { timeout: 20_000 }).toBe(100);

    // Newest first; the list scrolls inside the popup.
    expect(await items.first().getAttribute('aria-labelledby')).toBeTruthy();
    await expect.poll(() => items.first().textContent()).toContain('many-97.bin');
    const box = await list.evaluate((el) => ({ scroll: el.scrollHeight, client: el.clientHeight }));
    expect(box.scroll).toBeGreaterThan(box.client);
    expect(box.client).toBeLessThanOrEqual(600);

    await popup.getByRole('button', { name: /^Done \(2\)$/ }).click();
    await expect.poll(() => items.count()).toBe(2);
    await popup.getByRole('button', { name: /^Active \(98\)$/ }).click();
    await expect.poll(() => items.count()).toBe(98);
    await popup.getByRole('button', { name: /^All/ }).click();

    await popup.getByRole('button', { name: 'Clear finished' }).click();
    await expect.poll(() => items.count()).toBe(98);
    expect(await popup.getByRole('button', { name: 'Clear finished' }).count()).toBe(0);
    // The saved files stay.
    for (const f of [...env.demo.torrents.single.files, ...env.demo.torrents.multi.files]) {
      await access(join(env.b.downloadDir, f.path));
    }
  });
});

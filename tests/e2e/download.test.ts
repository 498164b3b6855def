/**
 * A reader clicks torrent links on the demo blog page; the files land, verified, in the
 * browser's download folder with the contract's names (design.md "Saving"). In every browser
 * (drivers/).
 */
import { describe, expect, it } from 'vitest';
import { DRIVERS, expectSaved, useDemoIn } from './drivers/index.ts';

for (const driver of DRIVERS) {
  describe(`${driver.name}: click to save`, () => {
    const env = useDemoIn(driver, 'block');

    it('saves a single-file torrent as <name>, byte-identical, without navigating', async () => {
      const page = await env.b.openPage(env.demo.blogUrl);
      await page.click('#link-single');
      await expectSaved(env.b.downloadDir, env.demo.torrents.single);
      expect(env.demo.torrents.single.files[0]!.path).toBe(env.demo.torrents.single.name);
      expect(await page.url()).toBe(env.demo.blogUrl);
      await page.close();
    });

    it('saves a multi-file torrent as <name>/<path>, zero-length file included', async () => {
      const page = await env.b.openPage(env.demo.blogUrl);
      await page.click('#link-multi');
      await expectSaved(env.b.downloadDir, env.demo.torrents.multi);
      expect(env.demo.torrents.multi.files.some((f) => f.length === 0)).toBe(true);
      await page.close();
    });
  });
}

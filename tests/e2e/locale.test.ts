/**
 * The German locale (public/_locales/de) shows German strings: the browser's UI language
 * picks the catalogue, and the popup's texts, buttons and states follow it.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type Demo } from '../../demo/server.mjs';
import { findChromium } from '../../scripts/chromium.mjs';
import { launchWithExtension, waitForFile, type ExtensionBrowser } from './harness.ts';

let demo: Demo;
let b: ExtensionBrowser | undefined;
beforeAll(async () => {
  demo = await startDemo({ mib: 1 });
});
afterAll(() => demo?.close());
afterEach(() => b?.close());

describe('locale', () => {
  it('a German browser gets the German popup and options page', async () => {
    const pack = join(dirname(findChromium() ?? ''), 'locales', 'de.pak');
    expect(existsSync(pack), `${pack} is missing: apt-get install chromium-l10n`).toBe(true);
    b = await launchWithExtension({ language: 'de' });
    const popup = await b.openPopup();
    await expect.poll(() => popup.locator('html').getAttribute('lang')).toBe('de');
    await expect(popup.getByText('Noch keine Torrents.', { exact: false }).count()).resolves.toBe(
      1,
    );

    const page = await b.context.newPage();
    await page.goto(demo.blogUrl);
    await page.click('#link-single');
    const f = demo.torrents.single.files[0]!;
    await waitForFile(join(b.downloadDir, f.path), f.length);
    const item = popup.getByRole('list', { name: 'Torrents' }).getByRole('listitem');
    await expect.poll(() => item.textContent()).toMatch(/Verteilen/);
    await expect(item.getByRole('button', { name: 'Entfernen' }).count()).resolves.toBe(1);
    await item.getByRole('button', { name: 'Entfernen' }).click();
    const dialog = popup.getByRole('dialog');
    await expect(dialog.getByRole('button', { name: 'Daten behalten' }).count()).resolves.toBe(1);
    await expect(dialog.getByRole('button', { name: 'Daten löschen' }).count()).resolves.toBe(1);

    // The options page too.
    const options = await b.context.newPage();
    await options.goto(`chrome-extension://${b.extensionId}/options.html`);
    await options.getByRole('heading', { name: 'Swarmlink-Einstellungen' }).waitFor();
    expect(await options.getByRole('button', { name: 'Speichern' }).count()).toBe(1);
    expect(
      await options.getByLabel('Torrent- und Magnet-Links mit Swarmlink öffnen').isChecked(),
    ).toBe(true);
  });
});

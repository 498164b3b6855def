/**
 * The built extensions (npm test builds both): the manifest contracts of design.md and the
 * README's permission list, for Chrome MV3 and Firefox MV2.
 */
import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const OUTPUT = resolve(import.meta.dirname, '../../.output');

type Manifest = {
  manifest_version: number;
  permissions: string[];
  host_permissions?: string[];
  incognito?: string;
  background: { service_worker?: string; scripts?: string[]; persistent?: boolean };
  content_scripts: { matches: string[]; run_at: string; all_frames: boolean }[];
  browser_specific_settings?: { gecko?: { id?: string } };
  name: string;
  description: string;
  default_locale?: string;
};

function manifest(dir: string): Manifest {
  return JSON.parse(readFileSync(resolve(OUTPUT, dir, 'manifest.json'), 'utf8')) as Manifest;
}

describe('manifests', () => {
  it('Chrome MV3: service worker, offscreen engine host, only the permissions used', () => {
    const m = manifest('chrome-mv3');
    expect(m.manifest_version).toBe(3);
    expect(m.background.service_worker).toBeTruthy();
    expect(new Set(m.permissions)).toEqual(
      new Set([
        'downloads',
        'downloads.open',
        'contextMenus',
        'notifications',
        'storage',
        'unlimitedStorage',
        'offscreen',
        'alarms',
      ]),
    );
    expect(m.host_permissions).toEqual(['<all_urls>']);
    expect(m.incognito).toBe('not_allowed');
    expect(existsSync(resolve(OUTPUT, 'chrome-mv3/offscreen.html'))).toBe(true);
  });

  it('content script on <all_urls>, at document_start, in all frames (both browsers)', () => {
    for (const dir of ['chrome-mv3', 'firefox-mv2']) {
      const [cs] = manifest(dir).content_scripts;
      expect(cs, dir).toMatchObject({
        matches: ['<all_urls>'],
        run_at: 'document_start',
        all_frames: true,
      });
    }
  });

  it('name and description come from _locales, English and German (both browsers)', () => {
    for (const dir of ['chrome-mv3', 'firefox-mv2']) {
      const m = manifest(dir);
      expect(m, dir).toMatchObject({
        name: '__MSG_extName__',
        description: '__MSG_extDescription__',
        default_locale: 'en',
      });
      for (const lang of ['en', 'de']) {
        const file = resolve(OUTPUT, dir, '_locales', lang, 'messages.json');
        const messages = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
        expect(Object.keys(messages), `${dir} ${lang}`).toEqual(
          expect.arrayContaining(['extName', 'extDescription']),
        );
      }
    }
  });

  it('Firefox MV2: a persistent background page hosts the engine, no offscreen document', () => {
    const m = manifest('firefox-mv2');
    expect(m.manifest_version).toBe(2);
    expect(m.background.persistent).toBe(true);
    expect(m.background.scripts?.length).toBeGreaterThan(0);
    expect(m.permissions).not.toContain('offscreen');
    expect(m.permissions).toContain('<all_urls>');
    expect(m.browser_specific_settings?.gecko?.id).toBeTruthy();
    expect(existsSync(resolve(OUTPUT, 'firefox-mv2/offscreen.html'))).toBe(false);
  });
});

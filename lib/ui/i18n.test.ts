import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTranslator, type GetMessage } from './i18n.ts';

const LOCALES = resolve(import.meta.dirname, '../../public/_locales');
type Messages = Record<string, { message: string; description?: string }>;
const catalogue = (lang: string) =>
  JSON.parse(readFileSync(resolve(LOCALES, lang, 'messages.json'), 'utf8')) as Messages;
const placeholders = (text: string) => [...new Set(text.match(/\$\d/g) ?? [])].sort();

/** What browser.i18n.getMessage does with `$1`…`$9` in a message, and '' for unknown keys. */
function getMessageOf(messages: Messages): GetMessage {
  return (key, subs = []) =>
    messages[key]?.message.replace(/\$(\d)/g, (_, n: string) => subs[Number(n) - 1] ?? '') ?? '';
}

describe('locales', () => {
  const en = catalogue('en');
  const languages = readdirSync(LOCALES);

  it('English and German are there', () => {
    expect(languages).toEqual(expect.arrayContaining(['en', 'de']));
  });

  it.each(languages.filter((l) => l !== 'en'))(
    '%s has exactly the English keys, each with the same placeholders',
    (lang) => {
      const other = catalogue(lang);
      expect(Object.keys(other).sort()).toEqual(Object.keys(en).sort());
      for (const [key, { message }] of Object.entries(en)) {
        expect(placeholders(other[key]!.message), `${lang}: ${key}`).toEqual(placeholders(message));
      }
    },
  );

  it('message names are valid for browser.i18n and plurals come in pairs', () => {
    for (const key of Object.keys(en)) {
      expect(key).toMatch(/^[A-Za-z0-9_@]+$/);
      if (key.endsWith('_one')) expect(en).toHaveProperty(key.replace(/_one$/, '_other'));
    }
  });
});

describe('createTranslator', () => {
  const en = createTranslator(getMessageOf(catalogue('en')), 'en');
  const de = createTranslator(getMessageOf(catalogue('de')), 'de');

  it('substitutes in order, numbers included', () => {
    expect(en.t('statusProgress', 42, '1.0 MiB', '2.0 MiB')).toBe('42% · 1.0 MiB of 2.0 MiB');
    expect(de.t('removeTitle', 'a.iso')).toBe('„a.iso“ entfernen?');
  });

  it('picks the plural form by the language rules', () => {
    expect(en.tn('swarmPeers', 1)).toBe('1 peer');
    expect(en.tn('swarmPeers', 0)).toBe('0 peers');
    expect(en.tn('swarmBanned', 3)).toBe('3 peers banned for sending wrong data');
    expect(de.tn('swarmSeeds', 1)).toBe('1 Seed');
    expect(de.tn('swarmSeeds', 2)).toBe('2 Seeds');
  });

  it('shows the key rather than nothing when a message is missing', () => {
    const empty = createTranslator(() => '', 'en');
    expect(empty.t('actionPause')).toBe('actionPause');
  });
});

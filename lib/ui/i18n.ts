/**
 * Every user-visible string goes through here: `_locales/<lang>/messages.json` (public/),
 * read with the browser's own `i18n.getMessage`, so the manifest (`__MSG_extName__`), the
 * pages and the background share one catalogue. Keys are typed from the English catalogue;
 * plurals are a key pair `<base>_one` / `<base>_other`, picked with Intl.PluralRules.
 */
import { browser } from 'wxt/browser';

type Catalogue = typeof import('../../public/_locales/en/messages.json');

/** A message name of the English catalogue (the default locale). */
export type MessageKey = keyof Catalogue;
/** The base of a plural pair: `swarmPeers` for `swarmPeers_one` / `swarmPeers_other`. */
export type PluralKey = {
  [K in MessageKey]: K extends `${infer B}_one`
    ? `${B}_other` extends MessageKey
      ? B
      : never
    : never;
}[MessageKey];

export type GetMessage = (key: string, substitutions?: string[]) => string;

export interface Translator {
  /** The message for `key`, `$1`… replaced by `subs`; the key itself if the catalogue lacks it. */
  t(key: MessageKey, ...subs: (string | number)[]): string;
  /** The plural form for `count` (passed as `$1`, then `subs` as `$2`…). */
  tn(key: PluralKey, count: number, ...subs: (string | number)[]): string;
}

/** A translator over any `getMessage` (the browser's, or a catalogue's in tests). */
export function createTranslator(getMessage: GetMessage, language: string): Translator {
  const rules = new Intl.PluralRules(language);
  const t = (key: string, ...subs: (string | number)[]): string =>
    getMessage(key, subs.map(String)) || key;
  return {
    t,
    tn: (key, count, ...subs) => {
      const form = rules.select(count) === 'one' ? 'one' : 'other';
      return t(`${key}_${form}`, count, ...subs);
    },
  };
}

let shared: Translator | null = null;
function browserTranslator(): Translator {
  return (shared ??= createTranslator(
    (key, subs) => browser.i18n.getMessage(key as MessageKey, subs),
    browser.i18n.getUILanguage(),
  ));
}

/** The browser's UI language's message for `key` (see Translator.t). */
export function t(key: MessageKey, ...subs: (string | number)[]): string {
  return browserTranslator().t(key, ...subs);
}

/** The browser's UI language's plural form (see Translator.tn). */
export function tn(key: PluralKey, count: number, ...subs: (string | number)[]): string {
  return browserTranslator().tn(key, count, ...subs);
}

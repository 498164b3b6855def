// Where Firefox is (Debian's firefox-esr), for `npm test`, CI and the Firefox e2e driver
// (tests/e2e/drivers/firefox.ts). Playwright's Firefox is a patched build that cannot be
// downloaded here: the stock Firefox is driven by puppeteer-core over WebDriver BiDi
// (shared/e2e-recipe.md, section Firefox).
import { existsSync } from 'node:fs';

const CANDIDATES = ['/usr/bin/firefox-esr', '/usr/lib/firefox-esr/firefox-esr', '/usr/bin/firefox'];

/** FIREFOX_PATH, or the first Firefox found; undefined when there is none. */
export function findFirefox() {
  if (process.env.FIREFOX_PATH) return process.env.FIREFOX_PATH;
  return CANDIDATES.find((p) => existsSync(p));
}

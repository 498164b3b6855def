/**
 * The Chromium driver of the shared scenarios: harness.ts's launch (playwright-core, the
 * offscreen document, downloads to a real folder) behind the E2EBrowser interface.
 */
import type { Page } from 'playwright-core';
import { downloadsInBrowser, launchWithExtension } from '../harness.ts';
import type { BrowserDriver, DriverPage, E2EBrowser } from './types.ts';

function wrap(page: Page): DriverPage {
  return {
    evaluate: <R, A>(fn: (arg: A) => R | Promise<R>, arg: A) =>
      page.evaluate(fn as (arg: unknown) => R | Promise<R>, arg),
    click: (selector, opts) =>
      page.click(selector, opts?.ctrl ? { modifiers: ['Control'] } : undefined),
    clickAt: (x, y) => page.mouse.click(x, y),
    url: () => Promise.resolve(page.url()),
    close: () => page.close(),
  };
}

export const chromiumDriver: BrowserDriver = {
  name: 'chromium',
  async launch(): Promise<E2EBrowser> {
    const b = await launchWithExtension();
    const version = b.context.browser()?.version() ?? '';
    return {
      name: 'chromium',
      version,
      downloadDir: b.downloadDir,
      async openPage(url) {
        const page = await b.context.newPage();
        await page.goto(url);
        return wrap(page);
      },
      openPopup: async () => wrap(await b.openPopup()),
      downloads: () => downloadsInBrowser(b.sw),
      async killEngineHost() {
        if (!(await b.closeOffscreen())) throw new Error('no offscreen document was open');
      },
      close: () => b.close(),
    };
  },
};

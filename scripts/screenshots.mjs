// `npm run screenshots`: the README's pictures of the popup and the options page, taken from
// the built extension in real Chromium against the demo server (a finished torrent that
// seeds, a multi-file one downloading from a slowed web seed, a broken torrent link).
// Writes docs/screenshots/popup.png and options.png. Runs in a loopback-only namespace.
import { spawnSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { NO_NETNS_MESSAGE, spawnInLoopbackNamespace } from './netns.mjs';

const root = resolve(import.meta.dirname, '..');
const OUT = resolve(root, 'docs/screenshots');
const INSIDE = 'SWARMLINK_SCREENSHOTS_NETNS';

if (!process.env[INSIDE]) {
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
  const r = spawnInLoopbackNamespace(process.execPath, [import.meta.filename], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, [INSIDE]: '1' },
  });
  if (!r) {
    console.error(NO_NETNS_MESSAGE);
    process.exit(1);
  }
  process.exit(r.status ?? 1);
}

const { startDemo } = await import('../demo/server.mjs');
const { launchExtensionBrowser } = await import('./browser.mjs');
const demo = await startDemo({ mib: 8 });
const b = await launchExtensionBrowser({ profilePrefix: 'swarmlink-shots-' });
try {
  await mkdir(OUT, { recursive: true });
  const page = await b.context.newPage();
  await page.goto(demo.blogUrl);
  const popup = await b.openPopup();
  await popup.setViewportSize({ width: 400, height: 600 });
  const items = popup.getByRole('list', { name: 'Torrents' }).getByRole('listitem');
  const bar = (name) => popup.getByRole('progressbar', { name, exact: true });

  await page.click('#link-single');
  await bar(demo.torrents.single.name).and(popup.locator('[aria-valuenow="100"]')).waitFor();
  await page.click('#link-broken');
  await items.nth(1).waitFor();
  // The multi-file torrent mid-way: its web seed slowed down.
  demo.setRateLimit(1024 * 1024);
  await page.click('#link-multi');
  await bar(demo.torrents.multi.name).waitFor();
  await popup.waitForFunction((name) => {
    // Runs in the page.
    const el = [...globalThis.document.querySelectorAll('[role="progressbar"]')].find(
      (e) => e.getAttribute('aria-label') === name,
    );
    return Number(el?.getAttribute('aria-valuenow')) >= 30;
  }, demo.torrents.multi.name);
  await popup.screenshot({ path: resolve(OUT, 'popup.png') });

  const options = await b.context.newPage();
  await options.setViewportSize({ width: 760, height: 900 });
  await options.goto(`chrome-extension://${b.extensionId}/options.html`);
  await options.getByRole('button', { name: 'Save' }).waitFor();
  await options.screenshot({ path: resolve(OUT, 'options.png'), fullPage: true });
  console.log(`Wrote ${resolve(OUT, 'popup.png')} and ${resolve(OUT, 'options.png')}`);
} finally {
  await b.close();
  await demo.close();
}

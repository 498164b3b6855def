// `npm start`: build the extension, start the demo server (blog, web seed, tracker) and open the
// blog page in Chromium with the extension loaded. Runs until Ctrl-C.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_BASE_ARGS, findChromium } from './chromium.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const EXTENSION_DIR = path.join(REPO, '.output', 'chrome-mv3');
const DOWNLOAD_DIR = path.join(REPO, '.demo-data', 'downloads');

/** @param {string} command @param {string[]} args */
function run(command, args) {
  console.log(`\n> ${command} ${args.join(' ')}`);
  return spawnSync(command, args, { cwd: REPO, stdio: 'inherit' }).status === 0;
}

function installIfNeeded() {
  if (existsSync(path.join(REPO, 'node_modules'))) return;
  const args = existsSync(path.join(REPO, 'package-lock.json')) ? ['ci'] : ['install'];
  if (!run('npm', args)) throw new Error(`npm ${args[0]} failed; see the output above.`);
}

/** @returns {boolean} whether a loadable extension is in .output/chrome-mv3 */
function buildExtension() {
  if (!run('npm', ['run', 'build'])) {
    console.error('\nThe extension build failed (see above).');
    return false;
  }
  if (!existsSync(path.join(EXTENSION_DIR, 'manifest.json'))) {
    console.error(
      `\nThe build finished but ${path.join(EXTENSION_DIR, 'manifest.json')} is missing.`,
    );
    return false;
  }
  return true;
}

/** @param {string} name @param {number} fallback */
function numberFromEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`${name} must be a number, got "${raw}"`);
  return value;
}

/** Chromium reads the download folder from the profile; Playwright would otherwise take downloads over. */
function createProfile() {
  const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'swarmlink-profile-'));
  mkdirSync(path.join(userDataDir, 'Default'), { recursive: true });
  const download = {
    default_directory: DOWNLOAD_DIR,
    prompt_for_download: false,
    directory_upgrade: true,
  };
  writeFileSync(path.join(userDataDir, 'Default', 'Preferences'), JSON.stringify({ download }));
  return userDataDir;
}

/** @param {string} executablePath @param {string} userDataDir @param {string} blogUrl */
async function launchBrowser(executablePath, userDataDir, blogUrl) {
  const { chromium } = await import('playwright-core');
  const headless = !process.env.DISPLAY;
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless,
    args: [
      ...CHROMIUM_BASE_ARGS,
      `--disable-extensions-except=${EXTENSION_DIR}`,
      `--load-extension=${EXTENSION_DIR}`,
    ],
    viewport: null,
    // Our own handlers close the browser first, then the demo, then delete the profile.
    handleSIGINT: false,
    handleSIGTERM: false,
  });
  const cdp = await context.browser()?.newBrowserCDPSession();
  await cdp?.send('Browser.setDownloadBehavior', { behavior: 'default' });
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(blogUrl);
  return { context, headless };
}

function printNoChromium() {
  console.log(
    [
      '',
      'Chromium was not found, so no browser was opened.',
      'Install it with `sudo apt-get install chromium` (Debian/Ubuntu), or set CHROME_PATH to a',
      'Chromium or Chrome binary, then run `npm start` again. Meanwhile the demo server keeps running:',
      'load .output/chrome-mv3 as an unpacked extension in any Chromium and open the blog page.',
    ].join('\n'),
  );
}

/** @param {() => Promise<void>} cleanup @returns {(reason: string) => void} */
function stopOnSignals(cleanup) {
  let stopping = false;
  const stop = (/** @type {string} */ reason) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${reason}: stopping…`);
    void cleanup().finally(() => process.exit(0));
  };
  const onSignal = (/** @type {string} */ signal) => {
    if (stopping) process.exit(1); // a second Ctrl-C: give up on a clean shutdown
    stop(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return stop;
}

/** @param {string} blogUrl @param {boolean} headless */
function printBrowserReady(blogUrl, headless) {
  if (!headless) return console.log(`\nChromium is open on ${blogUrl} with Swarmlink loaded.`);
  console.log(
    [
      '',
      'No display (DISPLAY is not set): Chromium runs headless, with the extension loaded.',
      `Open ${blogUrl} in a browser of your own (with .output/chrome-mv3 loaded as an unpacked`,
      `extension); whatever the headless browser downloads goes to ${DOWNLOAD_DIR}.`,
    ].join('\n'),
  );
}

/** @param {unknown} err */
function errorMessage(err) {
  return err instanceof Error ? err.message : String(err);
}

async function main() {
  installIfNeeded();
  const extensionReady = buildExtension();
  const { startDemo, describeDemo } = await import('../demo/server.mjs');
  mkdirSync(DOWNLOAD_DIR, { recursive: true });
  const demo = await startDemo({
    mib: numberFromEnv('DEMO_MIB', 4),
    port: numberFromEnv('PORT', 0),
    log: (message) => console.log(message),
  });

  /** @type {import('playwright-core').BrowserContext | undefined} */
  let context;
  /** @type {string | undefined} */
  let userDataDir;
  const stop = stopOnSignals(async () => {
    await context?.close().catch(() => {});
    await demo.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true, maxRetries: 5 });
  });

  console.log(`\nSwarmlink demo\n${describeDemo(demo)}\nDownloads:  ${DOWNLOAD_DIR}`);
  const executablePath = findChromium();
  if (!executablePath) printNoChromium();
  else if (!extensionReady) console.log('\nNo extension to load, so no browser was opened.');
  else {
    userDataDir = createProfile();
    try {
      const launched = await launchBrowser(executablePath, userDataDir, demo.blogUrl);
      context = launched.context;
      context.on('close', () => stop('Browser closed'));
      printBrowserReady(demo.blogUrl, launched.headless);
    } catch (err) {
      console.error(`\nCould not start Chromium (${executablePath}): ${errorMessage(err)}`);
      console.log('The demo server keeps running.');
    }
  }
  console.log('\nPress Ctrl-C to stop.');
}

main().catch((err) => {
  console.error(`\nnpm start failed: ${errorMessage(err)}`);
  process.exit(1);
});

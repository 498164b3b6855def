// `npm start`: build the extension, start the demo server (blog, web seed, tracker, and a
// WebTorrent peer in Node that seeds the sample files) and open the blog page in Chromium with the
// extension loaded. Runs until Ctrl-C.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findChromium } from './chromium.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const EXTENSION_DIR = path.join(REPO, '.output', 'chrome-mv3');
const DOWNLOAD_DIR = path.join(REPO, '.demo-data', 'downloads');

/** @param {string} command @param {string[]} args */
function run(command, args) {
  console.log(`\n> ${command} ${args.join(' ')}`);
  return spawnSync(command, args, { cwd: REPO, stdio: 'inherit' }).status === 0;
}

/** Packages of package.json that node_modules does not hold. */
function missingPackages() {
  const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8'));
  const names = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies });
  return names.filter((name) => !existsSync(path.join(REPO, 'node_modules', name, 'package.json')));
}

function installIfNeeded() {
  const fresh = !existsSync(path.join(REPO, 'node_modules'));
  const missing = fresh ? [] : missingPackages();
  if (!fresh && missing.length === 0) return;
  if (!fresh) console.log(`\nnode_modules lacks ${missing.join(', ')}: installing.`);
  // `npm ci` starts from an empty node_modules; with one already there, `npm install` adds the rest.
  const args = fresh && existsSync(path.join(REPO, 'package-lock.json')) ? ['ci'] : ['install'];
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

/**
 * The demo server with its WebTorrent peer; without the peer if that cannot start (the page then
 * says there is none).
 * @param {Omit<import('../demo/server.mjs').DemoOptions, 'peer'>} opts @param {boolean} withPeer
 */
async function startDemoServer(opts, withPeer) {
  const { startDemo } = await import('../demo/server.mjs');
  if (!withPeer) return startDemo(opts);
  try {
    return await startDemo({ ...opts, peer: true });
  } catch (err) {
    console.error(`\nThe demo's WebTorrent peer could not start (${errorMessage(err)}).`);
    console.log(
      'Running the demo without it: a lone reader then downloads from the web seed only.',
    );
    return startDemo(opts);
  }
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

/**
 * Chromium with the extension, in a fresh temporary profile that saves downloads to DOWNLOAD_DIR,
 * on the blog page.
 * @param {string} executablePath @param {string} blogUrl
 */
async function launchBrowser(executablePath, blogUrl) {
  // Imported here: playwright-core may only just have been installed.
  const { launchExtensionBrowser } = await import('./browser.mjs');
  const headless = !process.env.DISPLAY;
  const browser = await launchExtensionBrowser({
    executablePath,
    extensionDir: EXTENSION_DIR,
    downloadDir: DOWNLOAD_DIR,
    headless,
    contextOptions: {
      viewport: null,
      // Our own handlers close the browser (deleting its profile) first, then the demo.
      handleSIGINT: false,
      handleSIGTERM: false,
    },
  });
  try {
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto(blogUrl);
  } catch (err) {
    await browser.close().catch(() => {});
    throw err;
  }
  return { browser, headless };
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
  const { describeDemo } = await import('../demo/server.mjs');
  const { formatSize, MiB } = await import('../demo/units.mjs');
  mkdirSync(DOWNLOAD_DIR, { recursive: true });
  // Throttled by default: on loopback an unlimited web seed delivers the sample before the
  // browser has even connected to the peer, and there would be no sharing to watch.
  const rateLimit = Math.round(numberFromEnv('DEMO_RATE', 1) * MiB);
  const demo = await startDemoServer(
    {
      mib: numberFromEnv('DEMO_MIB', 4),
      port: numberFromEnv('PORT', 0),
      rateLimit,
      log: (message) => console.log(message),
    },
    process.env.DEMO_PEER !== '0',
  );

  /** @type {import('./browser.d.mts').ExtensionBrowser | undefined} */
  let browser;
  const stop = stopOnSignals(async () => {
    await browser?.close().catch(() => {});
    await demo.close();
  });

  const limit = rateLimit > 0 ? `${formatSize(rateLimit)}/s (DEMO_RATE=0: no limit)` : 'none';
  console.log(
    `\nSwarmlink demo\n${describeDemo(demo)}\nSeed limit: ${limit}\nDownloads:  ${DOWNLOAD_DIR}`,
  );
  const executablePath = findChromium();
  if (!executablePath) printNoChromium();
  else if (!extensionReady) console.log('\nNo extension to load, so no browser was opened.');
  else {
    try {
      const launched = await launchBrowser(executablePath, demo.blogUrl);
      browser = launched.browser;
      browser.context.on('close', () => stop('Browser closed'));
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

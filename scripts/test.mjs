#!/usr/bin/env node
// `npm test`: installs what it lacks, builds the extension, then runs every suite (unit,
// browser, e2e) inside a network namespace that has only loopback, so no test traffic
// (DNS look-ups of public trackers included) leaves the machine. Ends with one line
// `N passed, N failed`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { findChromium } from './chromium.mjs';
import { findFirefox } from './firefox.mjs';
import { NO_NETNS_MESSAGE, spawnInLoopbackNamespace } from './netns.mjs';

const root = resolve(import.meta.dirname, '..');
const run = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    console.error(`\n${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
};
const isRoot = process.getuid?.() === 0;

if (!existsSync(resolve(root, 'node_modules/.package-lock.json'))) {
  console.log('Installing dependencies (npm ci)…');
  run('npm', ['ci']);
}

// The browsers the suites run in, from Debian's packages (never a downloaded browser build).
const missing = [
  ...(findChromium() ? [] : ['chromium', 'chromium-l10n']),
  ...(findFirefox() ? [] : ['firefox-esr']),
];
if (missing.length > 0) {
  if (isRoot) {
    console.log(`Missing: installing Debian ${missing.join(', ')}…`);
    run('apt-get', ['update', '-qq']);
    run('apt-get', ['install', '-y', '-qq', ...missing, 'iproute2'], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } else {
    console.error(
      `Not found: ${missing.join(', ')}. Install (apt-get install ${missing.join(' ')}) or set CHROME_PATH / FIREFOX_PATH.`,
    );
    process.exit(1);
  }
}

// The locale test needs a second UI language: Debian ships them apart (chromium-l10n).
const chromium = findChromium();
if (
  isRoot &&
  chromium?.startsWith('/usr/lib/chromium/') &&
  !existsSync('/usr/lib/chromium/locales/de.pak')
) {
  console.log('Installing chromium-l10n (UI languages, for the locale test)…');
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', 'chromium-l10n'], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

run('npm', ['run', '--silent', 'build']);
run('npm', ['run', '--silent', 'build:firefox']);

const resultsDir = resolve(root, '.test-results');
mkdirSync(resultsDir, { recursive: true });
const resultsFile = resolve(resultsDir, 'results.json');
const vitest = [
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${resultsFile}`,
  ...process.argv.slice(2),
];

const r = spawnInLoopbackNamespace('npx', vitest, { cwd: root, stdio: 'inherit' });
if (!r) {
  console.error(NO_NETNS_MESSAGE);
  process.exit(1);
}
const status = r.status ?? 1;

let passed = 0;
let failed;
try {
  const results = JSON.parse(readFileSync(resultsFile, 'utf8'));
  passed = results.numPassedTests;
  failed = results.numFailedTests + (results.numRuntimeErrorTestSuites ?? 0);
  if (status !== 0 && failed === 0) failed = 1;
} catch {
  failed = 1;
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(status === 0 && failed === 0 ? 0 : 1);

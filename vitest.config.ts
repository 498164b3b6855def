import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';
import { CHROMIUM_BASE_ARGS, findChromium } from './scripts/chromium.mjs';

/**
 * Three projects in one `vitest run`:
 * - unit: Node, everything pure (engine, protocol, demo helpers);
 * - browser: real Chromium page (OPFS, IndexedDB, Workers) for the browser piece store;
 * - e2e: Node driving real Chromium with the built extension (tests/e2e/).
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          environment: 'node',
          include: ['lib/**/*.test.ts', 'tests/unit/**/*.test.ts', 'demo/**/*.test.ts'],
          exclude: ['**/*.browser.test.ts'],
          // These files run beside the browser and e2e projects, whose Chromium and Firefox
          // take both cores. Real WebRTC stacks, trackers and HTTP servers then take seconds
          // where they take 0.3 s alone: one took 4.3 s in a green CI run and 5 s in a red
          // one. A timeout here is only a guard against a hang, never a speed assertion
          // (those live in `npm run bench`), so it is well above any such wait.
          testTimeout: 60_000,
          hookTimeout: 60_000,
          expect: { poll: { timeout: 15_000 } },
        },
      },
      {
        test: {
          name: 'browser',
          include: ['lib/**/*.browser.test.ts', 'tests/**/*.browser.test.ts'],
          testTimeout: 60_000, // as in unit: a guard against a hang on a loaded machine
          hookTimeout: 60_000,
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({
              launchOptions: { executablePath: findChromium(), args: CHROMIUM_BASE_ARGS },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
      {
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['tests/e2e/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          // A poll waits on a real browser (downloads, popup updates, the engine's restart):
          // the default 1 s is shorter than a loaded CI machine takes for some of them.
          expect: { poll: { timeout: 15_000 } },
        },
      },
    ],
  },
});

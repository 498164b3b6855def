/**
 * The browsers the shared scenarios run in. A shared test file runs its scenarios once per
 * driver: `for (const driver of DRIVERS) describe(driver.name, () => …)`.
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { startDemo, type Demo, type DemoTorrent } from '../../../demo/server.mjs';
import { sha256File, waitForFile } from '../harness.ts';
import { chromiumDriver } from './chromium.ts';
import { firefoxDriver } from './firefox.ts';
import type { BrowserDriver, E2EBrowser } from './types.ts';

export const DRIVERS: readonly BrowserDriver[] = [chromiumDriver, firefoxDriver];
export type { BrowserDriver, DriverPage, E2EBrowser } from './types.ts';
export { Popup } from './popup.ts';

/**
 * Hooks for a describe block of one driver: one demo server (4 MiB) for the block, and a
 * browser per block (`fresh: 'block'`) or a fresh one per test (`'test'`: no test sees
 * another's torrents), with the demo's rate limit and faults reset before each test.
 */
export function useDemoIn(
  driver: BrowserDriver,
  fresh: 'block' | 'test',
): { demo: Demo; b: E2EBrowser } {
  const env = {} as { demo: Demo; b: E2EBrowser };
  beforeAll(async () => {
    env.demo = await startDemo({ mib: 4 });
    if (fresh === 'block') env.b = await driver.launch();
  });
  afterAll(async () => {
    if (fresh === 'block') await env.b?.close();
    await env.demo?.close();
  });
  beforeEach(async () => {
    env.demo.setRateLimit(0);
    env.demo.setFault(null);
    if (fresh === 'test') env.b = await driver.launch();
  });
  afterEach(async () => {
    env.demo.setFault(null);
    if (fresh === 'test') await env.b?.close();
  });
  return env;
}

/** Waits for each file of `torrent` under `dir` with its size, and checks its SHA-256. */
export async function expectSaved(dir: string, torrent: DemoTorrent): Promise<void> {
  for (const f of torrent.files) {
    const path = join(dir, f.path);
    await waitForFile(path, f.length);
    expect(await sha256File(path), f.path).toBe(f.sha256);
  }
}

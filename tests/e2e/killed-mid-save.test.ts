/**
 * The browser is killed (SIGKILL, as a crash or a power cut would) while the downloads API
 * copies a finished file into the download folder. After a restart on the same profile the
 * file is saved once, complete, under its name: no partial file is left (Chromium's
 * "Unconfirmed NNN.crdownload") and there is no "name (1)" duplicate.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type Demo } from '../../demo/server.mjs';
import { launchExtensionBrowser } from '../../scripts/browser.mjs';
import { downloadsInBrowser, sha256File, waitForFile, type ExtensionBrowser } from './harness.ts';

let demo: Demo;
let root: string;
let b: ExtensionBrowser | undefined;

beforeAll(async () => {
  // Large enough that the browser's copy of the finished file takes a moment.
  demo = await startDemo({ mib: 256 });
  root = await mkdtemp(join(tmpdir(), 'swarmlink-killed-'));
});

afterAll(async () => {
  await b?.close();
  await rm(root, { recursive: true, force: true });
  await demo?.close();
});

const profile = () => ({
  userDataDir: join(root, 'profile'),
  downloadDir: join(root, 'downloads'),
});

/** The pid of the browser process (not a renderer or helper) that runs on `userDataDir`. */
function browserPid(userDataDir: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let args: string[];
    try {
      args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    const ours = args.includes(`--user-data-dir=${userDataDir}`);
    if (ours && !args.some((a) => a.startsWith('--type='))) return Number(entry);
  }
  throw new Error(`no browser process runs on ${userDataDir}`);
}

describe('the browser killed mid-save', () => {
  it('after a restart the file is saved once, complete, under its name; no partial file is left', async () => {
    const file = demo.torrents.single.files[0]!;
    b = await launchExtensionBrowser(profile());
    const page = await b.context.newPage();
    await page.goto(demo.blogUrl);
    await page.click('#link-single');

    // The engine verified the file and handed it to the downloads API: the copy is under way.
    for (;;) {
      const items = await downloadsInBrowser(b.sw);
      expect(items.filter((i) => i.state === 'complete')).toEqual([]);
      const copying = items.some((i) => i.state === 'in_progress');
      // …and its partial file is on disk.
      if (copying && (await readdir(profile().downloadDir)).length > 0) break;
    }
    process.kill(browserPid(profile().userDataDir), 'SIGKILL');
    await b.context.close().catch(() => {});
    const left = await readdir(profile().downloadDir);
    // What a crash leaves: Chromium's partial file, nothing under the final name.
    expect(left.length).toBeGreaterThan(0);
    expect(left).not.toContain(file.path);

    b = await launchExtensionBrowser(profile());
    const path = join(b.downloadDir, file.path);
    await waitForFile(path, file.length).catch(async (err: unknown) => {
      // Say what there was instead: the folder and the browser's downloads.
      const there = await readdir(b!.downloadDir).catch(() => []);
      const items = await downloadsInBrowser(b!.sw).catch((e: unknown) => String(e));
      throw new Error(
        `${String(err)}; in the folder: ${JSON.stringify(there)}; downloads: ${JSON.stringify(items)}`,
      );
    });
    expect(await sha256File(path)).toBe(file.sha256);
    // The interrupted save's partial file is deleted, and nothing was saved twice. The
    // background does that once the new save completes (cancel, then erase, each a call into
    // the browser): wait for it, bounded, rather than expect it within expect.poll's 1 s.
    const settled = { timeout: 15_000 };
    await expect.poll(() => readdir(b!.downloadDir), settled).toEqual([file.path]);
    await expect
      .poll(
        async () => (await downloadsInBrowser(b!.sw)).map((i) => [i.state, i.filename]),
        settled,
      )
      .toEqual([['complete', path]]);
  });
});

/**
 * Web seeds that fail in the ways real servers do, scripted request by request, against the
 * extension in Chromium: a few 500s, a body that stalls, wrong bytes next to a good seed,
 * and a server that ignores Range. Each time the file is saved byte-identical, and what the
 * user is told is checked in the popup.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256File, waitForFile, type ExtensionBrowser } from './harness.ts';
import { SeedScript, sample, seedsAndBrowserEachTest } from './seed-script.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
const PIECE = 256 * KiB;

let seeds: SeedScript;
let b: ExtensionBrowser;
seedsAndBrowserEachTest((s, br) => ((seeds = s), (b = br)));

/** Adds a single-file torrent of 4 MiB (seeded by `seedPaths`) and clicks its link. */
async function clickSingle(name: string, seed: number, seedPaths?: string[]) {
  const { data, sha256 } = sample(4 * MiB + 123, seed);
  const t = await seeds.add(name, [{ path: name, data }], {
    seeds: seedPaths,
    pieceLength: PIECE,
  });
  const page = await b.context.newPage();
  await page.goto(seeds.pageUrl);
  await page.click(t.link);
  const path = join(b.downloadDir, name);
  return {
    length: data.length,
    saved: async () => {
      await waitForFile(path, data.length);
      expect(await sha256File(path)).toBe(sha256);
    },
  };
}

describe('failing web seeds', () => {
  it('answers 500 a few times, then recovers: the download completes', async () => {
    let failed = 0;
    seeds.server.fault = (hit) =>
      hit.path.startsWith('/seed/') && failed++ < 5 ? { status: 500 } : undefined;
    const f = await clickSingle('flaky.bin', 1);
    await f.saved();
    const statuses = seeds.seedHits().map((h) => h.status);
    expect(statuses.filter((s) => s === 500)).toHaveLength(5);
    expect(statuses.at(-1)).toBe(206);
  });

  it('stalls mid-body: the request times out (15 s without bytes), is retried, and completes', async () => {
    // The first response sends all but the last byte it was asked for, then nothing (the
    // connection stays open): its last piece never completes.
    let hold = 0;
    seeds.server.fault = (hit) => {
      if (!hit.path.startsWith('/seed/') || seeds.seedHits()[0] !== hit) return undefined;
      const [, a, b] = /^bytes=(\d+)-(\d+)$/.exec(hit.range ?? '')!;
      hold = Number(b) - Number(a);
      return { holdAfter: hold };
    };
    const started = performance.now();
    const f = await clickSingle('stall.bin', 2);
    await f.saved();
    const [stalled, ...rest] = seeds.seedHits();
    // Given up on by the client, not by the server.
    await stalled!.socketClosed;
    // Asked again from the first piece it did not get.
    const from = stalled!.first + Math.floor(hold / PIECE) * PIECE;
    expect(rest.some((h) => h.first <= from && h.last >= from)).toBe(true);
    expect(performance.now() - started).toBeGreaterThan(15_000);
  });

  it('sends wrong bytes: it is failed with a reason the popup shows, the other seed completes the file', async () => {
    seeds.server.fault = (hit) => (hit.path.startsWith('/bad/') ? { corrupt: true } : undefined);
    const popup = await b.openPopup();
    const f = await clickSingle('wrong.bin', 3, ['/bad/', '/good/']);
    await f.saved();
    expect(seeds.seedHits('/bad/').length).toBeGreaterThan(0);
    const notes = popup.getByRole('list', { name: 'Sources' });
    await expect
      .poll(() => notes.textContent())
      .toMatch(/failed: .*\/bad\/: wrong bytes: piece \d+ failed verification/);
    // Only the good seed's bytes made the file (checked above); the torrent did not fail.
    await expect.poll(() => popup.getByRole('alert').count()).toBe(0);
  });

  it('ignores Range on a single-file torrent: read as one stream, verified piece by piece', async () => {
    seeds.server.fault = () => ({ ignoreRange: true });
    const popup = await b.openPopup();
    const f = await clickSingle('norange.bin', 4);
    await f.saved();
    const hits = seeds.seedHits();
    expect(hits.every((h) => h.status === 200)).toBe(true);
    // The first answers were hung up on, then one stream read the file: at most one per run
    // that was in flight (3), plus that one.
    expect(hits.length).toBeLessThanOrEqual(4);
    await expect.poll(() => popup.getByRole('listitem').first().textContent()).toContain('saved');
    expect(await popup.getByRole('list', { name: 'Sources' }).count()).toBe(0);
  });
});

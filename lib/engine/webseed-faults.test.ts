/**
 * Web seeds that misbehave in ways a download survives: a server that stalls mid-body (the
 * request times out and is retried), one that ignores Range on a single-file torrent (the
 * file is read as one stream, piece by piece), and one that sends wrong bytes next to a good
 * one (it fails, the other carries on). Against a real HTTP server on 127.0.0.1.
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../tests/fixtures/fake-clock.ts';
import { FileServer, fileServerEachTest } from '../../tests/fixtures/file-server.ts';
import {
  KiB,
  PL,
  content,
  expectSameBytes,
  makeTorrent,
  parse,
} from '../../tests/fixtures/torrents.ts';
import { CheckingStore, seedHarness, startTorrent } from '../../tests/fixtures/webseed-harness.ts';
import { WEBSEED_IDLE_TIMEOUT_MS } from './webseed.ts';

let server: FileServer;
fileServerEachTest((s) => (server = s));

async function singleFile(name: string, length: number, seed: number) {
  const data = content(length, seed);
  const files = [{ path: name, data }];
  const meta = await parse(await makeTorrent(files, { name, urlList: [] }));
  server.serveTorrent('/', name, files, false);
  return { data, meta };
}

describe('WebSeed: a server that stalls mid-body', () => {
  it('the request times out after WEBSEED_IDLE_TIMEOUT_MS without bytes and is retried', async () => {
    const { data, meta } = await singleFile('stall.bin', 10 * PL + 7, 41);
    // The first response sends 3 pieces, then nothing (the connection stays open).
    server.fault = (_hit, n) => (n === 0 ? { holdAfter: 3 * PL } : undefined);
    const clock = new FakeClock(false);
    const h = await seedHarness(meta, `${server.origin}/`, {
      clock,
      options: { idleTimeoutMs: WEBSEED_IDLE_TIMEOUT_MS },
    });

    h.seed.start();
    await h.until(() => h.picker.has(2));
    // Time passes: only the stalled request's watch is waiting (nothing else has a timer).
    expect(clock.pending).toBe(1);
    clock.fireAll();
    await h.reach('retrying');
    expect(h.seed.error?.message).toMatch(/no data for 15 s: request timed out/);
    expect(h.seed.error?.permanent).toBe(false);
    // The stalled response was hung up on.
    await server.hits[0]!.socketClosed;
    clock.fireAll(); // the backoff
    await h.finished('idle');

    expectSameBytes(await h.fileBytes(0), data);
    expect(server.hits.map((x) => x.range)).toEqual([
      `bytes=0-${data.length - 1}`,
      `bytes=${3 * PL}-${data.length - 1}`,
    ]);
    expect(clock.delays.filter((d) => d === WEBSEED_IDLE_TIMEOUT_MS).length).toBeGreaterThan(1);
    expect(clock.pending).toBe(0);
  });

  it('a request that gets no response at all times out the same way', async () => {
    const { data, meta } = await singleFile('silent.bin', 4 * PL, 42);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    server.fault = (_hit, n) => (n === 0 ? { gate } : undefined);
    const clock = new FakeClock(false);
    const h = await seedHarness(meta, `${server.origin}/`, {
      clock,
      options: { idleTimeoutMs: WEBSEED_IDLE_TIMEOUT_MS },
    });

    h.seed.start();
    await server.hitUnder('/silent.bin');
    clock.fireAll();
    await h.reach('retrying');
    expect(h.seed.error?.message).toMatch(/request timed out/);
    clock.fireAll();
    await h.finished('idle');
    open();
    expectSameBytes(await h.fileBytes(0), data);
  });
});

describe('WebSeed: a server that ignores Range on a single-file torrent', () => {
  it('is read as one stream from the start, piece by piece, without counting as a failure', async () => {
    // 4 MiB: three runs in flight at first, each answered 200 with the whole file.
    const { data, meta } = await singleFile('norange.bin', 4 * 1024 * KiB - 3, 43);
    server.fault = () => ({ ignoreRange: true });
    const h = await seedHarness(meta, `${server.origin}/`);

    h.seed.start();
    await h.finished('idle');

    expectSameBytes(await h.fileBytes(0), data);
    expect(h.hashFailures).toEqual([]);
    expect(h.seed.error).toBeNull();
    expect(h.clock.delays).toEqual([]);
    // The three first answers were hung up on; one stream then read the whole file.
    const reads = server.hits.filter((x) => x.status === 200);
    expect(reads).toHaveLength(4);
    expect(reads.at(-1)!.range).toBe(`bytes=0-${data.length - 1}`);
    expect(h.states).not.toContain('failed');
  });

  it('resuming: each stream drops the bytes before the first missing piece', async () => {
    const { meta } = await singleFile('resume.bin', 40 * PL, 44);
    server.fault = () => ({ ignoreRange: true });
    const h = await seedHarness(meta, `${server.origin}/`);
    // Pieces 0-9 and 20 were verified before.
    for (let i = 0; i < 10; i++) h.picker.complete(i);
    h.picker.complete(20);

    h.seed.start();
    await h.finished('idle');

    const stored = [...(await h.storage.verified()).setIndices()];
    expect(stored).toEqual([...Array(40).keys()].filter((i) => i >= 10 && i !== 20));
    expect(h.hashFailures).toEqual([]);
    expect(h.picker.remaining).toBe(0);
  });

  it('a whole-file answer of the wrong length: failed for good', async () => {
    const { meta } = await singleFile('short.bin', 4 * 1024 * KiB, 45);
    server.files.set('/short.bin', content(1024 * KiB, 45));
    server.fault = () => ({ ignoreRange: true });
    const h = await seedHarness(meta, `${server.origin}/`);

    h.seed.start();
    await h.finished('failed');
    expect(h.seed.error?.message).toMatch(/file is 1048576 bytes, the torrent says 4194304/);
    expect(h.seed.error?.permanent).toBe(true);
  });
});

describe('Torrent: a web seed with wrong bytes next to a good one', () => {
  it('the bad seed fails with its reason, nothing wrong is stored, the good one completes', async () => {
    const data = content(24 * PL, 46);
    const files = [{ path: 'two.bin', data }];
    const meta = await parse(await makeTorrent(files, { name: 'two.bin', urlList: [] }));
    server.serveTorrent('/bad/', 'two.bin', files, false);
    server.serveTorrent('/good/', 'two.bin', files, false);
    server.fault = (hit) => (hit.path.startsWith('/bad/') ? { corrupt: true } : undefined);
    const store = new CheckingStore(meta);
    const urlList = [`${server.origin}/bad/`, `${server.origin}/good/`];
    const run = await startTorrent({ ...meta, urlList }, store);

    await run.settled();

    expect(run.t.state).toBe('done');
    expect(store.violations).toEqual([]);
    expect((await store.audit()).size).toBe(meta.pieceCount);
    expectSameBytes(new Uint8Array(await (await run.t.fileBlob(0)).arrayBuffer()), data);
    const bad = run.t.view().webSeeds.find((s) => s.url === urlList[0]);
    expect(bad?.state).toBe('failed');
    expect(bad?.error).toMatch(/wrong bytes: piece \d+ failed verification/);
    await run.t.destroy();
  });
});

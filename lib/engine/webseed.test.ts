import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../tests/fixtures/fake-clock.ts';
import { FileServer, fileServerEachTest } from '../../tests/fixtures/file-server.ts';
import {
  KiB,
  PL,
  content,
  expectSameBytes,
  handTorrent,
  makeTorrent,
  parse,
  type SourceFile,
} from '../../tests/fixtures/torrents.ts';
import { CheckingStore, seedHarness, startTorrent } from '../../tests/fixtures/webseed-harness.ts';
import { WebSeedError } from './errors.ts';
import { type RunPolicy, WEBSEED_DEFAULTS } from './webseed.ts';
import { webSeedFileUrl } from './webseed-url.ts';

// ------------------------------------------------------------------ tests

let server: FileServer;
fileServerEachTest((s) => (server = s));

describe('webSeedFileUrl (BEP 19)', () => {
  it('single-file: a URL ending in / gets the encoded name, any other URL is the file', () => {
    expect(webSeedFileUrl('http://h/files/', 'a b.bin', false, ['a b.bin'])).toBe(
      'http://h/files/a%20b.bin',
    );
    expect(webSeedFileUrl('http://h/x/y.bin?k=v', 'a b.bin', false, ['a b.bin'])).toBe(
      'http://h/x/y.bin?k=v',
    );
  });

  it('multi-file: <url>/<name>/<path…>, each component encoded, with or without the slash', () => {
    const path = ['sub dir', 'naïve 🎵.flac'];
    const want = 'http://h/s/M%C3%B6n%20Album/sub%20dir/na%C3%AFve%20%F0%9F%8E%B5.flac';
    expect(webSeedFileUrl('http://h/s/', 'Mön Album', true, path)).toBe(want);
    expect(webSeedFileUrl('http://h/s', 'Mön Album', true, path)).toBe(want);
    expect(webSeedFileUrl('http://h/', 'a/b', true, ['c?d#e', '%'])).toBe(
      'http://h/a%2Fb/c%3Fd%23e/%25',
    );
  });
});

describe('WebSeed: downloads over HTTP Range', () => {
  it('single-file, url-list ending in /: fetches <url><name> in a few large ranges', async () => {
    const name = 'Mön Film 🎬.bin';
    // 128 pieces, the last one short.
    const data = content(2 * 1024 * KiB - 5000, 1);
    const files = [{ path: name, data }];
    const meta = await parse(await makeTorrent(files, { name, urlList: ['http://unused/'] }));
    server.serveTorrent('/files/', name, files, false);
    const h = await seedHarness(meta, `${server.origin}/files/`);
    h.seed.start();
    await h.finished('idle');

    expect(h.picker.remaining).toBe(0);
    expect(h.hashFailures).toEqual([]);
    expectSameBytes(await h.fileBytes(0), data);
    expect((await h.storage.verified()).count()).toBe(128);
    // Large ranges: two requests of 64 pieces (1 MiB) each, not one request per piece.
    expect(server.hits.map((x) => x.url)).toEqual([
      '/files/M%C3%B6n%20Film%20%F0%9F%8E%AC.bin',
      '/files/M%C3%B6n%20Film%20%F0%9F%8E%AC.bin',
    ]);
    expect(server.hits.map((x) => [x.status, x.range]).sort()).toEqual([
      [206, `bytes=0-${64 * PL - 1}`],
      [206, `bytes=${64 * PL}-${data.length - 1}`],
    ]);
    expect(server.bytesServed).toBe(data.length);
    expect(h.clock.delays).toEqual([]);
    expect(h.seed.error).toBeNull();
  });

  /** A web seed fetching one file with a swarm's run policy (`extra` on top). */
  async function swarmedSeed(size: number, extra: Partial<RunPolicy> = {}) {
    const name = 'swarmed.bin';
    const data = content(size, 5);
    const files = [{ path: name, data }];
    const meta = await parse(await makeTorrent(files, { name, urlList: ['http://unused/'] }));
    server.serveTorrent('/files/', name, files, false);
    const policy: RunPolicy = {
      spread: false,
      anyway: false,
      maxRunBytes: 4 * 1024 * KiB,
      requestSeconds: 0.5,
      ...extra,
    };
    const h = await seedHarness(meta, `${server.origin}/files/`, { runPolicy: () => policy });
    const ranges = () =>
      server.hits.map((x) =>
        x
          .range!.match(/bytes=(\d+)-(\d+)/)!
          .slice(1)
          .map(Number),
      );
    const sizes = () => ranges().map(([a, b]) => b! - a! + 1);
    return { h, data, sizes };
  }

  it('with requestSeconds (a swarm): a run is fetched in requests of about 1 MiB, each cut only where it ends', async () => {
    const { h, data, sizes } = await swarmedSeed(4 * 1024 * KiB); // 256 pieces of 16 KiB
    h.seed.start();
    // Another reader claims nearly everything while the first requests are in flight.
    await h.until(() => h.picker.completeCount > 0);
    expect(h.picker.yieldRuns(10, 256)).toBeGreaterThan(0);
    await h.finished('idle');
    expect(h.hashFailures).toEqual([]);
    // The rate is unknown at first: requests of minRequestBytes (1 MiB = 64 pieces).
    for (const n of sizes()) expect(n).toBeLessThanOrEqual(1024 * KiB);
    // Every byte asked for was used: the yield stopped the runs where their requests ended.
    expect(server.bytesServed).toBe(sizes().reduce((n, x) => n + x, 0));
    expect(server.bytesServed).toBeLessThanOrEqual(data.length);
    expect(server.hits.length).toBeGreaterThanOrEqual(4);
  });

  it('maxRequestBytes (a reader that has not met its peers yet) caps every request', async () => {
    const { h, data, sizes } = await swarmedSeed(1024 * KiB, { maxRequestBytes: 256 * KiB });
    h.seed.start();
    await h.finished('idle');
    expectSameBytes(await h.fileBytes(0), data);
    expect(Math.max(...sizes())).toBeLessThanOrEqual(256 * KiB);
    expect(sizes().reduce((n, x) => n + x, 0)).toBe(data.length);
  });

  it('single-file, url-list not ending in /: the URL is the file, query kept', async () => {
    const data = content(5 * PL + 123, 2);
    const files = [{ path: 'data.bin', data }];
    const meta = await parse(await makeTorrent(files, { name: 'data.bin', urlList: [] }));
    server.files.set('/direct/other name.bin', data);
    const h = await seedHarness(meta, `${server.origin}/direct/other%20name.bin?token=a%20b`);

    h.seed.start();
    await h.finished('idle');

    expectSameBytes(await h.fileBytes(0), data);
    expect(server.hits.map((x) => x.url)).toEqual(['/direct/other%20name.bin?token=a%20b']);
    // The whole torrent in one range; the last piece is short.
    expect(server.hits[0]!.range).toBe(`bytes=0-${data.length - 1}`);
    expect(meta.pieceCount).toBe(6);
  });

  it('multi-file: <url>/<name>/<path>, encoded, pieces spanning files, empty file never asked', async () => {
    const name = 'Mön Album';
    const files: SourceFile[] = [
      { path: 'cover art.jpg', data: content(40_000, 3) },
      { path: 'sub dir/naïve 🎵.flac', data: content(100_001, 4) },
      { path: 'sub dir/empty.txt', data: new Uint8Array(0) },
      { path: 'z/last.bin', data: content(30_000, 5) },
    ];
    // By hand: create-torrent 6.1.3 hashes the last piece wrongly when a file is empty.
    const meta = await parse(handTorrent(files, { name, urlList: [] }));
    expect(meta.files.map((f) => f.path.join('/'))).toEqual(files.map((f) => f.path));
    server.serveTorrent('/seed/', name, files, true);

    for (const seedUrl of [`${server.origin}/seed/`, `${server.origin}/seed`]) {
      server.hits.length = 0;
      const h = await seedHarness(meta, seedUrl);
      h.seed.start();
      await h.finished('idle');

      for (let i = 0; i < files.length; i++) expectSameBytes(await h.fileBytes(i), files[i]!.data);
      expect((await h.storage.verified()).count()).toBe(meta.pieceCount);
      // One run covers the torrent: one whole-file range per non-empty file, in order.
      expect(server.hits.map((x) => [x.url, x.range])).toEqual([
        ['/seed/M%C3%B6n%20Album/cover%20art.jpg', 'bytes=0-39999'],
        ['/seed/M%C3%B6n%20Album/sub%20dir/na%C3%AFve%20%F0%9F%8E%B5.flac', 'bytes=0-100000'],
        ['/seed/M%C3%B6n%20Album/z/last.bin', 'bytes=0-29999'],
      ]);
    }
  });

  it('multi-file runs start and end inside files: ranges are cut at piece boundaries', async () => {
    const name = 'split';
    const files: SourceFile[] = [
      { path: 'a.bin', data: content(1024 * KiB + 777, 6) },
      { path: 'b.bin', data: content(600 * KiB, 7) },
    ];
    const meta = await parse(await makeTorrent(files, { name, urlList: [] }));
    server.serveTorrent('/', name, files, true);
    const h = await seedHarness(meta, `${server.origin}/`);

    h.seed.start();
    await h.finished('idle');

    expectSameBytes(await h.fileBytes(0), files[0]!.data);
    expectSameBytes(await h.fileBytes(1), files[1]!.data);
    // Run 1 = pieces 0..63 (inside a.bin); run 2 = pieces 64..102 (end of a.bin, all of b.bin).
    expect(server.hits.map((x) => [x.path, x.range]).sort()).toEqual([
      ['/split/a.bin', `bytes=0-${64 * PL - 1}`],
      ['/split/a.bin', `bytes=${64 * PL}-${files[0]!.data.length - 1}`],
      ['/split/b.bin', `bytes=0-${600 * KiB - 1}`],
    ]);
    expect(server.bytesServed).toBe(meta.length);
  });

  it('pad files (BEP 47): never requested, their bytes are zeros', async () => {
    const name = 'padded';
    // a.bin, pad to 2 pieces, b c.bin, pad to 4 pieces, c.bin (short last piece).
    const files: SourceFile[] = [
      { path: 'a.bin', data: content(20_000, 8) },
      { path: '.pad/12768', data: new Uint8Array(12_768), pad: true },
      { path: 'b c.bin', data: content(30_000, 9) },
      { path: '.pad/2768', data: new Uint8Array(2_768), pad: true },
      { path: 'c.bin', data: content(5_000, 10) },
    ];
    const meta = await parse(handTorrent(files, { name, urlList: [] }));
    expect(meta.files.map((f) => f.pad)).toEqual([false, true, false, true, false]);
    expect(meta.files[2]!.offset).toBe(2 * PL);
    expect(meta.files[4]!.offset).toBe(4 * PL);
    expect(meta.pieceCount).toBe(5);
    server.serveTorrent('/', name, files, true);
    const h = await seedHarness(meta, `${server.origin}/`);

    h.seed.start();
    await h.finished('idle');

    expect(h.hashFailures).toEqual([]);
    expect((await h.storage.verified()).count()).toBe(5);
    expect(server.hits.map((x) => x.path)).toEqual([
      '/padded/a.bin',
      '/padded/b c.bin',
      '/padded/c.bin',
    ]);
    for (const i of [0, 2, 4]) expectSameBytes(await h.fileBytes(i), files[i]!.data);
    // Piece 1 is the end of a.bin then pad zeros.
    const p1 = await h.storage.readPiece(1);
    expect(p1.subarray(20_000 - PL)).toEqual(new Uint8Array(2 * PL - 20_000));
    expect(p1.subarray(0, 20_000 - PL)).toEqual(files[0]!.data.subarray(PL));
  });
});

describe('WebSeed: failures', () => {
  it('404: failed at once with a clear, permanent error, no retries', async () => {
    const data = content(3 * PL, 11);
    const meta = await parse(
      await makeTorrent([{ path: 'gone.bin', data }], { name: 'gone.bin', urlList: [] }),
    );
    const h = await seedHarness(meta, `${server.origin}/nothing/`);

    h.seed.start();
    await h.finished('failed');

    expect(h.seed.error).toBeInstanceOf(WebSeedError);
    expect(h.seed.error!.permanent).toBe(true);
    expect(h.seed.error!.message).toMatch(/HTTP 404: file not available/);
    expect(h.seed.error!.message).toContain(`${server.origin}/nothing/`);
    expect(server.hits).toHaveLength(1);
    expect(h.clock.delays).toEqual([]);
    expect(h.clock.pending).toBe(0);
    // The pieces it had reserved are free again for other sources.
    expect(h.picker.unclaimed()).toBe(3);
    // A failed seed does not start again.
    h.seed.start();
    expect(server.hits).toHaveLength(1);
    expect(h.seed.state).toBe('failed');
  });

  it('500 twice, then OK: retried with growing backoff, completes', async () => {
    const data = content(10 * PL + 1, 12);
    const files = [{ path: 'flaky.bin', data }];
    const meta = await parse(await makeTorrent(files, { name: 'flaky.bin', urlList: [] }));
    server.serveTorrent('/', 'flaky.bin', files, false);
    server.fault = (_hit, n) => (n < 2 ? { status: 500 } : undefined);
    const h = await seedHarness(meta, `${server.origin}/`);

    h.seed.start();
    await h.finished('idle');

    expectSameBytes(await h.fileBytes(0), data);
    expect(server.hits.map((x) => x.status)).toEqual([500, 500, 206]);
    // backoff 1 s then 2 s (× 0.5 + random() = 1).
    expect(h.clock.delays).toEqual([1000, 2000]);
    expect(h.states).toEqual(['active', 'retrying', 'active', 'retrying', 'active', 'idle']);
  });

  it('an outage while several ranges are in flight counts as one failure per retry', async () => {
    // 4 MiB: three runs in flight at once. The server is down for the first 3 s (fake
    // time): the first attempt and the retry after 1 s fail, the retry after 2 more works.
    const data = content(4 * 1024 * KiB, 13);
    const files = [{ path: 'big.bin', data }];
    const meta = await parse(await makeTorrent(files, { name: 'big.bin', urlList: [] }));
    server.serveTorrent('/', 'big.bin', files, false);
    const clock = new FakeClock();
    server.fault = () => (clock.now() < 3000 ? { status: 503 } : undefined);
    const h = await seedHarness(meta, `${server.origin}/`, { clock });

    h.seed.start();
    await h.finished('idle');

    expect(h.seed.error?.message).toMatch(/HTTP 503/);
    expectSameBytes(await h.fileBytes(0), data);
    // Three ranges failed at once in the first round, yet that counted as one attempt.
    expect(server.hits.slice(0, 3).map((x) => x.status)).toEqual([503, 503, 503]);
    expect(server.hits.filter((x) => x.status === 503).length).toBeGreaterThanOrEqual(4);
    const ok = server.hits.filter((x) => x.status === 206);
    expect(ok.reduce((n, x) => n + x.last - x.first + 1, 0)).toBe(data.length);
    expect(h.clock.delays).toEqual([1000, 2000]);
  });

  it('gives up after maxAttempts retries of a server that keeps failing', async () => {
    const data = content(2 * PL, 14);
    const meta = await parse(
      await makeTorrent([{ path: 'down.bin', data }], { name: 'down.bin', urlList: [] }),
    );
    server.serveTorrent('/', 'down.bin', [{ path: 'down.bin', data }], false);
    server.fault = () => ({ status: 502 });
    const h = await seedHarness(meta, `${server.origin}/`);

    h.seed.start();
    await h.finished('failed');

    expect(h.seed.error!.message).toMatch(/HTTP 502/);
    expect(server.hits).toHaveLength(5);
    expect(h.clock.delays).toEqual([1000, 2000, 4000, 8000]);
    expect(h.clock.pending).toBe(0);
  });

  it('server ignoring Range: failed, "does not support HTTP Range", body released', async () => {
    // 64 MiB (zeros) in 256 KiB pieces, all but the last 4 had: one run asks for the last
    // MiB, and the server answers 200 with all 64 MiB.
    const pl = 256 * KiB;
    const files = [{ path: 'norange.bin', data: new Uint8Array(64 * 1024 * KiB) }];
    const meta = await parse(handTorrent(files, { name: 'dir', urlList: [], pieceLength: pl }));
    server.serveTorrent('/', 'dir', files, true);
    server.fault = () => ({ ignoreRange: true });
    const h = await seedHarness(meta, `${server.origin}/`);
    for (let i = 0; i < meta.pieceCount - 4; i++) h.picker.complete(i);

    h.seed.start();
    await h.finished('failed');

    expect(h.seed.error!.message).toMatch(/does not support HTTP Range/);
    expect(h.seed.error!.permanent).toBe(true);
    expect(server.hits.map((x) => [x.range, x.status])).toEqual([
      [`bytes=${meta.length - 4 * pl}-${meta.length - 1}`, 200],
    ]);
    expect(h.clock.delays).toEqual([]);
    expect((await h.storage.verified()).count()).toBe(0);
    expect(h.picker.unclaimed()).toBe(4);
    // The client hung up on the body it did not want, rather than leaving a connection
    // busy with 64 MiB that nobody reads.
    await server.hits[0]!.socketClosed;
  });

  it('a 200 for a whole-file range is fine when the length is right', async () => {
    const data = content(3 * PL + 5, 16);
    const files = [{ path: 'whole.bin', data }];
    const meta = await parse(await makeTorrent(files, { name: 'whole.bin', urlList: [] }));
    server.serveTorrent('/', 'whole.bin', files, false);
    server.fault = () => ({ ignoreRange: true });
    const h = await seedHarness(meta, `${server.origin}/`);

    h.seed.start();
    await h.finished('idle');
    expectSameBytes(await h.fileBytes(0), data);
    expect(server.hits.map((x) => x.status)).toEqual([200]);
  });

  it('a file shorter on the server than in the torrent: failed, permanent', async () => {
    const data = content(3 * PL, 17);
    const meta = await parse(
      await makeTorrent([{ path: 'short.bin', data }], { name: 'short.bin', urlList: [] }),
    );
    server.files.set('/short.bin', data.subarray(0, 2 * PL));
    const h = await seedHarness(meta, `${server.origin}/`);

    h.seed.start();
    await h.finished('failed');
    expect(h.seed.error!.permanent).toBe(true);
    expect(h.seed.error!.message).toMatch(/different range/);
    expect(server.hits).toHaveLength(1);
  });

  it('wrong bytes: pieces fail verification, none stored, seed failed with "wrong bytes"', async () => {
    const data = content(8 * PL, 18);
    const files = [{ path: 'bad.bin', data }];
    const meta = await parse(await makeTorrent(files, { name: 'bad.bin', urlList: [] }));
    server.serveTorrent('/', 'bad.bin', files, false);
    server.fault = () => ({ corrupt: true });
    const h = await seedHarness(meta, `${server.origin}/`);

    h.seed.start();
    await h.finished('failed');

    expect(h.seed.error!.message).toMatch(/wrong bytes/);
    expect(h.seed.error!.permanent).toBe(true);
    // Pieces are verified while the stream reads on (a few hand-offs at once), so failures
    // may finish in any order (seen: 0, 1, 4, with 2 and 3 still under way when the third
    // failed, and dropped then), and a few more may be under way.
    const failed = [...h.hashFailures].sort((a, b) => a - b);
    expect(failed.length).toBeGreaterThanOrEqual(3);
    expect(new Set(failed).size).toBe(failed.length);
    expect(failed.every((i) => i >= 0 && i < 8)).toBe(true);
    expect((await h.storage.verified()).count()).toBe(0);
    expect(h.picker.completeCount).toBe(0);
    expect(h.clock.delays).toEqual([]);
    // It stopped at the third bad piece rather than reading the whole range.
    expect(server.hits).toHaveLength(1);
  });

  it('connection dropped mid-body: retried from the first piece it did not get', async () => {
    const data = content(12 * PL + 99, 19);
    const files = [{ path: 'drop.bin', data }];
    const meta = await parse(await makeTorrent(files, { name: 'drop.bin', urlList: [] }));
    server.serveTorrent('/', 'drop.bin', files, false);
    server.fault = (_hit, n) => (n === 0 ? { holdAfter: 5 * PL + 100 } : undefined);
    const h = await seedHarness(meta, `${server.origin}/`);

    h.seed.start();
    await h.until(() => h.picker.completeCount === 5);
    server.hits[0]!.drop();
    await h.finished('idle');

    expectSameBytes(await h.fileBytes(0), data);
    expect(h.hashFailures).toEqual([]);
    expect(h.seed.error?.permanent).toBe(false);
    expect(server.hits.map((x) => x.range)).toEqual([
      `bytes=0-${data.length - 1}`,
      `bytes=${5 * PL}-${data.length - 1}`,
    ]);
    expect(h.clock.delays).toEqual([1000]);
  });

  it('destroy mid-range: the request is aborted and its pieces are free at once', async () => {
    const data = content(16 * PL, 20);
    const files = [{ path: 'slow.bin', data }];
    const meta = await parse(await makeTorrent(files, { name: 'slow.bin', urlList: [] }));
    server.serveTorrent('/', 'slow.bin', files, false);
    server.fault = () => ({ holdAfter: 3 * PL + 10 });
    const h = await seedHarness(meta, `${server.origin}/`);

    h.seed.start();
    await h.until(() => h.picker.completeCount === 3);
    h.seed.destroy();

    expect(h.seed.state).toBe('stopped');
    // Another source can take the 13 pieces the seed had not delivered, straight away.
    const run = h.picker.reserveRun('other', 100)!;
    expect([run.first, run.count]).toEqual([3, 13]);
    await server.hits[0]!.closed;
    expect(server.hits).toHaveLength(1);
    expect(h.clock.pending).toBe(0);
  });

  it('a connection that drops again and again, delivering each time, is retried for as long', async () => {
    // 8 pieces; each of the first 7 responses sends one piece and a bit, then its
    // connection drops: 7 failures, more than maxAttempts, but each after progress.
    const data = content(8 * PL, 29);
    const files = [{ path: 'flaky.bin', data }];
    const meta = await parse(await makeTorrent(files, { name: 'flaky.bin', urlList: [] }));
    server.serveTorrent('/', 'flaky.bin', files, false);
    server.fault = (_hit, n) => (n < 7 ? { holdAfter: PL + 7 } : undefined);
    const h = await seedHarness(meta, `${server.origin}/`);

    h.seed.start();
    for (let k = 1; k <= 7; k++) {
      await h.until(() => h.picker.completeCount === k || h.seed.state === 'failed');
      expect(h.seed.state, `after ${k - 1} drops: ${h.seed.error?.message}`).not.toBe('failed');
      server.hits[k - 1]!.drop();
    }
    await h.finished('idle');

    expectSameBytes(await h.fileBytes(0), data);
    expect(server.hits.map((x) => x.first)).toEqual([...Array(8).keys()].map((i) => i * PL));
    // Each drop is the first failure since the last piece: the shortest backoff each time.
    expect(h.clock.delays).toEqual(Array<number>(7).fill(1000));
  });

  it('a run that fails gives its pieces back and says so (released), before the seed fails', async () => {
    const data = content(6 * PL, 30);
    const meta = await parse(
      await makeTorrent([{ path: 'gone.bin', data }], { name: 'gone.bin', urlList: [] }),
    );
    const h = await seedHarness(meta, `${server.origin}/nothing/`);
    const order: string[] = [];
    h.seed.on('released', (n) => order.push(`released ${n}`));
    h.seed.on('state', (s) => order.push(s));

    h.seed.start();
    await h.finished('failed');

    expect(order).toEqual(['active', 'released 6', 'failed']);
    expect(h.picker.unclaimed()).toBe(6);
  });

  it('a retry that finds nothing left to fetch leaves the seed idle, not retrying', async () => {
    const data = content(4 * PL, 21);
    const files = [{ path: 'r.bin', data }];
    const meta = await parse(await makeTorrent(files, { name: 'r.bin', urlList: [] }));
    server.serveTorrent('/', 'r.bin', files, false);
    server.fault = () => ({ status: 500 });
    const h = await seedHarness(meta, `${server.origin}/`, { clock: new FakeClock(false) });

    h.seed.start();
    expect(await h.reach('retrying', 'failed')).toBe('retrying');
    // Meanwhile other sources (peers) delivered everything.
    for (let i = 0; i < meta.pieceCount; i++) h.picker.complete(i);
    h.clock.fireAll();

    expect(h.seed.state).toBe('idle');
    expect(server.hits).toHaveLength(1);
  });
});

describe('Torrent with a web seed: only verified bytes are ever marked verified', () => {
  it('downloads a multi-file torrent with pad files; the store holds exactly the verified pieces', async () => {
    const name = 'Ünï pad';
    const files: SourceFile[] = [
      { path: 'one.bin', data: content(50_000, 22) },
      { path: '.pad/15536', data: new Uint8Array(15_536), pad: true },
      { path: 'two words.bin', data: content(70_000, 23) },
      { path: 'zero.txt', data: new Uint8Array(0) },
    ];
    const bytes = handTorrent(files, { name, urlList: [] });
    const meta = await parse(bytes);
    server.serveTorrent('/ws/', name, files, true);
    const store = new CheckingStore(meta);
    const withSeed = { ...meta, urlList: [`${server.origin}/ws/`] };
    const run = await startTorrent(withSeed, store);

    await run.settled();

    expect(run.t.state).toBe('done');
    expect(run.t.view().progress).toBe(100);
    expect(run.completed.sort()).toEqual([0, 2, 3]);
    expect(store.violations).toEqual([]);
    expect(store.writes.sort((a, b) => a - b)).toEqual([...Array(meta.pieceCount).keys()]);
    expect((await store.audit()).size).toBe(meta.pieceCount);
    for (const i of [0, 2, 3]) {
      expectSameBytes(
        new Uint8Array(await (await run.t.fileBlob(i)).arrayBuffer()),
        files[i]!.data,
      );
    }
    expect(server.hits.every((x) => !x.path.includes('.pad'))).toBe(true);
    await run.t.destroy();
  });

  it('wrong bytes: the torrent fails with the seed’s reason and nothing is written', async () => {
    const data = content(6 * PL, 24);
    const files = [{ path: 'evil.bin', data }];
    const meta = await parse(await makeTorrent(files, { name: 'evil.bin', urlList: [] }));
    server.serveTorrent('/', 'evil.bin', files, false);
    server.fault = () => ({ corrupt: true });
    const store = new CheckingStore(meta);
    const warnings: string[] = [];
    const run = await startTorrent({ ...meta, urlList: [`${server.origin}/`] }, store);
    run.t.on('warning', (w) => warnings.push(w));

    await run.settled();

    expect(run.t.state).toBe('error');
    expect(run.t.error).toMatch(/wrong bytes/);
    expect(warnings.some((w) => /failed verification/.test(w))).toBe(true);
    expect(store.writes).toEqual([]);
    expect(store.marked).toEqual([]);
    expect(store.violations).toEqual([]);
    expect((await store.audit()).size).toBe(0);
    expect(run.t.view().progress).toBe(0);
    await run.t.destroy();
  });

  it('one corrupted piece among good ones: the good ones are kept, the bad one never', async () => {
    const data = content(6 * PL, 25);
    const files = [{ path: 'onebad.bin', data }];
    const meta = await parse(await makeTorrent(files, { name: 'onebad.bin', urlList: [] }));
    const served = data.slice();
    served[3 * PL + 17]! ^= 0xff;
    server.files.set('/onebad.bin', served);
    const store = new CheckingStore(meta);
    const run = await startTorrent({ ...meta, urlList: [`${server.origin}/`] }, store);

    await run.settled();

    expect(run.t.state).toBe('error');
    expect(run.t.error).toMatch(/wrong bytes: piece 3/);
    expect(store.violations).toEqual([]);
    expect([...(await store.audit())].sort()).toEqual([0, 1, 2, 4, 5]);
    // Piece 3 was fetched maxHashFailures times: in the first range, then on its own.
    expect(server.hits.map((x) => x.range)).toEqual([
      `bytes=0-${6 * PL - 1}`,
      ...Array<string>(WEBSEED_DEFAULTS.maxHashFailures - 1).fill(`bytes=${3 * PL}-${4 * PL - 1}`),
    ]);
    await run.t.destroy();
  });

  it('404: the torrent goes to error quickly with the seed’s reason', async () => {
    const data = content(2 * PL, 26);
    const meta = await parse(
      await makeTorrent([{ path: 'x.bin', data }], { name: 'x.bin', urlList: [] }),
    );
    const store = new CheckingStore(meta);
    const run = await startTorrent({ ...meta, urlList: [`${server.origin}/missing/`] }, store);

    await run.settled();

    expect(run.t.state).toBe('error');
    expect(run.t.error).toMatch(/missing\/: HTTP 404/);
    expect(server.hits).toHaveLength(1);
    expect(run.clock.delays).toEqual([]);
    await run.t.destroy();
  });

  it('connection dropped mid-body: completes, with no unverified piece ever marked', async () => {
    const data = content(9 * PL + 1234, 27);
    const files = [{ path: 'cut.bin', data }];
    const meta = await parse(await makeTorrent(files, { name: 'cut.bin', urlList: [] }));
    server.serveTorrent('/', 'cut.bin', files, false);
    server.fault = (_hit, n) => (n < 2 ? { holdAfter: 2 * PL + 7 } : undefined);
    const store = new CheckingStore(meta);
    const run = await startTorrent({ ...meta, urlList: [`${server.origin}/`] }, store);

    await run.until(() => run.t.view().verifiedBytes === 2 * PL);
    server.hits[0]!.drop();
    await run.until(() => run.t.view().verifiedBytes === 4 * PL);
    server.hits[1]!.drop();
    await run.settled();

    expect(run.t.state).toBe('done');
    expect(store.violations).toEqual([]);
    expect((await store.audit()).size).toBe(10);
    expectSameBytes(new Uint8Array(await (await run.t.fileBlob(0)).arrayBuffer()), data);
    expect(server.hits.map((x) => x.first)).toEqual([0, 2 * PL, 4 * PL]);
    await run.t.destroy();
  });

  it('pause then resume at once (while a range is in flight) still completes', async () => {
    const data = content(16 * PL, 28);
    const files = [{ path: 'pr.bin', data }];
    const meta = await parse(await makeTorrent(files, { name: 'pr.bin', urlList: [] }));
    server.serveTorrent('/', 'pr.bin', files, false);
    server.fault = (_hit, n) => (n === 0 ? { holdAfter: 5 * PL + 1 } : undefined);
    const store = new CheckingStore(meta);
    const run = await startTorrent({ ...meta, urlList: [`${server.origin}/`] }, store);

    await run.until(() => run.t.view().verifiedBytes === 5 * PL);
    run.t.pause();
    run.t.resume();
    await run.settled();

    expect(run.t.state).toBe('done');
    expect(store.violations).toEqual([]);
    expectSameBytes(new Uint8Array(await (await run.t.fileBlob(0)).arrayBuffer()), data);
    expect(server.hits.map((x) => x.first)).toEqual([0, 5 * PL]);
    await run.t.destroy();
  });
});

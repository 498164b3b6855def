/**
 * Storage running out mid-download: the torrent stops with a message that says what to do,
 * every piece verified before is kept (and right), and Resume, once there is space again,
 * fetches only what is missing. The store here refuses writes past a byte budget the way the
 * browser store does when the disk or the quota is full (a StoreError of kind 'full'); the
 * real full disk is tests/e2e/disk-full.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { FileServer, fileServerEachTest } from '../../tests/fixtures/file-server.ts';
import { PL, content, expectSameBytes, makeTorrent, parse } from '../../tests/fixtures/torrents.ts';
import { CheckingStore, startTorrent } from '../../tests/fixtures/webseed-harness.ts';
import { StoreError, storageFailure } from './errors.ts';
import type { StorageLayout, TorrentStorage } from './piece-store.ts';

/** A CheckingStore that refuses piece writes once `budget` bytes were written. */
class FullingStore extends CheckingStore {
  budget = Infinity;

  override async open(layout: StorageLayout): Promise<TorrentStorage> {
    const inner = await super.open(layout);
    return {
      ...inner,
      writePiece: async (index, data) => {
        if (data.byteLength > this.budget) {
          throw new StoreError('write: no space available', { kind: 'full' });
        }
        this.budget -= data.byteLength;
        return inner.writePiece(index, data);
      },
    };
  }
}

let server: FileServer;
fileServerEachTest((s) => (server = s));

describe('storage full mid-download', () => {
  it('stops with a clear message, keeps what was verified, and Resume fetches only the rest', async () => {
    const data = content(96 * PL, 61);
    const files = [{ path: 'full.bin', data }];
    const meta = await parse(await makeTorrent(files, { name: 'full.bin', urlList: [] }));
    server.serveTorrent('/', 'full.bin', files, false);
    const store = new FullingStore(meta);
    store.budget = 40 * PL;
    const errors: string[] = [];
    const run = await startTorrent({ ...meta, urlList: [`${server.origin}/`] }, store);
    run.t.on('error', (m) => errors.push(m));

    await run.settled();

    expect(run.t.state).toBe('error');
    expect(run.t.error).toBe(storageFailure(new StoreError('x', { kind: 'full' })));
    expect(run.t.error).toMatch(/^Out of storage space: .* Free some space, then Resume/);
    // The popup says it in the reader's language from the problem's code.
    expect(run.t.view().problem?.code).toBe('storage-full');
    // Told once, however many pieces were in flight when the disk filled.
    expect(errors).toHaveLength(1);
    const kept = await store.audit();
    expect(kept.size).toBe(40);
    expect(store.violations).toEqual([]);
    expect(run.t.view().progress).toBe(Math.floor((40 / 96) * 100));

    // Space is free again.
    store.budget = Infinity;
    const before = server.hits.length;
    run.t.resume();
    await run.settled();

    expect(run.t.state).toBe('done');
    expectSameBytes(new Uint8Array(await (await run.t.fileBlob(0)).arrayBuffer()), data);
    expect(store.violations).toEqual([]);
    // Only the missing pieces were asked for again.
    // Nothing verified before was asked for again.
    const again = server.hits.slice(before).flatMap((h) => {
      const pieces = [];
      for (let p = h.first / PL; p <= h.last / PL; p++) pieces.push(Math.floor(p));
      return pieces.filter((p) => kept.has(p));
    });
    expect(again).toEqual([]);
    await run.t.destroy();
  });

  it('any other storage failure keeps its own message', () => {
    expect(storageFailure(new StoreError('OPFS worker terminated'))).toBe(
      'Storage failed: OPFS worker terminated',
    );
  });
});

/**
 * The one contract every PieceStore backend passes (memory in Node, OPFS + IndexedDB in
 * Chromium). Each test uses fresh random infohashes, so backends may share persisted data
 * between tests.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../lib/engine/errors.ts';
import {
  pieceSize,
  type PieceStore,
  type StorageLayout,
  type TorrentStorage,
} from '../lib/engine/piece-store.ts';

type FileSpec = number | { pad: number };

export function makeLayout(pieceLength: number, specs: FileSpec[]): StorageLayout {
  let offset = 0;
  const files = specs.map((spec) => {
    const pad = typeof spec !== 'number';
    const length = pad ? spec.pad : spec;
    const file = { length, offset, pad };
    offset += length;
    return file;
  });
  const pieceCount = Math.ceil(offset / pieceLength);
  return { infoHash: randomInfoHash(), pieceLength, pieceCount, length: offset, files };
}

function randomInfoHash(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(20));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Never zero, so dropped pad bytes are told apart from written ones. */
const byteAt = (seed: number, pos: number) => ((pos * 131 + seed * 7919) % 251) + 1;

/** A fresh buffer each call: a backend may take ownership of (detach) what it is given. */
function pieceData(layout: StorageLayout, seed: number, index: number): Uint8Array {
  const start = index * layout.pieceLength;
  const out = new Uint8Array(pieceSize(layout, index));
  for (let k = 0; k < out.length; k++) out[k] = byteAt(seed, start + k);
  return out;
}

/** What reading a written piece gives: the data, with zeros where pad files are. */
function expectedPiece(layout: StorageLayout, seed: number, index: number): Uint8Array {
  const out = pieceData(layout, seed, index);
  const start = index * layout.pieceLength;
  for (const f of layout.files) {
    if (!f.pad) continue;
    const s = Math.max(f.offset, start) - start;
    const e = Math.min(f.offset + f.length, start + out.length) - start;
    if (e > s) out.fill(0, s, e);
  }
  return out;
}

function expectedFile(layout: StorageLayout, seed: number, fileIndex: number): Uint8Array {
  const f = layout.files[fileIndex]!;
  return Uint8Array.from({ length: f.length }, (_, k) => byteAt(seed, f.offset + k));
}

/** Compares bytes with a short failure message instead of a dump of both arrays. */
function expectBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  expect(actual.byteLength, `${what}: length`).toBe(expected.byteLength);
  const at = actual.findIndex((b, k) => b !== expected[k]);
  expect(at, `${what}: first differing byte`).toBe(-1);
}

async function expectFile(t: TorrentStorage, seed: number, fileIndex: number): Promise<void> {
  const blob = await t.fileBlob(fileIndex);
  expect(blob.type).toBe('application/octet-stream');
  const bytes = new Uint8Array(await blob.arrayBuffer());
  expectBytes(bytes, expectedFile(t.layout, seed, fileIndex), `file ${fileIndex}`);
}

async function writeAll(t: TorrentStorage, seed: number, order?: number[]): Promise<void> {
  for (const i of order ?? range(t.layout.pieceCount)) {
    await t.writePiece(i, pieceData(t.layout, seed, i));
  }
}

async function expectPieces(t: TorrentStorage, seed: number): Promise<void> {
  for (let i = 0; i < t.layout.pieceCount; i++) {
    expectBytes(await t.readPiece(i), expectedPiece(t.layout, seed, i), `piece ${i}`);
  }
}

/** The verified pieces' indices, ascending. */
async function indices(t: TorrentStorage): Promise<number[]> {
  return [...(await t.verified()).setIndices()];
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Deterministic shuffle (mulberry32), so a failing order can be replayed. */
function shuffled<T>(items: T[], seed: number): T[] {
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export function describePieceStoreContract(
  name: string,
  makeStore: () => PieceStore | Promise<PieceStore>,
  /** A fresh instance over the same persisted data, to simulate a restart. */
  reopenStore?: () => PieceStore | Promise<PieceStore>,
): void {
  describe(`PieceStore contract: ${name}`, () => {
    let store: PieceStore;
    const opened: TorrentStorage[] = [];
    const open = async (s: PieceStore, layout: StorageLayout) => {
      const t = await s.open(layout);
      opened.push(t);
      return t;
    };
    /** Without reopenStore, the same store instance stands for the restarted one. */
    const restart = async () => (reopenStore ? await reopenStore() : store);

    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      for (const t of opened.splice(0)) await t.close().catch(() => undefined);
    });

    it('starts with nothing verified', async () => {
      const t = await open(store, makeLayout(64, [100, 50]));
      expect(await indices(t)).toEqual([]);
    });

    it('writes and reads pieces that span file boundaries, the last one short', async () => {
      const t = await open(store, makeLayout(256, [100, 300, 50, 1000, 7]));
      expect(t.layout.pieceCount).toBe(6);
      expect(pieceSize(t.layout, 5)).toBe(177);
      await writeAll(t, 1);
      await expectPieces(t, 1);
      for (let f = 0; f < 5; f++) await expectFile(t, 1, f);
    });

    it('drops bytes that fall in pad files and reads them back as zeros', async () => {
      // Piece 1 ends in a pad file, piece 2 lies wholly in it.
      const t = await open(store, makeLayout(256, [300, { pad: 468 }, 512, 100]));
      await writeAll(t, 2);
      await expectPieces(t, 2);
      expect((await t.readPiece(2)).every((b) => b === 0)).toBe(true);
      for (const f of [0, 2, 3]) await expectFile(t, 2, f);
    });

    it('gives empty blobs for zero-length files, written or not', async () => {
      const t = await open(store, makeLayout(128, [0, 200, 0, 0, 100, 0]));
      for (const f of [0, 2, 3, 5]) {
        const blob = await t.fileBlob(f);
        expect(blob.size).toBe(0);
        expect(blob.type).toBe('application/octet-stream');
      }
      await writeAll(t, 3);
      for (const f of [0, 2, 3, 5]) expect((await t.fileBlob(f)).size).toBe(0);
      await expectFile(t, 3, 1);
      await expectFile(t, 3, 4);
    });

    it('shows a piece in verified() once markVerified resolved', async () => {
      const t = await open(store, makeLayout(64, [300]));
      await writeAll(t, 4);
      await t.markVerified(3);
      expect(await indices(t)).toEqual([3]);
    });

    it('keeps verified pieces and their data across close and reopen', async () => {
      const layout = makeLayout(128, [200, 500, 90]);
      const t = await open(store, layout);
      await writeAll(t, 5);
      for (const i of [0, 2, 5]) await t.markVerified(i);
      await t.close();
      const again = await open(await restart(), layout);
      expect(await indices(again)).toEqual([0, 2, 5]);
      await expectPieces(again, 5);
      await expectFile(again, 5, 1);
    });

    it('persists many markVerified calls, awaited or not, once closed', async () => {
      const layout = makeLayout(16, [7000, 5000, 4000]);
      expect(layout.pieceCount).toBe(1000);
      const t = await open(store, layout);
      await writeAll(t, 6);
      for (let i = 0; i < 500; i++) await t.markVerified(i);
      await Promise.all(range(500).map((i) => t.markVerified(500 + i)));
      await t.close();
      const again = await open(await restart(), layout);
      expect((await again.verified()).count()).toBe(1000);
    });

    it('lands concurrent writePiece calls of different pieces', async () => {
      const t = await open(store, makeLayout(100, [150, 333, 20, 497]));
      await Promise.all(
        range(t.layout.pieceCount).map((i) => t.writePiece(i, pieceData(t.layout, 7, i))),
      );
      await expectPieces(t, 7);
    });

    it('hands the written buffer back for reuse without touching what was stored', async () => {
      const t = await open(store, makeLayout(64, [256]));
      const back = await t.writePiece(0, pieceData(t.layout, 5, 0));
      expect(back).toBeInstanceOf(ArrayBuffer);
      expect(back!.byteLength).toBe(64);
      // The caller reuses that memory for the next piece, as the engine's BufferPool does.
      const reused = new Uint8Array(back!);
      reused.set(pieceData(t.layout, 5, 1));
      await t.writePiece(1, reused);
      expectBytes(await t.readPiece(0), expectedPiece(t.layout, 5, 0), 'piece 0');
      expectBytes(await t.readPiece(1), expectedPiece(t.layout, 5, 1), 'piece 1');
    });

    it('leaves the caller buffer usable when the piece is a view into a larger one', async () => {
      const t = await open(store, makeLayout(64, [200]));
      const big = new Uint8Array(1000).fill(9);
      const view = big.subarray(100, 164);
      view.set(pieceData(t.layout, 8, 0));
      await t.writePiece(0, view);
      expect(big.byteLength).toBe(1000);
      expect(big[0]).toBe(9);
      expectBytes(await t.readPiece(0), expectedPiece(t.layout, 8, 0), 'piece 0');
    });

    it('keeps two torrents apart', async () => {
      const a = await open(store, makeLayout(128, [300, 200]));
      const b = await open(store, makeLayout(128, [300, 200]));
      await writeAll(a, 10);
      await writeAll(b, 11);
      await a.markVerified(1);
      await b.markVerified(2);
      await expectPieces(a, 10);
      await expectPieces(b, 11);
      expect(await indices(a)).toEqual([1]);
      expect(await indices(b)).toEqual([2]);
      await b.close();
      await store.remove(b.layout.infoHash);
      await expectPieces(a, 10);
      expect(await indices(a)).toEqual([1]);
    });

    it('remove deletes the data and the bitfield', async () => {
      const layout = makeLayout(128, [300, 200]);
      const t = await open(store, layout);
      await writeAll(t, 12);
      for (const i of range(layout.pieceCount)) await t.markVerified(i);
      await t.close();
      const later = await restart();
      await later.remove(layout.infoHash);
      const again = await open(later, layout);
      expect(await indices(again)).toEqual([]);
      for (const i of range(layout.pieceCount)) {
        expect((await again.readPiece(i)).every((b) => b === 0)).toBe(true);
      }
    });

    it('handles 40 files written, read and saved in random order', async () => {
      const sizes = shuffled(range(40), 1).map((k) => 1 + ((k * 37) % 190));
      const t = await open(store, makeLayout(64, sizes));
      await writeAll(t, 13, shuffled(range(t.layout.pieceCount), 2));
      for (const i of shuffled(range(t.layout.pieceCount), 3)) {
        expectBytes(await t.readPiece(i), expectedPiece(t.layout, 13, i), `piece ${i}`);
      }
      for (const f of shuffled(range(40), 4)) await expectFile(t, 13, f);
    });

    it('writes a piece that spans more files than a backend may keep open', async () => {
      const t = await open(store, makeLayout(512, [...range(60).map((k) => 1 + (k % 9)), 100]));
      expect(t.layout.pieceCount).toBe(1);
      await writeAll(t, 15);
      await expectPieces(t, 15);
      for (const f of shuffled(range(61), 5)) await expectFile(t, 15, f);
    });

    it('keeps a file blob readable while pieces of that file are read (seeding while saving)', async () => {
      const t = await open(store, makeLayout(64, [100, 300]));
      await writeAll(t, 14);
      const blob = await t.fileBlob(1);
      for (const i of range(t.layout.pieceCount)) await t.readPiece(i);
      expectBytes(new Uint8Array(await blob.arrayBuffer()), expectedFile(t.layout, 14, 1), 'blob');
    });

    it('reads blocks of a piece, across file boundaries and pad bytes, without the whole piece', async () => {
      // 64-byte pieces over files of 100, 30 (pad) and 90 bytes: piece 1 spans all three.
      const layout = makeLayout(64, [100, { pad: 30 }, 90]);
      const t = await open(store, layout);
      await writeAll(t, 21);
      for (const i of range(layout.pieceCount)) {
        const whole = expectedPiece(layout, 21, i);
        for (const [offset, length] of [
          [0, whole.byteLength],
          [0, 1],
          [10, 40],
          [whole.byteLength - 7, 7],
        ] as const) {
          if (offset < 0 || length > whole.byteLength) continue;
          expectBytes(
            await t.readBlock(i, offset, length),
            whole.subarray(offset, offset + length),
            `piece ${i} block ${offset}+${length}`,
          );
        }
      }
      await expect(t.readBlock(0, 60, 8)).rejects.toBeInstanceOf(StoreError);
      await expect(t.readBlock(0, -1, 4)).rejects.toBeInstanceOf(StoreError);
      await expect(t.readBlock(0, 0, 0)).rejects.toBeInstanceOf(StoreError);
      await expect(t.readBlock(layout.pieceCount, 0, 1)).rejects.toBeInstanceOf(StoreError);
    });

    it('rejects wrong sizes, bad indices and use after close with a StoreError', async () => {
      const t = await open(store, makeLayout(64, [100]));
      await expect(t.writePiece(0, new Uint8Array(10))).rejects.toBeInstanceOf(StoreError);
      await expect(t.writePiece(2, new Uint8Array(64))).rejects.toBeInstanceOf(StoreError);
      await expect(t.markVerified(-1)).rejects.toBeInstanceOf(StoreError);
      await expect(t.readPiece(2)).rejects.toBeInstanceOf(StoreError);
      await t.close();
      await expect(t.readPiece(0)).rejects.toBeInstanceOf(StoreError);
    });
  });
}

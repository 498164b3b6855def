import { describe, expect, it } from 'vitest';
import {
  MAX_PENDING,
  MAX_PENDING_BYTES,
  PieceAssembler,
  pendingLimit,
  pumpBody,
} from './piece-assembler.ts';
import { Picker, Run } from './picker.ts';
import type { StorageLayout } from './piece-store.ts';

const layout: StorageLayout = {
  infoHash: 'a'.repeat(40),
  pieceLength: 4,
  pieceCount: 5,
  length: 18,
  files: [{ length: 18, offset: 0, pad: false }],
};

const KiB = 1024;
const MiB = 1024 * KiB;

/** Lets every promise chain already under way run (one turn of the event loop). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const bytes = (n: number, from = 0) => Uint8Array.from({ length: n }, (_, i) => from + i);

/** Hand-offs that finish only when the test says so. */
function gated() {
  const handed: { index: number; data: number[]; finish: (err?: Error) => void }[] = [];
  const onPiece = (index: number, data: Uint8Array) =>
    new Promise<void>((resolve, reject) => {
      handed.push({ index, data: [...data], finish: (err) => (err ? reject(err) : resolve()) });
    });
  return { handed, onPiece };
}

/** The bytes 0..17 cut into the test layout's five pieces (4 bytes each, the last 2). */
const FIVE_PIECES = [
  [0, 1, 2, 3],
  [4, 5, 6, 7],
  [8, 9, 10, 11],
  [12, 13, 14, 15],
  [16, 17],
];

describe('PieceAssembler', () => {
  it('cuts a stream into pieces, the last one short, across chunk boundaries', async () => {
    const { handed, onPiece } = gated();
    const a = new PieceAssembler(
      layout,
      new Run('ws', 0, 5),
      (n) => new Uint8Array(n),
      onPiece,
      10,
    );
    await a.push(bytes(3));
    await a.push(bytes(10, 3));
    await a.push(bytes(5, 13));
    expect(handed.map((h) => h.index)).toEqual([0, 1, 2, 3, 4]);
    expect(handed.map((h) => h.data)).toEqual(FIVE_PIECES);
    handed.forEach((h) => h.finish());
    await a.drain();
  });

  it('keeps at most maxPending hand-offs running while it reads on; then the stream waits', async () => {
    const { handed, onPiece } = gated();
    const a = new PieceAssembler(layout, new Run('ws', 0, 5), (n) => new Uint8Array(n), onPiece, 2);
    await a.push(bytes(8));
    expect(handed).toHaveLength(2);
    // A third piece: the stream waits until one of the two hand-offs ends.
    let done = false;
    const third = a.push(bytes(4, 8)).then(() => (done = true));
    await settle();
    expect(handed).toHaveLength(3);
    expect(done).toBe(false);
    handed[0]!.finish();
    await third;
    handed.slice(1).forEach((h) => h.finish());
    await a.drain();
  });

  it('pendingLimit: about 16 MiB of pieces handed on per run, at least one, at most 4', () => {
    expect(pendingLimit(16 * KiB)).toBe(MAX_PENDING);
    expect(pendingLimit(4 * MiB)).toBe(4);
    expect(pendingLimit(8 * MiB)).toBe(2);
    expect(pendingLimit(16 * MiB)).toBe(1);
    expect(pendingLimit(64 * MiB)).toBe(1);
    expect(MAX_PENDING_BYTES).toBe(16 * MiB);
  });

  it('with 16 MiB pieces a run holds two pieces at most: one handed on, one being read', async () => {
    const big: StorageLayout = {
      infoHash: 'b'.repeat(40),
      pieceLength: 16 * MiB,
      pieceCount: 3,
      length: 48 * MiB,
      files: [{ length: 48 * MiB, offset: 0, pad: false }],
    };
    let live = 0;
    let peak = 0;
    const alloc = (n: number): Uint8Array => {
      peak = Math.max(peak, ++live);
      return new Uint8Array(n);
    };
    const ends: (() => void)[] = [];
    const onPiece = (): Promise<void> =>
      new Promise((resolve) =>
        ends.push(() => {
          live--;
          resolve();
        }),
      );
    const a = new PieceAssembler(big, new Run('ws', 0, 3), alloc, onPiece);
    const chunk = new Uint8Array(16 * MiB);

    await a.push(chunk);
    expect(ends).toHaveLength(1);
    let done = false;
    const second = a.push(chunk).then(() => (done = true));
    await settle();
    // Piece 1 is full while piece 0 is still being stored: the stream waits, and takes no
    // memory for piece 2 yet.
    expect(ends).toHaveLength(2);
    expect(done).toBe(false);
    expect(peak).toBe(2);
    ends[0]!();
    await second;
    const third = a.push(chunk);
    ends[1]!();
    await third;
    ends[2]!();
    await a.drain();
    expect(peak).toBe(2);
  });

  it('rethrows a failed hand-off from the next push or from drain', async () => {
    const { handed, onPiece } = gated();
    const a = new PieceAssembler(layout, new Run('ws', 0, 5), (n) => new Uint8Array(n), onPiece, 4);
    await a.push(bytes(4));
    handed[0]!.finish(new Error('wrong bytes'));
    await expect(a.drain()).rejects.toThrow('wrong bytes');
    await expect(a.push(bytes(4, 4))).rejects.toThrow('wrong bytes');
  });

  it('endRun gives back the pieces not handed on, and the assembler drops later bytes', async () => {
    const { handed, onPiece } = gated();
    const picker = new Picker(5);
    const run = picker.reserveRun('ws', 5)!;
    expect([run.first, run.count]).toEqual([0, 5]);
    const a = new PieceAssembler(layout, run, (n) => new Uint8Array(n), onPiece, 4);
    await a.push(bytes(6));
    expect(picker.endRun(run)).toBe(4);
    expect(a.finished).toBe(true);
    const again = picker.reserveRun('ws', 5)!;
    expect([again.first, again.count]).toEqual([1, 4]);
    await a.push(bytes(12, 6));
    expect(handed.map((h) => h.index)).toEqual([0]);
  });

  it.each([
    ['a byte stream, read with a BYOB reader', 'bytes'],
    ['a plain stream, read chunk by chunk', undefined],
  ] as const)('pumpBody: %s', async (_, type) => {
    const chunks = [bytes(3), bytes(7, 3), bytes(8, 10), bytes(5, 18)];
    const body = new ReadableStream<Uint8Array>({
      type,
      start(controller) {
        for (const c of chunks) controller.enqueue(c);
        controller.close();
      },
    } as UnderlyingDefaultSource<Uint8Array>);
    const { handed, onPiece } = gated();
    const a = new PieceAssembler(
      layout,
      new Run('ws', 0, 5),
      (n) => new Uint8Array(n),
      onPiece,
      10,
    );
    let counted = 0;
    // 18 bytes wanted out of 23 sent: the rest is left unread.
    const got = await pumpBody(body, 18, a, (n) => (counted += n));
    expect(got).toBe(18);
    expect(counted).toBe(18);
    expect(handed.map((h) => h.data)).toEqual(FIVE_PIECES);
    handed.forEach((h) => h.finish());
    await a.drain();
  });

  it('pumpBody reports a body that ends early', async () => {
    const body = new ReadableStream<Uint8Array>({
      type: 'bytes',
      start(controller) {
        controller.enqueue(bytes(6));
        controller.close();
      },
    });
    const { handed, onPiece } = gated();
    const a = new PieceAssembler(
      layout,
      new Run('ws', 0, 5),
      (n) => new Uint8Array(n),
      onPiece,
      10,
    );
    expect(await pumpBody(body, 18, a, () => {})).toBe(6);
    expect(handed.map((h) => h.index)).toEqual([0]);
  });
});

import { createHash } from 'node:crypto';
import bencode, { type BencodeInput } from 'bencode';
import { describe, expect, it } from 'vitest';
import { concatBytes } from './bytes.ts';
import type { Metainfo } from './metainfo.ts';
import { parse, rejection } from './fixtures/parse.ts';
import { savePaths } from './save-paths.ts';

/**
 * One torrent, one meaning: what we read is what every other client reads, and what the
 * infohash stands for. Keys that read as the same text, BEP 47 attributes, and hybrid
 * v1/v2 torrents whose two file lists disagree.
 */

const latin1 = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const enc = (v: BencodeInput): Uint8Array => bencode.encode(v);
const PL = 16384;
type Info = Record<string, BencodeInput>;

const single = (name: string, length: number): Info => ({
  name,
  'piece length': PL,
  length,
  pieces: new Uint8Array(20 * Math.ceil(length / PL)).fill(7),
});

/** `d<key><value>…e` with keys as raw bytes, in the order given (not sorted). */
const rawDict = (entries: [string, Uint8Array][]): Uint8Array =>
  concatBytes([
    latin1('d'),
    ...entries.flatMap(([k, v]) => [latin1(`${k.length}:${k}`), v]),
    latin1('e'),
  ]);

describe('keys that read as the same text (the BOM trick)', () => {
  const good = enc(single('good.bin', 40000));
  const evil = enc(single('evil.bin', 90000));
  const BOM = '\xef\xbb\xbf';

  it('rejects a second `info` behind a BOM, whichever comes first', async () => {
    for (const entries of [
      [
        ['info', good],
        [`${BOM}info`, evil],
      ],
      [
        [`${BOM}info`, evil],
        ['info', good],
      ],
    ] as [string, Uint8Array][][]) {
      const err = await rejection(rawDict(entries));
      expect(err.field).toBe('torrent');
      expect(err.reason).toMatch(/two dictionary keys read as the same text "info"/);
    }
  });

  it('rejects the same inside info (name, length) and inside a file entry (path)', async () => {
    const info = rawDict([
      ['length', enc(40000)],
      ['name', enc('a.bin')],
      [`${BOM}name`, enc('b.exe')],
      ['piece length', enc(PL)],
      ['pieces', enc(new Uint8Array(60))],
    ]);
    expect((await rejection(rawDict([['info', info]]))).reason).toMatch(/"name"/);
    const entry = rawDict([
      ['length', enc(10)],
      ['path', enc(['a'])],
      [`${BOM}path`, enc(['b'])],
    ]);
    const multi = rawDict([
      ['files', concatBytes([latin1('l'), entry, latin1('e')])],
      ['name', enc('d')],
      ['piece length', enc(PL)],
      ['pieces', enc(new Uint8Array(20))],
    ]);
    expect((await rejection(rawDict([['info', multi]]))).reason).toMatch(/"path"/);
  });

  it('reads every field from the bytes it hashes', async () => {
    const bytes = rawDict([
      ['comment', enc('4:infod4:name8:evil.bine')],
      ['info', good],
    ]);
    const meta = await parse(bytes);
    expect(meta.infoHash).toBe(createHash('sha1').update(good).digest('hex'));
    expect(meta.name).toBe('good.bin');
    expect(meta.pieceHashes.buffer).toBe(meta.infoBytes.buffer);
    expect(Buffer.from(meta.infoBytes).equals(Buffer.from(good))).toBe(true);
  });
});

describe('BEP 47 attributes', () => {
  const multi = (files: BencodeInput[], total: number): Uint8Array =>
    enc({
      info: {
        name: 'dir',
        'piece length': PL,
        pieces: new Uint8Array(20 * Math.ceil(total / PL)),
        files,
      },
    });
  const paths = (meta: Metainfo): (string | null)[] =>
    savePaths(meta.name, meta.files, meta.multiFile);

  it('loads a symlink without a length (0) and never saves it', async () => {
    const meta = await parse(
      multi(
        [
          { length: 100, path: ['a.txt'] },
          { attr: 'l', path: ['link'], 'symlink path': ['a.txt'] },
        ],
        100,
      ),
    );
    expect(meta.files[1]).toEqual({
      path: ['link'],
      length: 0,
      offset: 100,
      pad: false,
      symlink: ['a.txt'],
    });
    expect(paths(meta)).toEqual(['dir/a.txt', null]);
  });

  it('never saves a symlink as a regular file, even one that spans bytes', async () => {
    const meta = await parse(
      multi(
        [
          { attr: 'lx', length: 500, path: ['evil'] },
          { length: 100, path: ['b'] },
        ],
        600,
      ),
    );
    expect(meta.files.map((f) => [f.offset, f.length, f.symlink])).toEqual([
      [0, 500, []],
      [500, 100, undefined],
    ]);
    expect(paths(meta)).toEqual([null, 'dir/b']);
  });

  it('loads a pad file without a path', async () => {
    const meta = await parse(
      multi(
        [
          { length: 100, path: ['a'] },
          { attr: 'p', length: PL - 100 },
          { length: 10, path: ['b'] },
        ],
        PL + 10,
      ),
    );
    expect(meta.files[1]).toEqual({
      path: ['.pad', String(PL - 100)],
      length: PL - 100,
      offset: 100,
      pad: true,
    });
    expect(paths(meta)).toEqual(['dir/a', null, 'dir/b']);
  });

  it("counts BitComet's _____padding_file_ entries as padding, never saved", async () => {
    const meta = await parse(
      multi(
        [
          { length: 100, path: ['a'] },
          {
            length: PL - 100,
            path: [
              '_____padding_file_0_if you see this file, please update to BitComet 0.85 or above____',
            ],
          },
          { length: 10, path: ['sub', 'b'] },
        ],
        PL + 10,
      ),
    );
    expect(meta.files.map((f) => f.pad)).toEqual([false, true, false]);
    expect(paths(meta)).toEqual(['dir/a', null, 'dir/sub/b']);
  });
});

describe('hybrid v1/v2 (BEP 52): the file tree must agree with the v1 files', () => {
  const root32 = new Uint8Array(32).fill(9);
  const leaf = (length: number): Info => ({ '': { length, 'pieces root': root32 } });
  const hybrid = (tree: Info, files: BencodeInput[], total: number): Uint8Array =>
    enc({
      info: {
        'meta version': 2,
        name: 'h',
        'piece length': PL,
        'file tree': tree,
        files,
        pieces: new Uint8Array(20 * Math.ceil(total / PL)),
      },
    });
  const v1 = [
    { length: 100, path: ['a'] },
    { attr: 'p', length: PL - 100, path: ['.pad', String(PL - 100)] },
    { length: 50, path: ['d', 'b'] },
  ];

  it('accepts a consistent hybrid, pad files aside', async () => {
    const meta = await parse(hybrid({ a: leaf(100), d: { b: leaf(50) } }, v1, PL + 50));
    expect(meta.infoHashV2).toMatch(/^[0-9a-f]{64}$/);
  });

  /** A hybrid of one file `one.bin` whose tree names `treeName`. */
  const singleHybrid = (treeName: string): Uint8Array =>
    enc({
      info: {
        ...single('one.bin', 40000),
        'meta version': 2,
        'file tree': { [treeName]: leaf(40000) },
      },
    });

  it('accepts a consistent single-file hybrid', async () => {
    const bytes = singleHybrid('one.bin');
    expect((await parse(bytes)).infoHashV2).toBeDefined();
  });

  it.each([
    ['a length differs', { a: leaf(101), d: { b: leaf(50) } }, /"a" \(101 bytes\) is 100 bytes/],
    [
      'a name differs',
      { a: leaf(100), d: { c: leaf(50) } },
      /"d\/c" \(50 bytes\) is not in the v1/,
    ],
    ['a file is missing from the tree', { a: leaf(100) }, /"d\/b" \(50 bytes\) is not in the v2/],
    [
      'the tree has one more file',
      { a: leaf(100), d: { b: leaf(50) }, e: leaf(0) },
      /"e" \(0 bytes\) is not in the v1/,
    ],
    ['the tree is not a dictionary', undefined, /missing or not a dictionary/],
    [
      'a file entry has company',
      { a: { '': { length: 100 }, x: leaf(1) }, d: { b: leaf(50) } },
      /alone/,
    ],
  ])('rejects one where %s', async (_, tree, reason) => {
    const err = await rejection(hybrid(tree as Info, v1, PL + 50));
    expect(err.field).toMatch(/^info\.file tree/);
    expect(err.reason).toMatch(reason);
  });

  it('rejects a single-file hybrid whose tree names another file', async () => {
    const bytes = singleHybrid('two.bin');
    expect((await rejection(bytes)).field).toBe('info.file tree');
  });
});

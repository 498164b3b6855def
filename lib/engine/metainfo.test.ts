import { createHash } from 'node:crypto';
import bencode, { type BencodeInput } from 'bencode';
import createTorrent from 'create-torrent';
import parseTorrent from 'parse-torrent';
import { describe, expect, it } from 'vitest';
import { MetainfoError } from './errors.ts';
import { LIMITS } from './limits.ts';
import { pieceHash, type Metainfo } from './metainfo.ts';
import { parse, rejection } from './fixtures/parse.ts';
import { mulberry32 as prng } from './random.ts';
import { concatBytes } from './bytes.ts';

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);
const sha = (alg: 'sha1' | 'sha256', data: Uint8Array): string =>
  createHash(alg).update(data).digest('hex');

function create(input: Uint8Array | Uint8Array[], opts: object): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    createTorrent(input, opts, (err, torrent) =>
      err ? reject(err) : resolve(new Uint8Array(torrent)),
    );
  });
}

const named = (name: string, data: Uint8Array): Uint8Array =>
  Object.assign(Buffer.from(data), { name });

/** Deterministic content, so piece hashes can be checked. */
function content(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed * 7) & 0xff;
  return out;
}

const PL = 16384;
type Info = Record<string, BencodeInput>;
const singleInfo = (extra: Info = {}): Info => ({
  name: 'file.bin',
  'piece length': PL,
  length: 40000,
  pieces: new Uint8Array(60),
  ...extra,
});
const multiInfo = (files: BencodeInput[], pieces: number, extra: Info = {}): Info => ({
  name: 'dir',
  'piece length': PL,
  pieces: new Uint8Array(20 * pieces),
  files,
  ...extra,
});
const file = (length: BencodeInput, ...path: string[]): Info => ({ length, path });
const torrent = (info: BencodeInput, root: Info = {}): Uint8Array =>
  bencode.encode({ announce: 'http://t.example/announce', info, ...root });

describe('parseMetainfo: infohash against the webtorrent implementations', () => {
  it('single-file torrent made by create-torrent', async () => {
    const data = content(40000, 1);
    const bytes = await create(data, {
      name: 'single.bin',
      pieceLength: PL,
      announceList: [['wss://tracker.example'], ['udp://u.example:6969']],
      urlList: ['https://seed.example/single.bin'],
      comment: 'hello',
      createdBy: 'swarmlink-test',
      creationDate: new Date(1_700_000_000_000),
      private: true,
    });
    const theirs = await parseTorrent(bytes);
    const meta = await parse(bytes);

    expect(meta.infoHash).toBe(theirs.infoHash);
    expect(meta.infoHash).toMatch(/^[0-9a-f]{40}$/);
    expect(meta.infoHashV2).toBeUndefined();
    expect(meta).toMatchObject({
      name: 'single.bin',
      pieceLength: PL,
      pieceCount: 3,
      length: 40000,
      multiFile: false,
      private: true,
      comment: 'hello',
      announce: [['wss://tracker.example'], ['udp://u.example:6969']],
      urlList: ['https://seed.example/single.bin'],
    });
    expect(meta.files).toEqual([{ path: ['single.bin'], length: 40000, offset: 0, pad: false }]);
    expect(meta.createdBy).toBe('swarmlink-test');
    expect(meta.creationDate).toBe(1_700_000_000);
    expect(meta.pieceHashes.length).toBe(60);
    for (let i = 0; i < 3; i++) {
      const piece = data.subarray(i * PL, (i + 1) * PL);
      expect(Buffer.from(pieceHash(meta, i)).toString('hex')).toBe(sha('sha1', piece));
      expect(Buffer.from(pieceHash(meta, i)).toString('hex')).toBe(theirs.pieces?.[i]);
    }
    expect(() => pieceHash(meta, 3)).toThrow(RangeError);
    expect(() => pieceHash(meta, -1)).toThrow(RangeError);
  });

  it('multi-file torrent made by create-torrent', async () => {
    const bytes = await create(
      [
        named('a.txt', content(50000, 2)),
        named('sub/b.txt', content(27000, 3)),
        named('sub/deeper/c', content(5, 4)),
      ],
      { name: 'multi', pieceLength: PL, announceList: [['http://t.example/announce']] },
    );
    const theirs = await parseTorrent(bytes);
    const meta = await parse(bytes);

    expect(meta.infoHash).toBe(theirs.infoHash);
    expect(meta.name).toBe('multi');
    expect(meta.multiFile).toBe(true);
    expect(meta.length).toBe(theirs.length);
    expect(meta.pieceCount).toBe(Math.ceil(77005 / PL));
    expect(meta.files.map((f) => f.path)).toEqual([
      ['a.txt'],
      ['sub', 'b.txt'],
      ['sub', 'deeper', 'c'],
    ]);
    expect(meta.files.map((f) => [f.length, f.offset])).toEqual(
      theirs.files?.map((f) => [f.length, f.offset]),
    );
    expect(meta.private).toBe(false);
    expect(meta.announce).toEqual([['http://t.example/announce']]);
  });

  it('hashes the raw info bytes: unsorted keys and an unknown key are kept', async () => {
    const info = concatBytes([
      ascii('d4:name5:hello12:piece lengthi16384e6:lengthi5e6:pieces20:'),
      new Uint8Array(20).fill(7),
      ascii('7:x-extrali1ei2ee4:zzzz0:e'),
    ]);
    const bytes = concatBytes([
      ascii('d4:info'),
      info,
      ascii('8:announce25:http://t.example/announcee'),
    ]);
    const meta = await parse(bytes);

    expect(meta.infoHash).toBe(sha('sha1', info));
    expect(meta.infoBytes).toEqual(info);
    // Re-encoding sorts the keys, so it would give another hash: parse-torrent does that.
    const reencoded = bencode.encode(bencode.decode(info));
    expect(reencoded).not.toEqual(info);
    expect(meta.infoHash).not.toBe(sha('sha1', reencoded));
    expect((await parseTorrent(bytes)).infoHash).toBe(sha('sha1', reencoded));
    expect(meta).toMatchObject({ name: 'hello', length: 5, pieceCount: 1 });
  });
});

describe('parseMetainfo: fields', () => {
  it('prefers name.utf-8 and path.utf-8, and decodes bad UTF-8 to U+FFFD', async () => {
    const bad = new Uint8Array([0x61, 0xff, 0x62]);
    const info = multiInfo(
      [
        { length: 10, path: [bad], 'path.utf-8': ['ok', 'é.txt'] },
        { length: 10, path: [bad] },
      ],
      1,
      { name: 'latin', 'name.utf-8': 'ünïcode' },
    );
    const meta = await parse(torrent(info));
    expect(meta.name).toBe('ünïcode');
    expect(meta.files.map((f) => f.path)).toEqual([['ok', 'é.txt'], ['a\uFFFDb']]);
    expect((await parse(torrent(singleInfo({ name: bad })))).name).toBe('a\uFFFDb');
  });

  it('keeps names exactly as decoded (no sanitizing here)', async () => {
    const info = multiInfo([file(3, '..', 'CON', ' x. ')], 1, { name: '../etc' });
    const meta = await parse(torrent(info));
    expect(meta.name).toBe('../etc');
    expect(meta.files[0]?.path).toEqual(['..', 'CON', ' x. ']);
  });

  it('reads announce-list tiers, deduplicated and filtered', async () => {
    const root = {
      'announce-list': [
        ['http://a.example/announce', 'ftp://nope.example', 'not a url'],
        ['udp://b.example:80', 'http://a.example/announce'],
        [],
        ['wss://c.example', ' https://d.example/a '],
        'ws://flat.example',
      ],
    };
    const meta = await parse(torrent(singleInfo(), root));
    expect(meta.announce).toEqual([
      ['http://a.example/announce'],
      ['udp://b.example:80'],
      ['wss://c.example', 'https://d.example/a'],
      ['ws://flat.example'],
    ]);
  });

  it('falls back to announce when announce-list has nothing usable', async () => {
    const meta = await parse(torrent(singleInfo(), { 'announce-list': [['javascript:alert(1)']] }));
    expect(meta.announce).toEqual([['http://t.example/announce']]);
    const none = await parse(torrent(singleInfo(), { announce: 'file:///etc/passwd' }));
    expect(none.announce).toEqual([]);
  });

  it('caps trackers and web seeds', async () => {
    const urls = Array.from({ length: 300 }, (_, i) => `http://t${i}.example/`);
    const meta = await parse(
      torrent(singleInfo(), { 'announce-list': urls.map((u) => [u]), 'url-list': urls }),
    );
    expect(meta.announce.flat()).toHaveLength(LIMITS.maxTrackers);
    expect(meta.urlList).toHaveLength(LIMITS.maxWebSeeds);
    const long = `http://x.example/${'a'.repeat(LIMITS.maxUrlLength)}`;
    expect((await parse(torrent(singleInfo(), { announce: long }))).announce).toEqual([]);
  });

  it('reads url-list as a string or a list, http(s) only', async () => {
    const one = await parse(torrent(singleInfo(), { 'url-list': 'https://s.example/f' }));
    expect(one.urlList).toEqual(['https://s.example/f']);
    const list = await parse(
      torrent(singleInfo(), {
        'url-list': ['http://s.example/', 'ws://no.example/', 'http://s.example/', ''],
      }),
    );
    expect(list.urlList).toEqual(['http://s.example/']);
    const empty = await parse(torrent(singleInfo(), { 'url-list': '' }));
    expect(empty.urlList).toEqual([]);
  });

  it('reads private only as integer 1', async () => {
    expect((await parse(torrent(singleInfo({ private: 1 })))).private).toBe(true);
    expect((await parse(torrent(singleInfo({ private: 0 })))).private).toBe(false);
    expect((await parse(torrent(singleInfo()))).private).toBe(false);
  });
});

describe('parseMetainfo: hybrid v1/v2 (BEP 52, BEP 47)', () => {
  const root32 = new Uint8Array(32).fill(9);
  const hybridInfo = (): Info => ({
    'meta version': 2,
    name: 'hybrid',
    'piece length': PL,
    'file tree': {
      'a.txt': { '': { length: 10000, 'pieces root': root32 } },
      dir: { 'b.bin': { '': { length: 20000, 'pieces root': root32 } } },
      'c.bin': { '': { length: 100 } },
    },
    files: [
      { length: 10000, path: ['a.txt'] },
      { attr: 'p', length: PL - 10000, path: ['.pad', String(PL - 10000)] },
      { length: 20000, path: ['dir', 'b.bin'] },
      { length: 2 * PL - 20000, path: ['.pad', String(2 * PL - 20000)] },
      { length: 100, path: ['c.bin'] },
    ],
    pieces: new Uint8Array(20 * 4).fill(1),
  });

  it('parses the v1 files with pad flags and gives both infohashes', async () => {
    const info = hybridInfo();
    const bytes = torrent(info, { 'piece layers': {} });
    const meta = await parse(bytes);
    const infoBytes = bencode.encode(info);

    expect(meta.infoHash).toBe(sha('sha1', infoBytes));
    expect(meta.infoHashV2).toBe(sha('sha256', infoBytes));
    expect(meta.infoHashV2).toMatch(/^[0-9a-f]{64}$/);
    expect(meta.files.map((f) => [f.path.join('/'), f.offset, f.pad])).toEqual([
      ['a.txt', 0, false],
      ['.pad/6384', 10000, true],
      ['dir/b.bin', PL, false],
      ['.pad/12768', PL + 20000, true],
      ['c.bin', 3 * PL, false],
    ]);
    expect(meta.length).toBe(3 * PL + 100);
    expect(meta.pieceCount).toBe(4);
  });

  it('does not treat .pad paths as pad files in a plain v1 torrent', async () => {
    const info = multiInfo([file(10, '.pad', '10'), { attr: 'xp', length: 5, path: ['x'] }], 1);
    const meta = await parse(torrent(info));
    expect(meta.files.map((f) => f.pad)).toEqual([false, true]);
    expect(meta.infoHashV2).toBeUndefined();
  });

  it('rejects v2-only torrents', async () => {
    const info = hybridInfo();
    delete info.pieces;
    delete info.files;
    const err = await rejection(torrent(info));
    expect(err.field).toBe('info.pieces');
    expect(err.message).toBe(
      'Invalid torrent: info.pieces: this is a BitTorrent v2-only torrent, which no WebTorrent ' +
        'peer can share: Swarmlink downloads v1 and hybrid v1/v2 torrents',
    );
  });

  it('rejects an unknown meta version', async () => {
    expect((await rejection(torrent(singleInfo({ 'meta version': 3 })))).field).toBe(
      'info.meta version',
    );
  });
});

describe('parseMetainfo: corrupt input', () => {
  const files4 = [file(10, 'a'), file(10, 'b'), file(10, 'c'), file(10, 'd')];
  const cases: [string, () => Uint8Array, string, RegExp?][] = [
    ['empty', () => new Uint8Array(0), 'torrent'],
    ['truncated', () => torrent(singleInfo()).subarray(0, 50), 'torrent', /end of data/],
    ['truncated by one byte', () => torrent(singleInfo()).slice(0, -1), 'torrent'],
    ['not a dict', () => bencode.encode([1, 2, 3]), 'torrent', /not a dictionary/],
    ['plain text', () => ascii('<html>404</html>'), 'torrent'],
    ['info missing', () => bencode.encode({ announce: 'x' }), 'info', /missing/],
    ['info a list', () => torrent([1]), 'info', /not a dictionary/],
    ['name missing', () => torrent(singleInfo({ name: undefined })), 'info.name'],
    ['name an integer', () => torrent(singleInfo({ name: 5 })), 'info.name'],
    ['name empty', () => torrent(singleInfo({ name: '' })), 'info.name', /empty/],
    [
      'piece length a string',
      () => torrent(singleInfo({ 'piece length': '16384' })),
      'info.piece length',
    ],
    [
      'piece length too small',
      () => torrent(singleInfo({ 'piece length': 1 })),
      'info.piece length',
    ],
    [
      'piece length too big',
      () => torrent(singleInfo({ 'piece length': 2 ** 30 })),
      'info.piece length',
    ],
    ['pieces missing', () => torrent(singleInfo({ pieces: undefined })), 'info.pieces', /missing/],
    ['pieces an integer', () => torrent(singleInfo({ pieces: 60 })), 'info.pieces'],
    [
      'pieces not a multiple of 20',
      () => torrent(singleInfo({ pieces: new Uint8Array(59) })),
      'info.pieces',
      /multiple of 20/,
    ],
    [
      'piece count mismatch',
      () => torrent(singleInfo({ pieces: new Uint8Array(40) })),
      'info.pieces',
      /2 hashes for 3 pieces/,
    ],
    ['length missing', () => torrent(singleInfo({ length: undefined })), 'info.length', /missing/],
    ['length a string', () => torrent(singleInfo({ length: '40000' })), 'info.length'],
    ['negative length', () => torrent(singleInfo({ length: -5 })), 'info.length', /negative/],
    ['length over the limit', () => torrent(singleInfo({ length: 2 ** 41 })), 'info.length'],
    [
      'zero length',
      () => torrent(singleInfo({ length: 0, pieces: new Uint8Array(0) })),
      'info.length',
      /no data/,
    ],
    [
      'files a dict',
      () => torrent(multiInfo({ a: 1 } as unknown as BencodeInput[], 1)),
      'info.files',
    ],
    ['file entry a string', () => torrent(multiInfo([file(10, 'a'), 'oops'], 1)), 'info.files[1]'],
    [
      'negative file length',
      () => torrent(multiInfo([file(10, 'a'), file(-1, 'b')], 1)),
      'info.files[1].length',
      /negative/,
    ],
    [
      'file length a string',
      () => torrent(multiInfo([file('10', 'a')], 1)),
      'info.files[0].length',
    ],
    [
      'path missing',
      () => torrent(multiInfo([{ length: 10 }], 1)),
      'info.files[0].path',
      /missing/,
    ],
    [
      'path with empty list',
      () => torrent(multiInfo([...files4.slice(0, 3), { length: 10, path: [] }], 1)),
      'info.files[3].path',
      /empty list/,
    ],
    [
      'path a string',
      () => torrent(multiInfo([{ length: 10, path: 'a/b' }], 1)),
      'info.files[0].path',
      /not a list/,
    ],
    [
      'path component an integer',
      () => torrent(multiInfo([{ length: 10, path: ['a', 7] }], 1)),
      'info.files[0].path[1]',
    ],
    [
      'path too deep',
      () => torrent(multiInfo([file(10, ...Array<string>(LIMITS.maxPathDepth + 1).fill('d'))], 1)),
      'info.files[0].path',
      /deeper/,
    ],
    [
      'path component too long',
      () => torrent(multiInfo([file(10, 'x'.repeat(LIMITS.maxPathComponentBytes + 1))], 1)),
      'info.files[0].path[0]',
    ],
    [
      'all files empty',
      () => torrent(multiInfo([file(0, 'a'), file(0, 'b')], 0)),
      'info.files',
      /no data/,
    ],
    ['no files', () => torrent(multiInfo([], 0)), 'info.files', /no data/],
    [
      'total over the limit',
      () => torrent(multiInfo([file(2 ** 40, 'a'), file(2 ** 40, 'b')], 1)),
      'info.files',
      /total/,
    ],
    ['deep nesting', () => ascii(`d4:info${'l'.repeat(100_000)}`), 'torrent', /nested/],
    ['negative string length', () => ascii('d4:infod4:name-3:abcee'), 'torrent'],
    ['duplicate info', () => ascii('d4:infod1:ai1ee4:infod1:bi2eee'), 'torrent', /duplicate/],
  ];

  it.each(cases)('%s', async (_, build, field, reason) => {
    const err = await rejection(build());
    expect(err.field).toBe(field);
    if (reason) expect(err.reason).toMatch(reason);
  });

  it('rejects huge input before decoding', async () => {
    const huge = new Uint8Array(LIMITS.maxTorrentFileBytes + 1).fill(0x69);
    const err = await rejection(huge);
    expect(err.field).toBe('torrent');
    expect(err.reason).toMatch(/larger than/);
  });

  it('rejects too many files', async () => {
    const files = Array.from({ length: LIMITS.maxFileCount + 1 }, () => file(1, 'a'));
    const err = await rejection(torrent(multiInfo(files, 7)));
    expect(err.field).toBe('info.files');
    expect(err.reason).toMatch(/more than/);
  });

  it('never reads fields through a __proto__ key', async () => {
    const proto = new Map<string, BencodeInput>([['__proto__', singleInfo()]]);
    expect((await rejection(torrent(proto))).field).toBe('info.pieces');
    // A `__proto__` key is a key like any other: kept in the hashed bytes, never read.
    const bytesProto = new Map<string, BencodeInput>([
      ...Object.entries(singleInfo()),
      ['__proto__', 'abc'],
    ]);
    const meta = await parse(torrent(bytesProto));
    expect(meta.name).toBe('file.bin');
    expect(meta.length).toBe(40000);
  });
});

describe('parseMetainfo: fuzz', () => {
  it('turns 2000 mutated or truncated torrents into a Metainfo or a MetainfoError', async () => {
    const base = torrent(
      multiInfo(
        [file(20000, 'a.txt'), file(5, 'sub', 'b'), { length: 100, path: ['c'], attr: 'p' }],
        2,
      ),
      {
        'announce-list': [['http://a.example/'], ['wss://b.example']],
        'url-list': 'http://s.example/',
      },
    );
    await parse(base);
    const random = prng(0x5eed);
    const int = (n: number): number => Math.floor(random() * n);
    const structural = ascii('deil:-0123456789');
    let ok = 0;
    let rejected = 0;

    for (let round = 0; round < 2000; round++) {
      let bytes: Uint8Array = base.slice();
      const edits = 1 + int(3);
      for (let e = 0; e < edits; e++) {
        const at = int(bytes.length + 1);
        switch (int(6)) {
          case 0:
            bytes[at] = int(256);
            break;
          case 1:
            bytes = bytes.slice(0, at);
            break;
          case 2:
            bytes[at] = structural[int(structural.length)]!;
            break;
          case 3:
            bytes = concatBytes([
              bytes.subarray(0, at),
              structural.subarray(int(16)),
              bytes.subarray(at),
            ]);
            break;
          case 4:
            bytes = concatBytes([bytes.subarray(0, at), bytes.subarray(at + 1 + int(20))]);
            break;
          default:
            bytes = concatBytes([
              bytes.subarray(0, at),
              bytes.subarray(int(bytes.length)),
              bytes.subarray(at),
            ]);
        }
      }
      let meta: Metainfo;
      try {
        meta = await parse(bytes);
      } catch (err) {
        if (err instanceof MetainfoError) {
          rejected++;
          continue;
        }
        const input = Buffer.from(bytes).toString('latin1');
        throw new Error(`round ${round}: ${String(err)} for ${input}`, { cause: err });
      }
      ok++;
      expect(meta.infoHash).toMatch(/^[0-9a-f]{40}$/);
      expect(meta.pieceHashes.length).toBe(meta.pieceCount * 20);
      expect(meta.files.reduce((n, f) => n + f.length, 0)).toBe(meta.length);
    }
    expect(ok + rejected).toBe(2000);
    expect(ok).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(0);
  });
});

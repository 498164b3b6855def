// `npm run bench`, part "parse": the costliest `.torrent` files we could think of under the
// limits of lib/engine/limits.ts (16 MiB, values, items, depth, files, path components), as
// bytes. Each targets one cost: values built, nesting, key checks, files, path computation.

import { TextEncoder } from 'node:util';

const te = new TextEncoder();
const MiB = 1024 * 1024;

/** Collects bencode as byte chunks. */
class Writer {
  constructor() {
    /** @type {Uint8Array[]} */
    this.chunks = [];
    this.length = 0;
  }
  /** @param {string | Uint8Array} s raw text or bytes, written as they are */
  raw(s) {
    const b = typeof s === 'string' ? te.encode(s) : s;
    this.chunks.push(b);
    this.length += b.length;
    return this;
  }
  /** @param {string} s a byte string, UTF-8 */
  str(s) {
    const b = te.encode(s);
    return this.raw(`${b.length}:`).raw(b);
  }
  /** @param {number} n */
  int(n) {
    return this.raw(`i${n}e`);
  }
  bytes() {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

const PIECE = 16 * 1024 * 1024;

/** A torrent: root keys before `info` from `extra`, then a multi-file or one-file info. */
function torrent(
  /** @type {(w: Writer) => void} */ extra,
  /** @type {Writer | null} */ files,
  total = 1,
) {
  const w = new Writer().raw('d');
  w.str('announce').str('wss://tracker.example/');
  w.str('comment');
  w.raw('0:');
  w.str('info').raw('d');
  if (files) w.str('files').raw(files.bytes());
  else w.str('length').int(total);
  w.str('name').str('worst case');
  w.str('piece length').int(PIECE);
  const pieces = Math.ceil(total / PIECE);
  w.str('pieces')
    .raw(`${pieces * 20}:`)
    .raw(new Uint8Array(pieces * 20));
  w.raw('e');
  w.str('x-extra');
  extra(w);
  return w.raw('e').bytes();
}

/** Files list of `count` files, each `path(i)` with a length of 1 byte. */
function fileList(/** @type {number} */ count, /** @type {(i: number) => string[]} */ path) {
  const w = new Writer().raw('l');
  for (let i = 0; i < count; i++) {
    w.raw('d').str('length').int(1).str('path').raw('l');
    for (const c of path(i)) w.str(c);
    w.raw('ee');
  }
  return w.raw('e');
}

/** A torrent of `count` one-byte files at `path(i)`. */
const filesTorrent = (/** @type {number} */ count, /** @type {(i: number) => string[]} */ path) =>
  torrent((w) => w.raw('0:'), fileList(count, path), count);

/** @returns {{ name: string, what: string, bytes: Uint8Array }[]} */
export function worstTorrents() {
  const out = [];
  // Under maxBencodeValues (3,000,000) and maxBencodeItems (200,000): 14 lists of 199,000.
  out.push({
    name: 'values',
    what: 'an unused key: 14 lists of 199,000 empty strings (2.8 M values)',
    bytes: torrent((w) => {
      w.raw('l');
      for (let l = 0; l < 14; l++) w.raw('l').raw('0:'.repeat(199_000)).raw('e');
      w.raw('e');
    }, null),
  });
  // The 8.4 M empty strings in one list: refused at 200,001 items.
  out.push({
    name: 'one huge list',
    what: 'an unused key: one list of 8.3 M empty strings (refused)',
    bytes: torrent((w) => w.raw('l').raw('0:'.repeat(8_300_000)).raw('e'), null),
  });
  // 120-deep nested lists, repeated up to 16 MiB: refused at 3 M values.
  out.push({
    name: 'nesting',
    what: '120-deep nested lists, repeated to 16 MiB (refused)',
    bytes: torrent((w) => {
      const one = 'l'.repeat(120) + 'e'.repeat(120);
      w.raw('l')
        .raw(one.repeat(Math.floor((16 * MiB - 1000) / 240)))
        .raw('e');
    }, null),
  });
  // Dictionaries whose keys all need the BOM/UTF-8 identity check: 14 × 100,000 keys.
  out.push({
    name: 'keys',
    what: 'an unused key: 14 dictionaries of 100,000 non-ASCII keys (2.8 M values)',
    bytes: torrent((w) => {
      w.raw('l');
      for (let d = 0; d < 14; d++) {
        w.raw('d');
        for (let i = 0; i < 100_000; i++) w.str(`é${i.toString(36).padStart(4, '0')}`).raw('0:');
        w.raw('e');
      }
      w.raw('e');
    }, null),
  });
  // maxFileCount files, 5 components each (maxPathComponents), names colliding by case.
  out.push({
    name: 'files',
    what: '100,000 files × 5 components, names equal ignoring case',
    bytes: filesTorrent(100_000, (i) => [
      `Folder ${i % 10}`,
      `sub ${i % 7}`,
      `SUB ${i % 3}`,
      i % 2 ? 'Deep' : 'deep',
      `${i % 3 ? 'Same' : 'SAME'} name ${i % 50}.txt`,
    ]),
  });
  // Like the 16.5 MB torrent of 76,444 files: 6 components of 28 bytes each.
  out.push({
    name: '76k files',
    what: '76,444 files × 6 components of 28 bytes, most folders distinct',
    bytes: filesTorrent(76_444, (i) =>
      Array.from(
        { length: 6 },
        (_, d) => `${'level'.padEnd(20, '-')}${d}-${(i >> (2 * d)).toString(16).padStart(5, '0')}`,
      ),
    ),
  });
  // Components of 1,024 bytes (maxPathComponentBytes) full of characters Chrome refuses.
  out.push({
    name: 'long names',
    what: '7,000 files, folder and name of 1,024 bytes each, to sanitize and shorten',
    bytes: filesTorrent(7_000, (i) => [
      `${i % 100} ${'?:*<ß€ '.repeat(74)}`.slice(0, 500),
      `${'Ab. ~'.repeat(202)}${i}.txt`,
    ]),
  });
  // Paths of 64 components (maxPathDepth) far over MAX_PATH_BYTES: folders brought up.
  out.push({
    name: 'deep paths',
    what: '7,800 files × 64 components of 20 bytes: folders over the path cap',
    bytes: filesTorrent(7_800, (i) =>
      Array.from(
        { length: 64 },
        (_, d) => `component ${d} ${(i % (d + 2)).toString().padStart(6, '0')}`,
      ),
    ),
  });
  return out;
}

import { MetainfoError } from './errors.ts';
import { LIMITS } from './limits.ts';
import { decodeUtf8, dictOf, intAt, type Dict } from './metainfo-dict.ts';
import type { TorrentFile } from './metainfo-files.ts';

/**
 * A hybrid v1/v2 torrent (BEP 52) describes its files twice: the v1 `files` (or `length`)
 * and the v2 `file tree`. v2 clients read the tree, v1 clients (WebTorrent, us) the list,
 * so both must name the same files with the same lengths, in the same order (pad files
 * aside), or one infohash would stand for two different downloads.
 */

interface TreeFile {
  readonly path: readonly string[];
  readonly length: number;
}

/** The files of a v2 `file tree` in the order written: leaves are `{"": {length}}`. */
function treeFiles(tree: Dict): TreeFile[] {
  const out: TreeFile[] = [];
  // Depth-first, keys in written order; the decoder bounds the nesting.
  const walk = (dir: Dict, path: string[]): void => {
    const entries = dir.tree.entries(dir.node);
    for (const [key, node] of entries) {
      const child = dictOf(dir.tree, node);
      const here = `info.file tree/${[...path, decodeUtf8(binaryBytes(key))].join('/')}`;
      if (!child) throw new MetainfoError(here, 'not a dictionary');
      if (key === '') {
        if (path.length === 0 || entries.size !== 1) {
          throw new MetainfoError(here, 'a file entry ("") must be alone in its folder');
        }
        const length = intAt(child, 'length');
        if (length === undefined || !Number.isSafeInteger(length) || length < 0) {
          throw new MetainfoError(`${here}.length`, 'missing or not a length');
        }
        out.push({ path, length });
        continue;
      }
      if (path.length >= LIMITS.maxPathDepth) {
        throw new MetainfoError(here, `deeper than ${LIMITS.maxPathDepth} components`);
      }
      walk(child, [...path, decodeUtf8(binaryBytes(key))]);
    }
  };
  walk(tree, []);
  return out;
}

/** A binary string's bytes. */
function binaryBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/**
 * Throws MetainfoError unless the v2 `file tree` names the same files with the same
 * lengths as the v1 files, pad files aside. The order is not compared: v2 hashes each file
 * on its own, so where a file lies in the v1 data changes nothing it means.
 */
export function checkFileTree(info: Dict, files: readonly TorrentFile[], multiFile: boolean): void {
  const tree = dictOf(info.tree, info.get('file tree'));
  if (!tree) throw new MetainfoError('info.file tree', 'missing or not a dictionary');
  const describe = (path: readonly string[], length: number): string =>
    `${JSON.stringify(path.join('/'))} (${length} bytes)`;
  const mismatch = (reason: string): never => {
    throw new MetainfoError('info.file tree', `does not match the v1 files: ${reason}`);
  };
  const v1 = new Map<string, TorrentFile>();
  for (const file of files) {
    if (file.pad) continue;
    // A single-file torrent's one file is its name, in the tree as in the list.
    const key = JSON.stringify(multiFile ? file.path : [file.path[0]]);
    if (v1.has(key)) mismatch(`${describe(file.path, file.length)} is listed twice in v1`);
    v1.set(key, file);
  }
  const v2 = treeFiles(tree);
  for (const { path, length } of v2) {
    const mine = v1.get(JSON.stringify(path));
    if (!mine) mismatch(`${describe(path, length)} is not in the v1 file list`);
    else if (mine.length !== length) {
      mismatch(`${describe(path, length)} is ${mine.length} bytes in the v1 file list`);
    }
  }
  if (v2.length !== v1.size) {
    const inTree = new Set(v2.map((f) => JSON.stringify(f.path)));
    const [, extra] = [...v1].find(([key]) => !inTree.has(key))!;
    mismatch(`${describe(extra.path, extra.length)} is not in the v2 file tree`);
  }
}

import { MetainfoError } from './errors.ts';
import { LIMITS } from './limits.ts';
import { bytesAt, dictOf, type Dict } from './metainfo-dict.ts';

/**
 * The files of an info dictionary (BEP 3 `length` or `files`) with their BEP 47 attributes:
 * pad files (`attr` holds `p`, a hybrid's `.pad/…` entries, BitComet's older
 * `_____padding_file_…` entries) are never saved, their bytes are zeros; symlinks (`attr`
 * holds `l`) are never saved as regular files.
 */

export interface TorrentFile {
  /** Path inside the torrent (single-file torrent: `[name]`), as decoded. */
  path: string[];
  length: number;
  /** Byte offset of the file in the torrent's concatenated data. */
  offset: number;
  /** BEP 47 pad file: never saved, its bytes are zeros. */
  pad: boolean;
  /**
   * BEP 47 symlink: the path it points to (`symlink path`, possibly empty). Never saved; a
   * symlink's bytes (normally none) are verified like any others and then dropped.
   */
  symlink?: string[];
}

/** How BitComet named its pad files before BEP 47 (libtorrent treats them as pads too). */
const BITCOMET_PAD_PREFIX = '_____padding_file_';
const ATTR_PAD = 0x70; // p
const ATTR_SYMLINK = 0x6c; // l

/** A field's name, made only when an error needs it (100,000 files, 3 names each). */
type Field = () => string;

function fileLength(value: number | undefined, present: boolean, field: Field): number {
  if (!present) throw new MetainfoError(field(), 'missing');
  if (value === undefined || !Number.isSafeInteger(value)) {
    throw new MetainfoError(field(), 'not an integer');
  }
  if (value < 0) throw new MetainfoError(field(), `negative (${value})`);
  if (value > LIMITS.maxFileLength) {
    throw new MetainfoError(field(), `larger than ${LIMITS.maxFileLength} bytes`);
  }
  return value;
}

const lengthOf = (dict: Dict, field: Field, implied?: number): number => {
  const node = dict.get('length');
  if (node === undefined && implied !== undefined) return implied;
  return fileLength(dict.tree.int(node), node !== undefined, field);
};

export function parseFiles(
  info: Dict,
  name: string,
  hybrid: boolean,
): { files: TorrentFile[]; multiFile: boolean; length: number } {
  const { tree } = info;
  const list = info.get('files');
  if (list === undefined) {
    const length = lengthOf(info, () => 'info.length');
    if (length === 0) throw new MetainfoError('info.length', 'torrent has no data');
    return { files: [{ path: [name], length, offset: 0, pad: false }], multiFile: false, length };
  }
  if (!tree.isList(list)) throw new MetainfoError('info.files', 'not a list');
  const entries = tree.children(list);
  if (entries.length > LIMITS.maxFileCount) {
    throw new MetainfoError('info.files', `more than ${LIMITS.maxFileCount} files`);
  }
  const files: TorrentFile[] = [];
  const budget = { components: LIMITS.maxPathComponents };
  let offset = 0;
  entries.forEach((node, i) => {
    const field = (sub = ''): string => `info.files[${i}]${sub}`;
    const entry = dictOf(tree, node);
    if (!entry) throw new MetainfoError(field(), 'not a dictionary');
    const attr = bytesAt(entry, 'attr');
    const symlink = attr?.includes(ATTR_SYMLINK) === true;
    const padAttr = attr?.includes(ATTR_PAD) === true;
    const length = lengthOf(entry, () => field('.length'), symlink ? 0 : undefined);
    const path =
      padAttr && entry.get('path') === undefined && entry.get('path.utf-8') === undefined
        ? ['.pad', String(length)]
        : parsePath(entry, () => field('.path'), budget);
    const last = path[path.length - 1]!;
    const pad = padAttr || (hybrid && path[0] === '.pad') || last.startsWith(BITCOMET_PAD_PREFIX);
    const file: TorrentFile = { path, length, offset, pad };
    if (symlink && !pad) file.symlink = symlinkTarget(entry, () => field('.symlink path'), budget);
    files.push(file);
    offset += length;
    if (offset > LIMITS.maxTotalLength) {
      throw new MetainfoError('info.files', `total size over ${LIMITS.maxTotalLength} bytes`);
    }
  });
  if (offset === 0) throw new MetainfoError('info.files', 'torrent has no data');
  return { files, multiFile: true, length: offset };
}

interface Budget {
  components: number;
}

/** A list of path components at `node`, decoded; the budget caps them over the torrent. */
function components(dict: Dict, node: number, name: Field, budget: Budget): string[] {
  const { tree } = dict;
  if (!tree.isList(node)) throw new MetainfoError(name(), 'not a list');
  const parts = tree.children(node);
  if (parts.length > LIMITS.maxPathDepth) {
    throw new MetainfoError(name(), `deeper than ${LIMITS.maxPathDepth} components`);
  }
  budget.components -= parts.length;
  if (budget.components < 0) {
    throw new MetainfoError(name(), `more than ${LIMITS.maxPathComponents} path components`);
  }
  return parts.map((part, j) => {
    if (tree.kind(part) !== 'bytes') {
      throw new MetainfoError(`${name()}[${j}]`, 'not a byte string');
    }
    const text = tree.text(part, LIMITS.maxPathComponentBytes);
    if (text === undefined) {
      throw new MetainfoError(
        `${name()}[${j}]`,
        `longer than ${LIMITS.maxPathComponentBytes} bytes`,
      );
    }
    return text;
  });
}

function isPathList(dict: Dict, node: number | undefined): node is number {
  if (!dict.tree.isList(node)) return false;
  const parts = dict.tree.children(node);
  return parts.length > 0 && parts.every((c) => dict.tree.kind(c) === 'bytes');
}

function parsePath(entry: Dict, field: Field, budget: Budget): string[] {
  const utf = entry.get('path.utf-8');
  const node = isPathList(entry, utf) ? utf : entry.get('path');
  if (node === undefined) throw new MetainfoError(field(), 'missing');
  const path = components(entry, node, field, budget);
  if (path.length === 0) throw new MetainfoError(field(), 'empty list');
  return path;
}

/** BEP 47 `symlink path`: a list of components; absent or unusable, an empty target. */
function symlinkTarget(entry: Dict, field: Field, budget: Budget): string[] {
  const node = entry.get('symlink path');
  if (node === undefined) return [];
  try {
    return components(entry, node, field, budget);
  } catch (err) {
    if (err instanceof MetainfoError && budget.components >= 0) return [];
    throw err;
  }
}

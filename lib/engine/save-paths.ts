import {
  collisionKey,
  MAX_COMPONENT_BYTES,
  MIN_COMPONENT_BYTES,
  numberedName,
  sanitizeComponent,
  utf8Length,
} from './file-names.ts';

/**
 * Where each file of a torrent is saved: the relative `filename` given to the downloads
 * API (`<torrent name>` or `<torrent name>/<path inside the torrent>`), every component one
 * that Chromium accepts (file-names.ts), unique ignoring case in its folder, and the whole
 * path at most MAX_PATH_BYTES, so that no save fails on the platform's PATH_MAX.
 *
 * A pure function of its input: the same torrent always saves under the same paths, on
 * every platform. Linear in the number of files and path components.
 */

export {
  collisionKey,
  MAX_COMPONENT_BYTES,
  MAX_EXTENSION_BYTES,
  MIN_COMPONENT_BYTES,
  sanitizeComponent,
  splitExtension,
  utf8Length,
} from './file-names.ts';

/**
 * Longest relative path saved, in UTF-8 bytes. macOS's PATH_MAX is 1024 bytes (Linux: 4096)
 * for the whole path, so this leaves 224 bytes for the downloads folder itself.
 */
export const MAX_PATH_BYTES = 800;

/** One entry of a folder: a subfolder or a file, with its sanitized name. */
interface Entry {
  name: string;
  folder: Folder | null;
  fileIndex: number;
}

/** A folder of the torrent, keyed by the raw names of its subfolders. */
interface Folder {
  path: string;
  /** UTF-8 length of `path`. */
  bytes: number;
  entries: Entry[];
  readonly subfolders: Map<string, Folder>;
}

function newFolder(): Folder {
  return { path: '', bytes: 0, entries: [], subfolders: new Map() };
}

/** What savePaths needs of a torrent's file (metainfo's TorrentFile). */
export interface PathInput {
  readonly path: readonly string[];
  readonly pad: boolean;
  readonly symlink?: readonly string[];
}

/** Pad files (BEP 47) and symlinks are never saved. */
const isSaved = (file: PathInput): boolean => !file.pad && file.symlink === undefined;

/** The folder tree of the saved files, entries in torrent order of first appearance. */
function buildTree(files: readonly PathInput[]): Folder {
  const root = newFolder();
  files.forEach((file, fileIndex) => {
    if (!isSaved(file)) return;
    let folder = root;
    const last = file.path.length - 1;
    for (let i = 0; i < last; i++) folder = subfolder(folder, file.path[i] ?? '');
    const name = sanitizeComponent(file.path[last] ?? '');
    folder.entries.push({ name, folder: null, fileIndex });
  });
  return root;
}

/** The subfolder of `parent` with raw name `raw`, created on first use. */
function subfolder(parent: Folder, raw: string): Folder {
  let child = parent.subfolders.get(raw);
  if (!child) {
    child = newFolder();
    parent.subfolders.set(raw, child);
    parent.entries.push({ name: sanitizeComponent(raw), folder: child, fileIndex: -1 });
  }
  return child;
}

/** Every file under `folder`, in torrent order of first appearance (not recursive). */
function filesUnder(folder: Folder): Entry[] {
  const out: Entry[] = [];
  const stack: Entry[][] = [folder.entries.slice().reverse()];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const entry = top.pop();
    if (!entry) stack.pop();
    else if (entry.folder) stack.push(entry.folder.entries.slice().reverse());
    else out.push(entry);
  }
  return out;
}

/**
 * The entries of `folder`, fitted to the `left` bytes of path under it: a subfolder that
 * would leave less than MIN_COMPONENT_BYTES for the names inside it is not made, its files
 * come up into this folder instead; a name longer than `room` is shortened.
 */
function fitEntries(folder: Folder, left: number, room: number): Entry[] {
  const out: Entry[] = [];
  for (const entry of folder.entries) {
    if (entry.folder && utf8Length(entry.name) + 1 + MIN_COMPONENT_BYTES > left) {
      out.push(...filesUnder(entry.folder));
    } else out.push(entry);
  }
  for (const entry of out) {
    if (utf8Length(entry.name) > room) entry.name = sanitizeComponent(entry.name, room);
  }
  return out;
}

/**
 * Makes the names of one folder's entries unique by collisionKey: the first entry with a
 * name keeps it, later ones get ` (2)`, ` (3)`… skipping any name taken by another entry.
 */
function makeUnique(entries: readonly Entry[], room: number): void {
  const taken = new Set<string>();
  const later: Entry[] = [];
  for (const entry of entries) {
    const key = collisionKey(entry.name);
    if (taken.has(key)) later.push(entry);
    else taken.add(key);
  }
  const nextNumber = new Map<string, number>();
  for (const entry of later) {
    const original = collisionKey(entry.name);
    let n = nextNumber.get(original) ?? 2;
    let candidate = numberedName(entry.name, n, room);
    while (taken.has(collisionKey(candidate))) candidate = numberedName(entry.name, ++n, room);
    nextNumber.set(original, n + 1);
    taken.add(collisionKey(candidate));
    entry.name = candidate;
  }
}

/** Fills `out` with the path of every file under `root`, folder by folder. */
function assignPaths(root: Folder, out: (string | null)[]): void {
  const stack = [root];
  for (let folder = stack.pop(); folder; folder = stack.pop()) {
    const left = MAX_PATH_BYTES - folder.bytes - 1;
    const room = Math.min(MAX_COMPONENT_BYTES, left);
    const entries = fitEntries(folder, left, room);
    makeUnique(entries, room);
    for (const entry of entries) {
      const path = `${folder.path}/${entry.name}`;
      if (entry.folder) {
        entry.folder.path = path;
        entry.folder.bytes = folder.bytes + 1 + utf8Length(entry.name);
        stack.push(entry.folder);
      } else out[entry.fileIndex] = path;
    }
    folder.entries = [];
  }
}

/**
 * For each file of a torrent, the relative path to save it at ('/'-separated), or null for
 * a pad file or a symlink (BEP 47), which are never saved. A single-file torrent's file is
 * saved as `<torrent name>`; a multi-file torrent's as `<torrent name>/<path inside the
 * torrent>`. Every component is sanitized (sanitizeComponent); entries of one folder that
 * then share a name ignoring case and normalization (a file and a folder included) are
 * numbered: the first in torrent order keeps the name, later ones get ` (2)`, ` (3)`…
 * before the extension. Every path starts with the sanitized torrent name, has no empty,
 * `.` or `..` component and is at most MAX_PATH_BYTES long: deep in a long path, names are
 * shortened (never below MIN_COMPONENT_BYTES), and a folder that would leave less room than
 * that is not made, its files saved in its parent instead (numbered where names collide).
 */
export function savePaths(
  name: string,
  files: readonly PathInput[],
  multiFile: boolean,
): (string | null)[] {
  const root = sanitizeComponent(name);
  if (!multiFile) {
    if (files.filter(isSaved).length > 1) {
      throw new RangeError('A single-file torrent has more than one file to save');
    }
    return files.map((f) => (isSaved(f) ? root : null));
  }
  const out: (string | null)[] = new Array<string | null>(files.length).fill(null);
  const tree = buildTree(files);
  tree.path = root;
  tree.bytes = utf8Length(root);
  assignPaths(tree, out);
  return out;
}

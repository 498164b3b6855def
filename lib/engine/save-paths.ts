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

/**
 * One entry of a folder, a file or a subfolder, with its sanitized name. A folder lists its
 * entries as a chain (`head` … `next`) and keeps its subfolders by raw name, the first in
 * fields and a map only from the second on: a torrent can have 500,000 folders, most with
 * one entry, and an array or a map each would be most of the memory savePaths takes.
 */
interface Entry {
  name: string;
  /** The file's index in the torrent, or -1 for a folder. */
  readonly fileIndex: number;
  next: Entry | null;
  // Folders only:
  path: string;
  /** UTF-8 length of `path`. */
  bytes: number;
  head: Entry | null;
  tail: Entry | null;
  firstRaw: string;
  first: Entry | null;
  more: Map<string, Entry> | null;
}

function newEntry(name: string, fileIndex: number): Entry {
  return {
    name,
    fileIndex,
    next: null,
    path: '',
    bytes: 0,
    head: null,
    tail: null,
    firstRaw: '',
    first: null,
    more: null,
  };
}

function append(folder: Entry, entry: Entry): void {
  if (folder.tail) folder.tail.next = entry;
  else folder.head = entry;
  folder.tail = entry;
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
function buildTree(root: Entry, files: readonly PathInput[]): void {
  files.forEach((file, fileIndex) => {
    if (!isSaved(file)) return;
    let folder = root;
    const last = file.path.length - 1;
    for (let i = 0; i < last; i++) folder = subfolder(folder, file.path[i] ?? '');
    append(folder, newEntry(sanitizeComponent(file.path[last] ?? ''), fileIndex));
  });
}

/** The subfolder of `parent` with raw name `raw`, created on first use. */
function subfolder(parent: Entry, raw: string): Entry {
  if (parent.first && parent.firstRaw === raw) return parent.first;
  let child = parent.more?.get(raw);
  if (!child) {
    child = newEntry(sanitizeComponent(raw), -1);
    if (!parent.first) [parent.first, parent.firstRaw] = [child, raw];
    else (parent.more ??= new Map()).set(raw, child);
    append(parent, child);
  }
  return child;
}

/** Every file under `folder`, in torrent order of first appearance (not recursive). */
function filesUnder(folder: Entry, out: Entry[]): void {
  const stack: (Entry | null)[] = [folder.head];
  while (stack.length > 0) {
    const entry = stack.pop();
    if (!entry) continue;
    stack.push(entry.next);
    if (entry.fileIndex < 0) stack.push(entry.head);
    else out.push(entry);
  }
}

/**
 * The entries of `folder`, fitted to the `left` bytes of path under it: a subfolder that
 * would leave less than MIN_COMPONENT_BYTES for the names inside it is not made, its files
 * come up into this folder instead; a name longer than `room` is shortened.
 */
function fitEntries(folder: Entry, left: number, room: number): Entry[] {
  const out: Entry[] = [];
  for (let entry = folder.head; entry; entry = entry.next) {
    if (entry.fileIndex < 0 && utf8Length(entry.name) + 1 + MIN_COMPONENT_BYTES > left) {
      filesUnder(entry, out);
    } else out.push(entry);
  }
  for (const entry of out) {
    if (entry.name.length * 3 > room && utf8Length(entry.name) > room) {
      entry.name = sanitizeComponent(entry.name, room);
    }
  }
  return out;
}

/**
 * Makes the names of one folder's entries unique by collisionKey: the first entry with a
 * name keeps it, later ones get ` (2)`, ` (3)`… skipping any name taken by another entry.
 */
function makeUnique(entries: readonly Entry[], room: number): void {
  if (entries.length < 2) return;
  const taken = new Set<string>();
  const later: Entry[] = [];
  for (const entry of entries) {
    const key = collisionKey(entry.name);
    if (taken.has(key)) later.push(entry);
    else taken.add(key);
  }
  if (later.length === 0) return;
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
function assignPaths(root: Entry, out: (string | null)[]): void {
  const stack = [root];
  for (let folder = stack.pop(); folder; folder = stack.pop()) {
    const left = MAX_PATH_BYTES - folder.bytes - 1;
    const room = Math.min(MAX_COMPONENT_BYTES, left);
    const entries = fitEntries(folder, left, room);
    makeUnique(entries, room);
    for (const entry of entries) {
      const path = `${folder.path}/${entry.name}`;
      if (entry.fileIndex < 0) {
        entry.path = path;
        entry.bytes = folder.bytes + 1 + utf8Length(entry.name);
        stack.push(entry);
      } else out[entry.fileIndex] = path;
    }
    // Done with: let the garbage collector have it while the rest is worked on.
    folder.head = folder.tail = folder.first = null;
    folder.more = null;
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
  const tree = newEntry(root, -1);
  tree.path = root;
  tree.bytes = utf8Length(root);
  buildTree(tree, files);
  assignPaths(tree, out);
  return out;
}

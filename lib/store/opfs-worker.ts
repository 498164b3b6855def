/**
 * Dedicated worker that owns every OPFS write, through sync access handles (the only fast
 * path measured here: design.md, "Storage and transfer").
 *
 * Requests are handled strictly one after another: acquiring a handle is async, and
 * interleaving requests could evict (close) a handle another request is about to use,
 * or race two `createSyncAccessHandle()` calls on one file (the second would fail on
 * the file's exclusive lock). The writes themselves are synchronous, so this costs little.
 */
import { GcNudge } from '../gc-nudge.ts';
import {
  dirComponents,
  resolveDir,
  type OpfsRequest,
  type OpfsRequestBody,
  type OpfsResponse,
  type OpfsSpan,
} from './opfs-protocol.ts';

/** Worker-only API, absent from the DOM typings this project compiles with. */
interface SyncAccessHandle {
  read(buffer: Uint8Array, options: { at: number }): number;
  write(buffer: Uint8Array, options: { at: number }): number;
  getSize(): number;
  flush(): void;
  close(): void;
}
type SyncCapableFileHandle = FileSystemFileHandle & {
  createSyncAccessHandle(): Promise<SyncAccessHandle>;
};

/** Torrents can hold thousands of files; each open handle holds a lock and a file descriptor. */
const MAX_OPEN_HANDLES = 16;

/** Open handles by `dir/file`, least recently used first (Map keeps insertion order). */
const pool = new Map<string, SyncAccessHandle>();

let rootPromise: Promise<FileSystemDirectoryHandle> | undefined;
function opfsRoot(): Promise<FileSystemDirectoryHandle> {
  rootPromise ??= navigator.storage.getDirectory();
  return rootPromise;
}

function release(key: string): void {
  const handle = pool.get(key);
  if (!handle) return;
  pool.delete(key);
  try {
    handle.flush();
  } finally {
    handle.close();
  }
}

/** With `create: false`, a missing folder or file gives undefined instead of being created. */
async function acquire(dir: string, file: string, create: true): Promise<SyncAccessHandle>;
async function acquire(
  dir: string,
  file: string,
  create: boolean,
): Promise<SyncAccessHandle | undefined>;
async function acquire(
  dir: string,
  file: string,
  create: boolean,
): Promise<SyncAccessHandle | undefined> {
  const key = `${dir}/${file}`;
  const open = pool.get(key);
  if (open) {
    pool.delete(key);
    pool.set(key, open);
    return open;
  }
  dirComponents(file);
  let fileHandle: SyncCapableFileHandle;
  try {
    const folder = await resolveDir(await opfsRoot(), dir, create);
    fileHandle = (await folder.getFileHandle(file, { create })) as SyncCapableFileHandle;
  } catch (err) {
    if (!create && err instanceof DOMException && err.name === 'NotFoundError') return undefined;
    throw err;
  }
  while (pool.size >= MAX_OPEN_HANDLES) {
    const oldest = pool.keys().next().value;
    if (oldest === undefined) break;
    release(oldest);
  }
  const handle = await fileHandle.createSyncAccessHandle();
  pool.set(key, handle);
  return handle;
}

async function writePiece(dir: string, spans: OpfsSpan[], data: ArrayBuffer): Promise<void> {
  const touched = new Set<string>();
  for (const s of spans) {
    if (s.pieceOffset < 0 || s.length < 0 || s.pieceOffset + s.length > data.byteLength) {
      throw new RangeError(`span outside the piece (${s.pieceOffset}+${s.length})`);
    }
    const handle = await acquire(dir, s.file, true);
    const view = new Uint8Array(data, s.pieceOffset, s.length);
    let done = 0;
    while (done < view.byteLength) {
      const n = handle.write(view.subarray(done), { at: s.fileOffset + done });
      if (n <= 0) throw new Error(`short write to ${s.file} at ${s.fileOffset + done}`);
      done += n;
    }
    touched.add(`${dir}/${s.file}`);
  }
  // Handles evicted during this piece were flushed when they were closed.
  for (const key of touched) pool.get(key)?.flush();
}

async function read(dir: string, file: string, offset: number, length: number) {
  const out = new ArrayBuffer(length);
  // A file never written (or removed) reads as zeros, and is not created by reading.
  const handle = await acquire(dir, file, false);
  if (!handle) return out;
  // Bytes past the end of the file stay zero.
  const end = Math.min(offset + length, handle.getSize());
  let done = 0;
  while (offset + done < end) {
    const n = handle.read(new Uint8Array(out, done, end - offset - done), { at: offset + done });
    if (n <= 0) break;
    done += n;
  }
  return out;
}

function closeDir(dir: string): void {
  for (const key of [...pool.keys()]) {
    if (key.startsWith(`${dir}/`)) release(key);
  }
}

async function removeDir(dir: string): Promise<void> {
  closeDir(dir);
  const parts = dirComponents(dir);
  const last = parts.pop();
  if (last === undefined) return;
  try {
    const parent = await resolveDir(await opfsRoot(), parts.join('/'), false);
    await parent.removeEntry(last, { recursive: true });
  } catch (err) {
    if (!(err instanceof DOMException && err.name === 'NotFoundError')) throw err;
  }
}

const nudge = new GcNudge();

async function handle(req: OpfsRequestBody): Promise<ArrayBuffer | undefined> {
  switch (req.op) {
    case 'writePiece':
      await writePiece(req.dir, req.spans, req.data);
      nudge.count(req.data.byteLength);
      // Handed back (transferred) for reuse: no buffer per piece is left for the GC here.
      return req.data;
    case 'read':
      return read(req.dir, req.file, req.offset, req.length);
    case 'ensureFile':
      dirComponents(req.file);
      await (
        await resolveDir(await opfsRoot(), req.dir, true)
      ).getFileHandle(req.file, {
        create: true,
      });
      return undefined;
    case 'closeFile':
      release(`${req.dir}/${req.file}`);
      return undefined;
    case 'closeDir':
      closeDir(req.dir);
      return undefined;
    case 'removeDir':
      await removeDir(req.dir);
      return undefined;
  }
}

function label(req: OpfsRequest): string {
  return 'file' in req ? `${req.op} ${req.dir}/${req.file}` : `${req.op} ${req.dir}`;
}

let queue: Promise<void> = Promise.resolve();

self.onmessage = (event: MessageEvent<OpfsRequest>) => {
  const req = event.data;
  queue = queue.then(async () => {
    let res: OpfsResponse;
    try {
      const data = await handle(req);
      res = data ? { id: req.id, ok: true, data } : { id: req.id, ok: true };
    } catch (err) {
      const name = err instanceof Error ? err.name : 'Error';
      const why = err instanceof Error ? err.message : String(err);
      const message =
        name === 'QuotaExceededError'
          ? `Storage quota exceeded (${label(req)}): ${why}`
          : `OPFS ${label(req)} failed: ${name}: ${why}`;
      res = { id: req.id, ok: false, error: { name, message } };
    }
    self.postMessage(res, { transfer: res.ok && res.data ? [res.data] : [] });
  });
};

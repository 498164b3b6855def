/**
 * Messages between the page (BrowserPieceStore) and the OPFS worker (opfs-worker.ts).
 * Every request carries an id and gets exactly one response with that id; failures come
 * back as `{ ok: false }` responses, never as uncaught errors in the worker.
 *
 * `dir` is a slash-separated path below the OPFS root (e.g. `swarmlink/<infoHash>`),
 * `file` a single name in it (e.g. `f12`). Both are built by the store from trusted values
 * only (the infohash and file indices), never from names found in a torrent.
 */

import { StoreError, errorMessage } from '../engine/errors.ts';

export interface OpfsSpan {
  file: string;
  fileOffset: number;
  pieceOffset: number;
  length: number;
}

export type OpfsRequestBody =
  | { op: 'writePiece'; dir: string; spans: OpfsSpan[]; data: ArrayBuffer }
  | { op: 'read'; dir: string; file: string; offset: number; length: number }
  | { op: 'ensureFile'; dir: string; file: string }
  | { op: 'closeFile'; dir: string; file: string }
  | { op: 'closeDir'; dir: string }
  | { op: 'removeDir'; dir: string };

export type OpfsRequest = OpfsRequestBody & { id: number };

/** The DOMException name (e.g. `QuotaExceededError`) is kept so callers can tell cases apart. */
export interface OpfsErrorInfo {
  name: string;
  message: string;
}

export type OpfsResponse =
  { id: number; ok: true; data?: ArrayBuffer } | { id: number; ok: false; error: OpfsErrorInfo };

/** OPFS name of the torrent file with index `fileIndex`. */
export function opfsFileName(fileIndex: number): string {
  return `f${fileIndex}`;
}

const SAFE_COMPONENT = /^[A-Za-z0-9_-]{1,128}$/;

/** Splits and checks a `dir` path: only plain components, no `.`/`..`/empty ones. */
export function dirComponents(dir: string): string[] {
  const parts = dir.split('/');
  for (const p of parts) {
    if (!SAFE_COMPONENT.test(p))
      throw new StoreError(`Unsafe OPFS path component: ${JSON.stringify(p)}`);
  }
  return parts;
}

/** Resolves `dir` below `root`; with `create: false` a missing folder rejects with NotFoundError. */
export async function resolveDir(
  root: FileSystemDirectoryHandle,
  dir: string,
  create: boolean,
): Promise<FileSystemDirectoryHandle> {
  let handle = root;
  for (const part of dirComponents(dir)) {
    handle = await handle.getDirectoryHandle(part, { create });
  }
  return handle;
}

type Pending = { resolve: (data: ArrayBuffer | undefined) => void; reject: (err: Error) => void };

/** Page side of the protocol: one call per request, errors rejected as StoreError. */
export class OpfsClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private failure?: StoreError;

  constructor(private readonly worker: Worker) {
    worker.onmessage = (event: MessageEvent<OpfsResponse>) => {
      const res = event.data;
      const p = this.pending.get(res.id);
      if (!p) return;
      this.pending.delete(res.id);
      if (res.ok) p.resolve(res.data);
      else p.reject(toStoreError(res.error));
    };
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      this.fail(new StoreError(`OPFS worker failed: ${event.message || 'could not start'}`));
    };
    worker.onmessageerror = () =>
      this.fail(new StoreError('OPFS worker sent an unreadable message'));
  }

  call(body: OpfsRequestBody, transfer: Transferable[] = []): Promise<ArrayBuffer | undefined> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      try {
        this.worker.postMessage({ ...body, id } satisfies OpfsRequest, transfer);
      } catch (err) {
        this.pending.delete(id);
        reject(new StoreError(`OPFS ${body.op}: cannot send request: ${errorMessage(err)}`));
      }
    });
  }

  terminate(): void {
    this.worker.terminate();
    this.fail(new StoreError('OPFS worker terminated'));
  }

  private fail(err: StoreError): void {
    this.failure = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

/** Keeps the worker's message; the original DOMException name (e.g. QuotaExceededError) is the cause's. */
function toStoreError(info: OpfsErrorInfo): StoreError {
  return new StoreError(info.message, {
    cause: new DOMException(info.message, info.name),
    kind: info.name === 'QuotaExceededError' ? 'full' : 'io',
  });
}

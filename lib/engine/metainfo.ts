import bencode, { type BencodeValue } from 'bencode';
import { findInfoSpan } from './bencode-span.ts';
import { toHex } from './bytes.ts';
import type { Digest } from './deps.ts';
import { errorMessage, MetainfoError } from './errors.ts';
import { LIMITS } from './limits.ts';

/**
 * `.torrent` parsing (BEP 3, 12, 19, 27, 47, and the v1 half of BEP 52 hybrids). Pure:
 * bytes in, a validated Metainfo out, or a MetainfoError naming the field and the reason.
 * Names are kept as decoded; making them safe to save is another module's job.
 */

export interface TorrentFile {
  /** Path inside the torrent (single-file torrent: `[name]`), as decoded. */
  path: string[];
  length: number;
  /** Byte offset of the file in the torrent's concatenated data. */
  offset: number;
  /** BEP 47 pad file: never saved, its bytes are zeros. */
  pad: boolean;
}

export interface Metainfo {
  /** Lowercase hex SHA-1 of the raw info dictionary bytes. */
  infoHash: string;
  /** Lowercase hex SHA-256 of the raw info dictionary bytes (hybrid v1/v2 torrents only). */
  infoHashV2?: string;
  name: string;
  pieceLength: number;
  pieceCount: number;
  /** 20 × pieceCount bytes. */
  pieceHashes: Uint8Array;
  /** Total bytes, pad files included. */
  length: number;
  files: TorrentFile[];
  multiFile: boolean;
  /** Tracker tiers (BEP 12), deduplicated, http(s)/ws(s)/udp only. */
  announce: string[][];
  /** Web seeds (BEP 19), http(s) only. */
  urlList: string[];
  /** BEP 27. */
  private: boolean;
  /** The info dictionary exactly as it appears in the file. */
  infoBytes: Uint8Array;
  comment?: string;
  createdBy?: string;
  creationDate?: number;
}

type Dict = { readonly [key: string]: BencodeValue | undefined };

export const TRACKER_PROTOCOLS: readonly string[] = ['http:', 'https:', 'ws:', 'wss:', 'udp:'];
export const WEB_SEED_PROTOCOLS: readonly string[] = ['http:', 'https:'];

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** UTF-8 text of a byte string; invalid sequences become U+FFFD. */
export const decodeUtf8 = (bytes: Uint8Array): string => utf8.decode(bytes);

const isBytes = (v: unknown): v is Uint8Array => ArrayBuffer.isView(v) && v instanceof Uint8Array;
const isDict = (v: unknown): v is Dict =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
/** Own keys only: a `__proto__` key never reaches us as data. */
const get = (dict: Dict, key: string): BencodeValue | undefined =>
  Object.hasOwn(dict, key) ? dict[key] : undefined;

/**
 * `raw` trimmed, if it is a URL of one of `protocols` within the length limit. The text
 * is kept as written (not normalised): for web seeds a trailing `/` carries meaning.
 */
export function acceptUrl(raw: string, protocols: readonly string[]): string | undefined {
  const text = raw.trim();
  if (text.length === 0 || text.length > LIMITS.maxUrlLength) return undefined;
  try {
    return protocols.includes(new URL(text).protocol) ? text : undefined;
  } catch {
    return undefined;
  }
}

function decodeTorrent(bytes: Uint8Array): BencodeValue | null {
  try {
    return bencode.decode(bytes);
  } catch (err) {
    // Well-formed after findInfoSpan, so only a key such as `__proto__` (the decoder
    // assigns keys onto plain objects) can still make it throw.
    throw new MetainfoError('torrent', `cannot decode: ${errorMessage(err)}`);
  }
}

/** Parses and validates a `.torrent` file. */
export async function parseMetainfo(bytes: Uint8Array, digest: Digest): Promise<Metainfo> {
  if (bytes.length === 0) throw new MetainfoError('torrent', 'empty');
  if (bytes.length > LIMITS.maxTorrentFileBytes) {
    throw new MetainfoError('torrent', `larger than ${LIMITS.maxTorrentFileBytes} bytes`);
  }
  const span = findInfoSpan(bytes);
  const root = decodeTorrent(bytes);
  const info = isDict(root) ? get(root, 'info') : undefined;
  if (!isDict(root) || !isDict(info)) throw new MetainfoError('info', 'not a dictionary');

  const { hybrid, ...fields } = parseInfo(info);
  const infoBytes = bytes.slice(span.start, span.end);
  const meta: Metainfo = {
    infoHash: toHex(await digest('SHA-1', infoBytes)),
    ...fields,
    announce: parseAnnounce(root),
    urlList: parseUrlList(get(root, 'url-list')),
    infoBytes,
  };
  if (hybrid) meta.infoHashV2 = toHex(await digest('SHA-256', infoBytes));

  const comment = get(root, 'comment.utf-8') ?? get(root, 'comment');
  if (isBytes(comment)) meta.comment = decodeUtf8(comment);
  const createdBy = get(root, 'created by');
  if (isBytes(createdBy)) meta.createdBy = decodeUtf8(createdBy);
  const creationDate = get(root, 'creation date');
  if (Number.isSafeInteger(creationDate)) meta.creationDate = creationDate as number;
  return meta;
}

/** The SHA-1 expected for piece `index`. */
export function pieceHash(meta: Metainfo, index: number): Uint8Array {
  if (!Number.isInteger(index) || index < 0 || index >= meta.pieceCount) {
    throw new RangeError(`piece ${index} out of range (0..${meta.pieceCount - 1})`);
  }
  return meta.pieceHashes.subarray(index * 20, index * 20 + 20);
}

interface InfoFields {
  name: string;
  pieceLength: number;
  pieceCount: number;
  pieceHashes: Uint8Array;
  length: number;
  files: TorrentFile[];
  multiFile: boolean;
  private: boolean;
  hybrid: boolean;
}

function parseInfo(info: Dict): InfoFields {
  const version = get(info, 'meta version');
  if (version !== undefined && (!Number.isSafeInteger(version) || (version as number) > 2)) {
    throw new MetainfoError('info.meta version', `unsupported value ${String(version)}`);
  }
  const hybrid = version === 2;
  const pieces = get(info, 'pieces');
  if (pieces === undefined) {
    const reason = hybrid ? 'v2-only torrents are not supported yet' : 'missing';
    throw new MetainfoError('info.pieces', reason);
  }
  if (!isBytes(pieces)) throw new MetainfoError('info.pieces', 'not a byte string');
  if (pieces.length % 20 !== 0) {
    throw new MetainfoError('info.pieces', `length ${pieces.length} is not a multiple of 20`);
  }

  const name = preferUtf8(info, 'name');
  if (!isBytes(name)) throw new MetainfoError('info.name', 'missing or not a byte string');
  if (name.length === 0) throw new MetainfoError('info.name', 'empty');

  const pieceLength = get(info, 'piece length');
  if (!Number.isSafeInteger(pieceLength)) {
    throw new MetainfoError('info.piece length', 'missing or not an integer');
  }
  const pl = pieceLength as number;
  if (pl < LIMITS.minPieceLength || pl > LIMITS.maxPieceLength) {
    throw new MetainfoError(
      'info.piece length',
      `${pl} is outside ${LIMITS.minPieceLength}..${LIMITS.maxPieceLength}`,
    );
  }

  const decodedName = decodeUtf8(name);
  const { files, multiFile, length } = parseFiles(info, decodedName, hybrid);
  const pieceCount = pieces.length / 20;
  const expected = Math.ceil(length / pl);
  if (pieceCount > LIMITS.maxPieceCount) {
    throw new MetainfoError('info.pieces', `more than ${LIMITS.maxPieceCount} pieces`);
  }
  if (pieceCount !== expected) {
    throw new MetainfoError('info.pieces', `${pieceCount} hashes for ${expected} pieces`);
  }
  return {
    name: decodedName,
    pieceLength: pl,
    pieceCount,
    pieceHashes: pieces,
    length,
    files,
    multiFile,
    private: get(info, 'private') === 1,
    hybrid,
  };
}

/** `<key>.utf-8` when it is a usable byte string, else `<key>`. */
function preferUtf8(dict: Dict, key: string): BencodeValue | undefined {
  const utf = get(dict, `${key}.utf-8`);
  return isBytes(utf) && utf.length > 0 ? utf : get(dict, key);
}

function fileLength(value: BencodeValue | undefined, field: string): number {
  if (value === undefined) throw new MetainfoError(field, 'missing');
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new MetainfoError(field, 'not an integer');
  }
  if (value < 0) throw new MetainfoError(field, `negative (${value})`);
  if (value > LIMITS.maxFileLength) {
    throw new MetainfoError(field, `larger than ${LIMITS.maxFileLength} bytes`);
  }
  return value;
}

function parseFiles(
  info: Dict,
  name: string,
  hybrid: boolean,
): { files: TorrentFile[]; multiFile: boolean; length: number } {
  const list = get(info, 'files');
  if (list === undefined) {
    const length = fileLength(get(info, 'length'), 'info.length');
    if (length === 0) throw new MetainfoError('info.length', 'torrent has no data');
    return { files: [{ path: [name], length, offset: 0, pad: false }], multiFile: false, length };
  }
  if (!Array.isArray(list)) throw new MetainfoError('info.files', 'not a list');
  if (list.length > LIMITS.maxFileCount) {
    throw new MetainfoError('info.files', `more than ${LIMITS.maxFileCount} files`);
  }
  const files: TorrentFile[] = [];
  let offset = 0;
  list.forEach((entry, i) => {
    const field = `info.files[${i}]`;
    if (!isDict(entry)) throw new MetainfoError(field, 'not a dictionary');
    const length = fileLength(get(entry, 'length'), `${field}.length`);
    const path = parsePath(entry, `${field}.path`);
    const attr = get(entry, 'attr');
    const pad = (isBytes(attr) && attr.includes(0x70)) || (hybrid && path[0] === '.pad');
    files.push({ path, length, offset, pad });
    offset += length;
    if (offset > LIMITS.maxTotalLength) {
      throw new MetainfoError('info.files', `total size over ${LIMITS.maxTotalLength} bytes`);
    }
  });
  if (offset === 0) throw new MetainfoError('info.files', 'torrent has no data');
  return { files, multiFile: true, length: offset };
}

const isPathList = (v: unknown): v is Uint8Array[] =>
  Array.isArray(v) && v.length > 0 && v.every(isBytes);

function parsePath(entry: Dict, field: string): string[] {
  const utf = get(entry, 'path.utf-8');
  const path = isPathList(utf) ? utf : get(entry, 'path');
  if (path === undefined) throw new MetainfoError(field, 'missing');
  if (!Array.isArray(path)) throw new MetainfoError(field, 'not a list');
  if (path.length === 0) throw new MetainfoError(field, 'empty list');
  if (path.length > LIMITS.maxPathDepth) {
    throw new MetainfoError(field, `deeper than ${LIMITS.maxPathDepth} components`);
  }
  return path.map((component, j) => {
    if (!isBytes(component)) throw new MetainfoError(`${field}[${j}]`, 'not a byte string');
    if (component.length > LIMITS.maxPathComponentBytes) {
      throw new MetainfoError(
        `${field}[${j}]`,
        `longer than ${LIMITS.maxPathComponentBytes} bytes`,
      );
    }
    return decodeUtf8(component);
  });
}

/** BEP 12 tiers if `announce-list` gives any usable URL, else BEP 3 `announce`. */
function parseAnnounce(root: Dict): string[][] {
  const seen = new Set<string>();
  const take = (value: BencodeValue | undefined, tier: string[]): void => {
    if (!isBytes(value) || seen.size >= LIMITS.maxTrackers) return;
    const url = acceptUrl(decodeUtf8(value), TRACKER_PROTOCOLS);
    if (url === undefined || seen.has(url)) return;
    seen.add(url);
    tier.push(url);
  };
  const tiers: string[][] = [];
  const list = get(root, 'announce-list');
  if (Array.isArray(list)) {
    for (const entry of list) {
      const tier: string[] = [];
      // Some writers flatten the list of tiers into a list of URLs: one tier each.
      if (Array.isArray(entry)) entry.forEach((url) => take(url, tier));
      else take(entry, tier);
      if (tier.length > 0) tiers.push(tier);
    }
  }
  if (tiers.length === 0) {
    const tier: string[] = [];
    take(get(root, 'announce'), tier);
    if (tier.length > 0) tiers.push(tier);
  }
  return tiers;
}

/** BEP 19 `url-list`: one URL or a list of them. */
function parseUrlList(value: BencodeValue | undefined): string[] {
  const entries = Array.isArray(value) ? value : [value];
  const out = new Set<string>();
  for (const entry of entries) {
    if (out.size >= LIMITS.maxWebSeeds) break;
    if (!isBytes(entry)) continue;
    const url = acceptUrl(decodeUtf8(entry), WEB_SEED_PROTOCOLS);
    if (url !== undefined) out.add(url);
  }
  return [...out];
}

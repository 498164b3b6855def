import { decodeTorrent } from './bencode-span.ts';
import { toHex } from './bytes.ts';
import type { Digest } from './deps.ts';
import { MetainfoError } from './errors.ts';
import { LIMITS } from './limits.ts';
import { parseFiles, type TorrentFile } from './metainfo-files.ts';
import { checkFileTree } from './metainfo-v2.ts';
import { bytesAt, decodeUtf8, dictOf, intAt, preferUtf8, type Dict } from './metainfo-dict.ts';

export type { TorrentFile } from './metainfo-files.ts';
export { decodeUtf8 } from './metainfo-dict.ts';

/**
 * `.torrent` parsing (BEP 3, 12, 19, 27, 47, and the v1 half of BEP 52 hybrids, whose v2
 * file tree must agree with the v1 files). Pure: bytes in, a validated Metainfo out, or a
 * MetainfoError naming the field and the reason. Every field is read from the bytes that
 * are hashed (bencode-span.ts). Names are kept as decoded; making them safe to save is
 * another module's job.
 */

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

export const TRACKER_PROTOCOLS: readonly string[] = ['http:', 'https:', 'ws:', 'wss:', 'udp:'];
export const WEB_SEED_PROTOCOLS: readonly string[] = ['http:', 'https:'];

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

/** Parses and validates a `.torrent` file. */
export async function parseMetainfo(bytes: Uint8Array, digest: Digest): Promise<Metainfo> {
  if (bytes.length === 0) throw new MetainfoError('torrent', 'empty');
  if (bytes.length > LIMITS.maxTorrentFileBytes) {
    throw new MetainfoError('torrent', `larger than ${LIMITS.maxTorrentFileBytes} bytes`);
  }
  const { tree, info: infoNode } = decodeTorrent(bytes);
  const root = dictOf(tree, 0)!;
  const info = dictOf(tree, infoNode)!;
  const { hybrid, ...fields } = parseInfo(info);
  const span = tree.span(infoNode);
  const infoBytes = bytes.slice(span.start, span.end);
  // The piece hashes are a view of the hashed copy, like every other field's source.
  const at = fields.pieceHashes.byteOffset - bytes.byteOffset - span.start;
  const meta: Metainfo = {
    infoHash: toHex(await digest('SHA-1', infoBytes)),
    ...fields,
    pieceHashes: infoBytes.subarray(at, at + fields.pieceHashes.length),
    announce: parseAnnounce(root),
    urlList: parseUrlList(root),
    infoBytes,
  };
  if (hybrid) meta.infoHashV2 = toHex(await digest('SHA-256', infoBytes));

  const comment = bytesAt(root, 'comment.utf-8') ?? bytesAt(root, 'comment');
  if (comment) meta.comment = decodeUtf8(comment);
  const createdBy = bytesAt(root, 'created by');
  if (createdBy) meta.createdBy = decodeUtf8(createdBy);
  const creationDate = intAt(root, 'creation date');
  if (Number.isSafeInteger(creationDate)) meta.creationDate = creationDate;
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

/** What a user is told about a torrent that has no v1 half. */
export const V2_ONLY_REASON =
  'this is a BitTorrent v2-only torrent, which no WebTorrent peer can share: ' +
  'Swarmlink downloads v1 and hybrid v1/v2 torrents';

function parseInfo(info: Dict): InfoFields {
  const versionNode = info.get('meta version');
  const version = info.tree.int(versionNode);
  if (versionNode !== undefined && (!Number.isSafeInteger(version) || version! > 2)) {
    throw new MetainfoError('info.meta version', 'unsupported value');
  }
  const hybrid = version === 2;
  const piecesNode = info.get('pieces');
  if (piecesNode === undefined) {
    throw new MetainfoError('info.pieces', hybrid ? V2_ONLY_REASON : 'missing');
  }
  const pieces = info.tree.bytesOf(piecesNode);
  if (!pieces) throw new MetainfoError('info.pieces', 'not a byte string');
  if (pieces.length % 20 !== 0) {
    throw new MetainfoError('info.pieces', `length ${pieces.length} is not a multiple of 20`);
  }

  const name = preferUtf8(info, 'name');
  if (!name) throw new MetainfoError('info.name', 'missing or not a byte string');
  if (name.length === 0) throw new MetainfoError('info.name', 'empty');

  const pl = intAt(info, 'piece length');
  if (pl === undefined || !Number.isSafeInteger(pl)) {
    throw new MetainfoError('info.piece length', 'missing or not an integer');
  }
  if (pl < LIMITS.minPieceLength || pl > LIMITS.maxPieceLength) {
    throw new MetainfoError(
      'info.piece length',
      `${pl} is outside ${LIMITS.minPieceLength}..${LIMITS.maxPieceLength}`,
    );
  }

  const decodedName = decodeUtf8(name);
  const { files, multiFile, length } = parseFiles(info, decodedName, hybrid);
  if (hybrid) checkFileTree(info, files, multiFile);
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
    private: intAt(info, 'private') === 1,
    hybrid,
  };
}

/** BEP 12 tiers if `announce-list` gives any usable URL, else BEP 3 `announce`. */
function parseAnnounce(root: Dict): string[][] {
  const seen = new Set<string>();
  const { tree } = root;
  const take = (node: number, tier: string[]): void => {
    const value = tree.bytesOf(node);
    if (!value || seen.size >= LIMITS.maxTrackers) return;
    const url = acceptUrl(decodeUtf8(value), TRACKER_PROTOCOLS);
    if (url === undefined || seen.has(url)) return;
    seen.add(url);
    tier.push(url);
  };
  const tiers: string[][] = [];
  const list = root.get('announce-list');
  if (tree.isList(list)) {
    for (const entry of tree.children(list)) {
      const tier: string[] = [];
      // Some writers flatten the list of tiers into a list of URLs: one tier each.
      if (tree.isList(entry)) tree.children(entry).forEach((url) => take(url, tier));
      else take(entry, tier);
      if (tier.length > 0) tiers.push(tier);
    }
  }
  if (tiers.length === 0) {
    const tier: string[] = [];
    const announce = root.get('announce');
    if (announce !== undefined) take(announce, tier);
    if (tier.length > 0) tiers.push(tier);
  }
  return tiers;
}

/** BEP 19 `url-list`: one URL or a list of them. */
function parseUrlList(root: Dict): string[] {
  const { tree } = root;
  const value = root.get('url-list');
  if (value === undefined) return [];
  const entries = tree.isList(value) ? tree.children(value) : [value];
  const out = new Set<string>();
  for (const node of entries) {
    if (out.size >= LIMITS.maxWebSeeds) break;
    const entry = tree.bytesOf(node);
    if (!entry) continue;
    const url = acceptUrl(decodeUtf8(entry), WEB_SEED_PROTOCOLS);
    if (url !== undefined) out.add(url);
  }
  return [...out];
}

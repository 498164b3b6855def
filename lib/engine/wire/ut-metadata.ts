import { WireError } from '../errors.ts';
import { LIMITS } from '../limits.ts';
import { decodeBencodePrefix, encodeBencode, isDict } from './bencode.ts';

/**
 * BEP 9 ut_metadata: the info dictionary fetched from peers in 16 KiB pieces. Each message
 * is the payload of an extended message (BEP 10) sent with the id the receiver gave
 * `ut_metadata` in its extended handshake: a bencoded dictionary
 * `{ msg_type: 0 request | 1 data | 2 reject, piece, total_size (data only) }`, followed, in
 * a data message, by the piece's bytes.
 *
 * Interop: WebTorrent's ut_metadata finds the end of that dictionary by searching for the
 * first "ee"; with only these keys (sorted: msg_type, piece, total_size) the first "ee" is
 * the end of the dictionary, so no other key may be added here.
 */

/** Bytes in each metadata piece but the last. */
export const METADATA_PIECE = 16384;

export const UT_METADATA_MSG_TYPE = { request: 0, data: 1, reject: 2 } as const;

export type UtMetadataMessage =
  | { readonly type: 'request'; readonly piece: number }
  | {
      readonly type: 'data';
      readonly piece: number;
      readonly totalSize: number;
      readonly data: Uint8Array;
    }
  | { readonly type: 'reject'; readonly piece: number };

/** BEP 9: a message type this side does not know must be ignored. */
export type DecodedUtMetadata =
  UtMetadataMessage | { readonly type: 'unknown'; readonly msgType: number };

const WHAT = 'ut_metadata';
const MAX_PIECES = Math.ceil(LIMITS.maxMetadataSize / METADATA_PIECE);

const fail = (reason: string): never => {
  throw new WireError(WHAT, reason);
};

/** Pieces in metadata of `totalSize` bytes; throws unless 1 ≤ totalSize ≤ maxMetadataSize. */
export function metadataPieceCount(totalSize: number): number {
  if (!Number.isSafeInteger(totalSize) || totalSize < 1 || totalSize > LIMITS.maxMetadataSize) {
    fail(`total_size ${totalSize} is not in 1..${LIMITS.maxMetadataSize}`);
  }
  return Math.ceil(totalSize / METADATA_PIECE);
}

/** Bytes in piece `piece` of metadata of `totalSize` bytes; throws if there is no such piece. */
export function metadataPieceLength(totalSize: number, piece: number): number {
  const count = metadataPieceCount(totalSize);
  if (!Number.isSafeInteger(piece) || piece < 0 || piece >= count) {
    fail(`piece ${piece} of metadata in ${count} pieces`);
  }
  return Math.min(METADATA_PIECE, totalSize - piece * METADATA_PIECE);
}

/**
 * Checks a data message: its piece exists for its `total_size`, it carries exactly that
 * piece's bytes, and (when given) `total_size` is the `metadata_size` the peer announced.
 */
export function checkMetadataData(
  msg: Extract<UtMetadataMessage, { type: 'data' }>,
  metadataSize?: number,
): void {
  if (metadataSize !== undefined && msg.totalSize !== metadataSize) {
    fail(`total_size ${msg.totalSize} is not the announced metadata_size ${metadataSize}`);
  }
  const expected = metadataPieceLength(msg.totalSize, msg.piece);
  if (msg.data.byteLength !== expected) {
    fail(`piece ${msg.piece} has ${msg.data.byteLength} bytes, not ${expected}`);
  }
}

function checkPiece(piece: number): number {
  if (!Number.isSafeInteger(piece) || piece < 0 || piece >= MAX_PIECES) {
    fail(`piece ${piece} is not in 0..${MAX_PIECES - 1}`);
  }
  return piece;
}

/** The extended-message payload for `msg`. */
export function encodeUtMetadata(msg: UtMetadataMessage): Uint8Array {
  const piece = checkPiece(msg.piece);
  if (msg.type !== 'data') {
    return encodeBencode({ msg_type: UT_METADATA_MSG_TYPE[msg.type], piece });
  }
  checkMetadataData(msg);
  const head = encodeBencode({ msg_type: 1, piece, total_size: msg.totalSize });
  const out = new Uint8Array(head.byteLength + msg.data.byteLength);
  out.set(head);
  out.set(msg.data, head.byteLength);
  return out;
}

/**
 * Decodes a ut_metadata payload. Throws WireError on malformed bencode, a missing or
 * non-integer `msg_type` or `piece`, bytes after a request or reject, or a data message
 * whose bytes do not fit its piece and `total_size`. `data` is a fresh copy.
 */
export function decodeUtMetadata(payload: Uint8Array): DecodedUtMetadata {
  if (payload.byteLength > LIMITS.maxExtendedMessageLength) {
    fail(`${payload.byteLength} bytes is over ${LIMITS.maxExtendedMessageLength}`);
  }
  const { value, end } = decodeBencodePrefix(payload, WHAT);
  if (!isDict(value)) return fail('not a dictionary');
  const msgType = value.get('msg_type');
  if (typeof msgType !== 'number') return fail('msg_type is missing or not an integer');
  const piece = value.get('piece');
  if (msgType !== 0 && msgType !== 1 && msgType !== 2) return { type: 'unknown', msgType };
  if (typeof piece !== 'number') return fail('piece is missing or not an integer');
  checkPiece(piece);
  if (msgType !== 1) {
    if (end !== payload.byteLength) fail(`${payload.byteLength - end} bytes after the dictionary`);
    return { type: msgType === 0 ? 'request' : 'reject', piece };
  }
  const totalSize = value.get('total_size');
  if (typeof totalSize !== 'number') return fail('total_size is missing or not an integer');
  const msg = { type: 'data', piece, totalSize, data: payload.slice(end) } as const;
  checkMetadataData(msg);
  return msg;
}

import { WireError } from '../errors.ts';

/**
 * Peer wire messages (after the handshake): `<length: uint32 BE><id: uint8><payload>`, the
 * length counting the id and payload; a length of 0 is a keep-alive. Typed here as a
 * discriminated union and encoded byte-for-byte as bittorrent-protocol (WebTorrent) does.
 */

/** Message ids, each labelled with the BEP that defines it. */
export const MESSAGE_ID = {
  /** BEP 3 */
  choke: 0,
  /** BEP 3 */
  unchoke: 1,
  /** BEP 3 */
  interested: 2,
  /** BEP 3 */
  notInterested: 3,
  /** BEP 3 */
  have: 4,
  /** BEP 3 */
  bitfield: 5,
  /** BEP 3 */
  request: 6,
  /** BEP 3 */
  piece: 7,
  /** BEP 3 */
  cancel: 8,
  /** BEP 5 (DHT): the sender's DHT port. */
  port: 9,
  /** BEP 6 (fast) */
  suggest: 0x0d,
  /** BEP 6 (fast) */
  haveAll: 0x0e,
  /** BEP 6 (fast) */
  haveNone: 0x0f,
  /** BEP 6 (fast) */
  reject: 0x10,
  /** BEP 6 (fast) */
  allowedFast: 0x11,
  /** BEP 10 (extension protocol) */
  extended: 20,
} as const;

/** A block of a piece: `request`, `cancel` (BEP 3) and `reject` (BEP 6) carry one. */
export interface BlockRef {
  readonly index: number;
  readonly begin: number;
  readonly length: number;
}

export type WireMessage =
  | { readonly type: 'keep-alive' }
  | { readonly type: 'choke' }
  | { readonly type: 'unchoke' }
  | { readonly type: 'interested' }
  | { readonly type: 'not-interested' }
  | { readonly type: 'have'; readonly index: number }
  /** Bit 7 of byte 0 is piece 0 (see bitfield.ts). */
  | { readonly type: 'bitfield'; readonly bytes: Uint8Array }
  | ({ readonly type: 'request' } & BlockRef)
  | {
      readonly type: 'piece';
      readonly index: number;
      readonly begin: number;
      readonly block: Uint8Array;
    }
  | ({ readonly type: 'cancel' } & BlockRef)
  | { readonly type: 'port'; readonly port: number }
  | { readonly type: 'suggest'; readonly index: number }
  | { readonly type: 'have-all' }
  | { readonly type: 'have-none' }
  | ({ readonly type: 'reject' } & BlockRef)
  | { readonly type: 'allowed-fast'; readonly index: number }
  /**
   * BEP 10. `id` 0 is the extended handshake; any other id is one the receiver chose for an
   * extension in its own handshake's `m` (so on receipt: one of ours).
   */
  | { readonly type: 'extended'; readonly id: number; readonly payload: Uint8Array }
  /** An id this codec does not know (BEP 3: ignore it). Never one of MESSAGE_ID's. */
  | { readonly type: 'unknown'; readonly id: number; readonly payload: Uint8Array };

export type WireMessageType = WireMessage['type'];

/** Bytes before the block of a `piece` message: length, id, index, begin. */
export const PIECE_HEADER_LENGTH = 13;

const KNOWN_IDS: ReadonlySet<number> = new Set(Object.values(MESSAGE_ID));

export function isKnownMessageId(id: number): boolean {
  return KNOWN_IDS.has(id);
}

function checkUint(value: number, max: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new WireError(what, `not an integer in 0..${max}: ${value}`);
  }
  return value;
}

const uint32 = (value: number, what: string): number => checkUint(value, 0xffffffff, what);

export function writeUint32(out: Uint8Array, at: number, value: number): void {
  out[at] = value >>> 24;
  out[at + 1] = (value >>> 16) & 0xff;
  out[at + 2] = (value >>> 8) & 0xff;
  out[at + 3] = value & 0xff;
}

export function readUint32(bytes: Uint8Array, at: number): number {
  return (
    (((bytes[at] ?? 0) << 24) >>> 0) +
    ((bytes[at + 1] ?? 0) << 16) +
    ((bytes[at + 2] ?? 0) << 8) +
    (bytes[at + 3] ?? 0)
  );
}

/** `<length><id>` followed by `numbers` as uint32s, with room for `extra` more bytes. */
function frame(id: number, numbers: readonly number[], extra: number, what: string): Uint8Array {
  const payload = 4 * numbers.length + extra;
  uint32(1 + payload, `${what} length`);
  const out = new Uint8Array(5 + payload);
  writeUint32(out, 0, 1 + payload);
  out[4] = id;
  numbers.forEach((n, i) => writeUint32(out, 5 + 4 * i, uint32(n, what)));
  return out;
}

function withBytes(
  id: number,
  numbers: readonly number[],
  bytes: Uint8Array,
  what: string,
): Uint8Array {
  const out = frame(id, numbers, bytes.byteLength, what);
  out.set(bytes, 5 + 4 * numbers.length);
  return out;
}

/**
 * The 13-byte header of a `piece` message whose block is `blockLength` bytes: a transport
 * that sends several buffers can send this and then the block itself, copying nothing.
 */
export function encodePieceHeader(index: number, begin: number, blockLength: number): Uint8Array {
  const out = new Uint8Array(PIECE_HEADER_LENGTH);
  writeUint32(out, 0, uint32(9 + uint32(blockLength, 'piece block length'), 'piece length'));
  out[4] = MESSAGE_ID.piece;
  writeUint32(out, 5, uint32(index, 'piece index'));
  writeUint32(out, 9, uint32(begin, 'piece begin'));
  return out;
}

/**
 * One message as bytes, length prefix included. A `piece` costs one allocation and one copy
 * of its block (use `encodePieceHeader` to send the block without copying it at all).
 * Throws WireError on a value that does not fit its field.
 */
export function encodeMessage(msg: WireMessage): Uint8Array {
  switch (msg.type) {
    case 'keep-alive':
      return new Uint8Array(4);
    case 'choke':
      return frame(MESSAGE_ID.choke, [], 0, msg.type);
    case 'unchoke':
      return frame(MESSAGE_ID.unchoke, [], 0, msg.type);
    case 'interested':
      return frame(MESSAGE_ID.interested, [], 0, msg.type);
    case 'not-interested':
      return frame(MESSAGE_ID.notInterested, [], 0, msg.type);
    case 'have':
      return frame(MESSAGE_ID.have, [msg.index], 0, msg.type);
    case 'bitfield':
      return withBytes(MESSAGE_ID.bitfield, [], msg.bytes, msg.type);
    case 'request':
      return frame(MESSAGE_ID.request, [msg.index, msg.begin, msg.length], 0, msg.type);
    case 'piece': {
      const out = new Uint8Array(PIECE_HEADER_LENGTH + msg.block.byteLength);
      out.set(encodePieceHeader(msg.index, msg.begin, msg.block.byteLength));
      out.set(msg.block, PIECE_HEADER_LENGTH);
      return out;
    }
    case 'cancel':
      return frame(MESSAGE_ID.cancel, [msg.index, msg.begin, msg.length], 0, msg.type);
    case 'port': {
      const out = frame(MESSAGE_ID.port, [], 2, msg.type);
      const port = checkUint(msg.port, 0xffff, 'port');
      out[5] = port >>> 8;
      out[6] = port & 0xff;
      return out;
    }
    case 'suggest':
      return frame(MESSAGE_ID.suggest, [msg.index], 0, msg.type);
    case 'have-all':
      return frame(MESSAGE_ID.haveAll, [], 0, msg.type);
    case 'have-none':
      return frame(MESSAGE_ID.haveNone, [], 0, msg.type);
    case 'reject':
      return frame(MESSAGE_ID.reject, [msg.index, msg.begin, msg.length], 0, msg.type);
    case 'allowed-fast':
      return frame(MESSAGE_ID.allowedFast, [msg.index], 0, msg.type);
    case 'extended': {
      const out = frame(MESSAGE_ID.extended, [], 1 + msg.payload.byteLength, msg.type);
      out[5] = checkUint(msg.id, 0xff, 'extended id');
      out.set(msg.payload, 6);
      return out;
    }
    case 'unknown':
      if (isKnownMessageId(checkUint(msg.id, 0xff, 'unknown id'))) {
        throw new WireError('unknown', `id ${msg.id} is a known message id`);
      }
      return withBytes(msg.id, [], msg.payload, msg.type);
  }
}

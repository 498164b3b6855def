import { WireError } from '../errors.ts';

/**
 * The BEP 3 handshake: `<pstrlen=19>"BitTorrent protocol"<reserved: 8><info_hash: 20>
 * <peer_id: 20>`, 68 bytes, sent once by each side before any other message.
 */

export const PROTOCOL = 'BitTorrent protocol';
export const PSTRLEN = 19;
export const HANDSHAKE_LENGTH = 1 + PSTRLEN + 8 + 20 + 20;
const PROTOCOL_BYTES = new TextEncoder().encode(PROTOCOL);

export interface Handshake {
  /** 8 bytes of feature bits (see RESERVED_BITS). */
  readonly reserved: Uint8Array;
  readonly infoHash: Uint8Array;
  readonly peerId: Uint8Array;
}

/**
 * Reserved bits that matter on the WebTorrent network, as `reserved[byte] & mask`.
 * bittorrent-protocol always sets `extension`, and `fast`/`dht` when asked to (WebTorrent
 * asks for `fast` always, `dht` when it runs a DHT, which it never does in a browser).
 */
export const RESERVED_BITS = {
  /** BEP 10 extension protocol. */
  extension: { byte: 5, mask: 0x10 },
  /** BEP 6 fast extension (in force only when both sides set it). */
  fast: { byte: 7, mask: 0x04 },
  /** BEP 5 DHT (the peer may send `port`). */
  dht: { byte: 7, mask: 0x01 },
} as const;

export type ReservedFlag = keyof typeof RESERVED_BITS;
export type ReservedFlags = Readonly<Record<ReservedFlag, boolean>>;

/** Reserved bytes with the given flags set and every other bit clear. */
export function makeReserved(flags: Partial<ReservedFlags>): Uint8Array {
  const reserved = new Uint8Array(8);
  for (const flag of Object.keys(RESERVED_BITS) as ReservedFlag[]) {
    const { byte, mask } = RESERVED_BITS[flag];
    if (flags[flag]) reserved[byte]! |= mask;
  }
  return reserved;
}

export function hasReservedBit(reserved: Uint8Array, flag: ReservedFlag): boolean {
  const { byte, mask } = RESERVED_BITS[flag];
  return ((reserved[byte] ?? 0) & mask) !== 0;
}

export function reservedFlags(reserved: Uint8Array): ReservedFlags {
  return {
    extension: hasReservedBit(reserved, 'extension'),
    fast: hasReservedBit(reserved, 'fast'),
    dht: hasReservedBit(reserved, 'dht'),
  };
}

function checkField(bytes: Uint8Array, length: number, what: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength !== length) {
    throw new WireError('handshake', `${what} must be ${length} bytes`);
  }
}

export function encodeHandshake(handshake: Handshake): Uint8Array {
  checkField(handshake.reserved, 8, 'reserved');
  checkField(handshake.infoHash, 20, 'info_hash');
  checkField(handshake.peerId, 20, 'peer_id');
  const out = new Uint8Array(HANDSHAKE_LENGTH);
  out[0] = PSTRLEN;
  out.set(PROTOCOL_BYTES, 1);
  out.set(handshake.reserved, 20);
  out.set(handshake.infoHash, 28);
  out.set(handshake.peerId, 48);
  return out;
}

/** Checks the first byte of a handshake, so a stream that is not BitTorrent fails at once. */
export function checkPstrlen(byte: number): void {
  if (byte !== PSTRLEN) {
    throw new WireError('handshake', `protocol name length is ${byte}, not ${PSTRLEN}`);
  }
}

/** Checks the protocol name in `bytes[1..20)`. */
export function checkProtocol(bytes: Uint8Array): void {
  for (let i = 0; i < PSTRLEN; i++) {
    if (bytes[1 + i] !== PROTOCOL_BYTES[i]) {
      throw new WireError('handshake', `protocol is not "${PROTOCOL}"`);
    }
  }
}

/** Decodes exactly one 68-byte handshake; the fields are fresh copies. */
export function decodeHandshake(bytes: Uint8Array): Handshake {
  if (bytes.byteLength !== HANDSHAKE_LENGTH) {
    throw new WireError('handshake', `is ${bytes.byteLength} bytes, not ${HANDSHAKE_LENGTH}`);
  }
  checkPstrlen(bytes[0]!);
  checkProtocol(bytes);
  return {
    reserved: bytes.slice(20, 28),
    infoHash: bytes.slice(28, 48),
    peerId: bytes.slice(48, 68),
  };
}

import { WireError } from '../errors.ts';
import { LIMITS } from '../limits.ts';
import { decodeBencode, encodeBencode, isDict, type BDict, type BInput } from './bencode.ts';
import type { WireMessage } from './messages.ts';

/**
 * BEP 10 extension protocol: after both handshakes set the `extension` reserved bit, each
 * side sends an extended message (id 20) with extended id 0 whose payload is a bencoded
 * dictionary; `m` maps extension names to the id the sender wants to receive them as.
 *
 * WebTorrent (bittorrent-protocol) sends `{ m: { ut_metadata, ut_pex, lt_donthave } }` with
 * ids in the order the extensions were registered (1, 2, 3; no ut_pex for private torrents)
 * plus `metadata_size` once it has the metadata, and nothing else: no `v`, `p`, `reqq`.
 */

/** Extended message id of the extended handshake. */
export const EXTENDED_HANDSHAKE_ID = 0;

/** Extension names spoken on the WebTorrent network. */
export const EXTENSION_NAME = {
  /** BEP 9: metadata (the info dictionary) from peers. */
  utMetadata: 'ut_metadata',
  /** BEP 11: peer exchange. */
  utPex: 'ut_pex',
  /** libtorrent's lt_donthave: the sender no longer has a piece. */
  ltDonthave: 'lt_donthave',
} as const;

export interface ExtendedHandshake {
  /**
   * `m`: extension name → the extended id to send it with. 0 means the sender disables that
   * extension (BEP 10); decoded entries of 0 are kept so that a later handshake can say so.
   */
  readonly extensions: ReadonlyMap<string, number>;
  /** `v`: client name and version (UTF-8). */
  readonly client?: string;
  /** `p`: the sender's listen port. */
  readonly port?: number;
  /** `reqq`: how many outstanding requests the sender accepts. */
  readonly reqq?: number;
  /** `metadata_size` (BEP 9): size of the info dictionary, when the sender has it. */
  readonly metadataSize?: number;
  /** `yourip`: the receiver's address as the sender sees it (4 or 16 bytes). */
  readonly yourIp?: Uint8Array;
}

const WHAT = 'extended handshake';

function fail(field: string, reason: string): never {
  throw new WireError(`${WHAT}.${field}`, reason);
}

function intIn(value: number | undefined, min: number, max: number): value is number {
  return value !== undefined && Number.isSafeInteger(value) && value >= min && value <= max;
}

/** The bencoded payload of an extended handshake (for an `extended` message with id 0). */
export function encodeExtendedHandshake(handshake: ExtendedHandshake): Uint8Array {
  const m = new Map<string, BInput>();
  for (const [name, id] of handshake.extensions) {
    if (!intIn(id, 0, 255)) fail(`m.${name}`, `id ${id} is not in 0..255`);
    m.set(name, id);
  }
  const { client, port, reqq, metadataSize, yourIp } = handshake;
  if (port !== undefined && !intIn(port, 1, 0xffff)) fail('p', `not a port: ${port}`);
  if (reqq !== undefined && !intIn(reqq, 1, Number.MAX_SAFE_INTEGER)) fail('reqq', `${reqq}`);
  if (metadataSize !== undefined && !intIn(metadataSize, 1, LIMITS.maxMetadataSize)) {
    fail('metadata_size', `${metadataSize} is not in 1..${LIMITS.maxMetadataSize}`);
  }
  if (yourIp !== undefined && yourIp.length !== 4 && yourIp.length !== 16) {
    fail('yourip', 'must be 4 or 16 bytes');
  }
  return encodeBencode({
    m,
    v: client,
    p: port,
    reqq,
    metadata_size: metadataSize,
    yourip: yourIp,
  });
}

export function extendedHandshakeMessage(handshake: ExtendedHandshake): WireMessage {
  return {
    type: 'extended',
    id: EXTENDED_HANDSHAKE_ID,
    payload: encodeExtendedHandshake(handshake),
  };
}

function readExtensions(dict: BDict): Map<string, number> {
  const m = dict.get('m');
  const out = new Map<string, number>();
  if (m === undefined) return out;
  if (!isDict(m)) fail('m', 'not a dictionary');
  for (const [name, id] of m) {
    if (typeof id !== 'number' || !intIn(id, 0, 255)) fail(`m.${name}`, 'id is not in 0..255');
    out.set(name, id);
  }
  return out;
}

/**
 * Decodes an extended handshake payload. Malformed bencode, a payload that is not a
 * dictionary, or an `m` that is not a dictionary of ids 0..255 throws WireError. An optional
 * field of the wrong type or out of range (`v`, `p`, `reqq`, `metadata_size` over
 * LIMITS.maxMetadataSize, `yourip`) is left out, as if the peer had not sent it; unknown
 * keys are ignored (BEP 10).
 */
export function decodeExtendedHandshake(payload: Uint8Array): ExtendedHandshake {
  if (payload.byteLength > LIMITS.maxExtendedMessageLength) {
    fail('length', `${payload.byteLength} bytes is over ${LIMITS.maxExtendedMessageLength}`);
  }
  const dict = decodeBencode(payload, WHAT);
  if (!isDict(dict)) throw new WireError(WHAT, 'not a dictionary');

  const num = (key: string): number | undefined => {
    const v = dict.get(key);
    return typeof v === 'number' ? v : undefined;
  };
  const bytes = (key: string): Uint8Array | undefined => {
    const v = dict.get(key);
    return v instanceof Uint8Array ? v : undefined;
  };

  const v = bytes('v');
  const p = num('p');
  const reqq = num('reqq');
  const size = num('metadata_size');
  const ip = bytes('yourip');
  return {
    extensions: readExtensions(dict),
    ...(v && { client: new TextDecoder().decode(v) }),
    ...(intIn(p, 1, 0xffff) && { port: p }),
    ...(intIn(reqq, 1, Number.MAX_SAFE_INTEGER) && { reqq }),
    ...(intIn(size, 1, LIMITS.maxMetadataSize) && { metadataSize: size }),
    ...(ip && (ip.length === 4 || ip.length === 16) && { yourIp: ip.slice() }),
  };
}

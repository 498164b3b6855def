import { WireError } from '../errors.ts';
import { readUint32, writeUint32 } from './messages.ts';

/**
 * lt_donthave (libtorrent's extension, spoken by WebTorrent): the payload of an extended
 * message saying the sender no longer has a piece, the piece index as a 4-byte big-endian
 * integer and nothing else.
 */

export function encodeDontHave(index: number): Uint8Array {
  if (!Number.isInteger(index) || index < 0 || index > 0xffffffff) {
    throw new WireError('lt_donthave', `not a piece index: ${index}`);
  }
  const out = new Uint8Array(4);
  writeUint32(out, 0, index);
  return out;
}

/** The piece index; throws WireError unless the payload is exactly 4 bytes. */
export function decodeDontHave(payload: Uint8Array): number {
  if (payload.byteLength !== 4) {
    throw new WireError('lt_donthave', `payload is ${payload.byteLength} bytes, not 4`);
  }
  return readUint32(payload, 0);
}

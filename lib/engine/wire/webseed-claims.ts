/**
 * Our own BEP 10 extension, `sl_fetching`: "these are the pieces I am fetching from the web
 * seed right now". Swarmlink peers that arrive together so fetch different regions of the
 * file from the server and trade them, instead of each asking the server for the same
 * pieces (after p2p-media-loader's "segments loading over HTTP" announcements). Peers
 * without it (WebTorrent) never get it: it is sent only to peers that list it in `m`.
 *
 * Payload: up to MAX_CLAIM_RANGES pairs of big-endian uint32 `[first, end)`, replacing the
 * sender's previous claims; empty = nothing. Claims expire unless sent again.
 */
import { WireError } from '../errors.ts';
import { readUint32, writeUint32 } from './messages.ts';

export const WEBSEED_CLAIMS_EXTENSION = 'sl_fetching';
/** Most ranges in one message (a web seed has a few runs in flight). */
export const MAX_CLAIM_RANGES = 64;
/** A claim not repeated within this long is void (the sender is stuck or gone quiet). */
export const CLAIM_TTL_MS = 15_000;
/** How often a sender repeats its claims. */
export const CLAIM_REFRESH_MS = 5_000;

export function encodeClaims(ranges: readonly (readonly [number, number])[]): Uint8Array {
  const list = ranges.slice(0, MAX_CLAIM_RANGES);
  const out = new Uint8Array(list.length * 8);
  list.forEach(([first, end], k) => {
    writeUint32(out, k * 8, first);
    writeUint32(out, k * 8 + 4, end);
  });
  return out;
}

/** The claimed ranges, each within `[0, pieceCount)`; WireError on a malformed payload. */
export function decodeClaims(payload: Uint8Array, pieceCount: number): [number, number][] {
  if (payload.byteLength % 8 !== 0 || payload.byteLength > MAX_CLAIM_RANGES * 8) {
    throw new WireError(WEBSEED_CLAIMS_EXTENSION, `payload of ${payload.byteLength} bytes`);
  }
  const out: [number, number][] = [];
  for (let at = 0; at < payload.byteLength; at += 8) {
    const first = readUint32(payload, at);
    const end = readUint32(payload, at + 4);
    if (first >= end || end > pieceCount) {
      throw new WireError(WEBSEED_CLAIMS_EXTENSION, `range ${first}..${end} of ${pieceCount}`);
    }
    out.push([first, end]);
  }
  return out;
}

/**
 * What a wire peer needs of its torrent (the swarm provides it), the extended ids we give
 * our extensions, and how a peer is named in the view.
 */
import { toHex } from '../bytes.ts';
import type { Clock } from '../deps.ts';
import type { RateLimits } from '../token-bucket.ts';
import type { BlockRequest, Picker } from '../picker.ts';
import type { StorageLayout } from '../piece-store.ts';
import { EXTENSION_NAME } from '../wire/extension.ts';
import { WEBSEED_CLAIMS_EXTENSION } from '../wire/webseed-claims.ts';
import type { PieceBuffers } from './piece-buffers.ts';
import type { Source } from './source.ts';
import type { WirePeer } from './wire-peer.ts';

/** Our extended ids for the extensions we speak (the peer sends them with these ids). */
export const OUR_EXTENSIONS: ReadonlyMap<string, number> = new Map([
  [EXTENSION_NAME.utMetadata, 1],
  [EXTENSION_NAME.ltDonthave, 2],
  [WEBSEED_CLAIMS_EXTENSION, 3],
]);

/** What a wire peer needs of its torrent. */
export interface PeerTorrent {
  readonly clock: Clock;
  /** The client's speed limits (none: unlimited). */
  readonly rates?: RateLimits;
  /** Our peer id (claims that overlap are settled by comparing ids). */
  readonly peerId: Uint8Array;
  /** Undefined until the metadata is known and the storage is open. */
  readonly picker: Picker | undefined;
  readonly layout: StorageLayout | undefined;
  readonly buffers: PieceBuffers | undefined;
  /** Whether the torrent fetches pieces now (not seeding, not paused). */
  readonly downloading: boolean;
  deliver(index: number, data: Uint8Array, from: Source): Promise<boolean>;
  readBlock(index: number, offset: number, length: number): Promise<Uint8Array>;
  countUpload(n: number): void;
  /** About how long the rest of the download takes (Infinity: not known). */
  tailSeconds(): number;
  /** Bytes per second a peer (by id) sent us lately; 0 if unknown (endgame's choice). */
  readonly rateOf: (source: string) => number;
  /** Other peers asked for a block this peer delivered first (endgame): cancel theirs. */
  cancel(source: string, request: BlockRequest): void;
  /** The info dictionary (for ut_metadata), its size when known. */
  readonly metadataSize: number | undefined;
  /** A ut_metadata message from the peer (metadata.ts handles it). */
  onMetadataMessage(peer: WirePeer, payload: Uint8Array): void;
  /** The peer said it has the metadata (size): a magnet can fetch it. */
  onPeerMetadata(peer: WirePeer): void;
  /** The peer became interested (the choker may unchoke it at once). */
  onPeerInterest(peer: WirePeer): void;
}

/** A readable name for a peer: its client (BEP 10 `v`, or the Azureus-style id prefix). */
export function clientName(peerId: Uint8Array, v: string | undefined): string {
  if (v) return v.slice(0, 40);
  const prefix = String.fromCharCode(...peerId.subarray(0, 8));
  return /^-[A-Za-z0-9]{6}-$/.test(prefix) ? prefix.slice(1, 7) : toHex(peerId.subarray(0, 4));
}

/**
 * How Swarmlink readers of one torrent share the web seed without talking it over: the
 * file is cut into segments (about 1 MiB), and each segment belongs to one of the readers
 * connected to each other (rendezvous hashing: the reader whose hash of (peer id, segment)
 * is lowest). Every reader computes the same owners from the same peer ids, so readers that
 * arrive together fetch disjoint parts of the file from the server and trade the rest; a
 * lone reader owns everything. The claims extension (wire/webseed-claims.ts) covers the
 * first seconds, before the readers know each other, and the stall rule (torrent.ts) the
 * case of an owner that does not deliver.
 */

/** Bytes per segment (rounded to whole pieces). */
export const SEGMENT_BYTES = 1024 * 1024;

/** FNV-1a over the peer id's bytes and the segment index (32 bits). */
function score(peerId: Uint8Array, segment: number): number {
  let h = 0x811c9dc5;
  for (const b of peerId) h = Math.imul(h ^ b, 0x01000193);
  for (let k = 0; k < 4; k++) h = Math.imul(h ^ ((segment >>> (8 * k)) & 0xff), 0x01000193);
  return h >>> 0;
}

export class WebSeedShare {
  readonly piecesPerSegment: number;
  private readonly owner: Int32Array;

  /** `me` first, then the other Swarmlink readers connected (their peer ids). */
  constructor(pieceLength: number, pieceCount: number, readers: readonly Uint8Array[]) {
    this.piecesPerSegment = Math.max(1, Math.round(SEGMENT_BYTES / pieceLength));
    const segments = Math.ceil(pieceCount / this.piecesPerSegment);
    this.owner = new Int32Array(segments);
    for (let s = 0; s < segments; s++) {
      let best = 0;
      let bestScore = Infinity;
      readers.forEach((id, r) => {
        const v = score(id, s);
        if (v < bestScore) [best, bestScore] = [r, v];
      });
      this.owner[s] = best;
    }
  }

  /** Whether piece `index` is in a segment of ours. */
  ours(index: number): boolean {
    return this.owner[Math.floor(index / this.piecesPerSegment)] === 0;
  }
}

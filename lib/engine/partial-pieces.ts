/**
 * Pieces being put together from 16 KiB blocks asked of wire peers: per block who was
 * asked, whether it arrived and from whom (so a piece that fails its hash can be traced to
 * its senders). Part of the picker (pure, no IO); block bytes live with the wire sources.
 */

/** The block size every client requests (BEP 3: 16 KiB; larger requests may be refused). */
export const BLOCK_LENGTH = 16 * 1024;

export interface BlockRequest {
  piece: number;
  begin: number;
  length: number;
}

interface Partial {
  size: number;
  received: Uint8Array;
  receivedCount: number;
  /** Requests outstanding for the piece, all blocks together. */
  outstanding: number;
  /** Per block: sources asked and not answered yet. */
  asked: (string[] | undefined)[];
  /** Per block: the source whose bytes were taken. */
  from: (string | undefined)[];
}

/** Blocks per piece are at most 64 MiB ÷ 16 KiB = 4096 (LIMITS.maxPieceLength). */
const KEY_STRIDE = 8192;

export interface Received {
  /** The block was wanted: its bytes are to be kept. */
  fresh: boolean;
  /** Every block of the piece has arrived. */
  done: boolean;
  /** Other sources asked for the same block (endgame): send them a cancel. */
  cancel: { source: string; request: BlockRequest }[];
}

export class PartialPieces {
  private readonly pieces = new Map<number, Partial>();
  private readonly bySource = new Map<string, Map<number, BlockRequest>>();

  constructor(private readonly pieceSize: (index: number) => number) {}

  get size(): number {
    return this.pieces.size;
  }

  has(piece: number): boolean {
    return this.pieces.has(piece);
  }

  /** Some source is asked for a block of the piece now, or all its blocks are in (verifying). */
  isActive(piece: number): boolean {
    const p = this.pieces.get(piece);
    return !!p && (p.outstanding > 0 || p.receivedCount === p.received.length);
  }

  start(piece: number): void {
    if (this.pieces.has(piece)) return;
    const size = this.pieceSize(piece);
    const blocks = Math.ceil(size / BLOCK_LENGTH);
    this.pieces.set(piece, {
      size,
      received: new Uint8Array(blocks),
      receivedCount: 0,
      outstanding: 0,
      asked: new Array(blocks),
      from: new Array(blocks),
    });
  }

  /** Forgets a piece (verified, or failed and to be fetched anew) and its requests. */
  delete(piece: number): void {
    const p = this.pieces.get(piece);
    if (!p) return;
    this.pieces.delete(piece);
    p.asked.forEach((sources, b) => {
      for (const s of sources ?? []) this.bySource.get(s)?.delete(piece * KEY_STRIDE + b);
    });
  }

  /** Sources whose bytes make up the piece, block by block. */
  senders(piece: number): readonly (string | undefined)[] {
    return this.pieces.get(piece)?.from ?? [];
  }

  private request(piece: number, b: number, p: Partial): BlockRequest {
    const begin = b * BLOCK_LENGTH;
    return { piece, begin, length: Math.min(BLOCK_LENGTH, p.size - begin) };
  }

  private ask(source: string, piece: number, b: number, p: Partial, out: BlockRequest[]): void {
    const req = this.request(piece, b, p);
    (p.asked[b] ??= []).push(source);
    p.outstanding++;
    let mine = this.bySource.get(source);
    if (!mine) this.bySource.set(source, (mine = new Map()));
    mine.set(piece * KEY_STRIDE + b, req);
    out.push(req);
  }

  /** Asks `source` for blocks nobody was asked for, of pieces passing `filter`. */
  takeFree(
    source: string,
    max: number,
    out: BlockRequest[],
    filter: (piece: number) => boolean,
  ): void {
    for (const [piece, p] of this.pieces) {
      if (out.length >= max) return;
      if (!filter(piece)) continue;
      for (let b = 0; b < p.received.length && out.length < max; b++) {
        if (!p.received[b] && !p.asked[b]?.length) this.ask(source, piece, b, p, out);
      }
    }
  }

  /** Endgame: asks `source` for blocks others were asked for (at most `limit` extra askers). */
  takeDuplicates(
    source: string,
    max: number,
    out: BlockRequest[],
    limit: number,
    filter: (piece: number) => boolean,
  ): void {
    for (const [piece, p] of this.pieces) {
      if (out.length >= max) return;
      if (!filter(piece)) continue;
      for (let b = 0; b < p.received.length && out.length < max; b++) {
        const asked = p.asked[b] ?? [];
        if (p.received[b] || asked.includes(source) || asked.length > limit) continue;
        this.ask(source, piece, b, p, out);
      }
    }
  }

  receive(source: string, piece: number, begin: number): Received {
    const p = this.pieces.get(piece);
    const b = begin / BLOCK_LENGTH;
    if (!p || !Number.isInteger(b) || b < 0 || b >= p.received.length || p.received[b]) {
      this.unrequest(source, piece, begin);
      return { fresh: false, done: false, cancel: [] };
    }
    p.received[b] = 1;
    p.receivedCount++;
    p.from[b] = source;
    const cancel: Received['cancel'] = [];
    for (const s of p.asked[b] ?? []) {
      this.bySource.get(s)?.delete(piece * KEY_STRIDE + b);
      p.outstanding--;
      if (s !== source) cancel.push({ source: s, request: this.request(piece, b, p) });
    }
    p.asked[b] = undefined;
    return { fresh: true, done: p.receivedCount === p.received.length, cancel };
  }

  /** The request of `source` for a block ended without it. */
  unrequest(source: string, piece: number, begin: number): void {
    const key = piece * KEY_STRIDE + begin / BLOCK_LENGTH;
    if (!this.bySource.get(source)?.delete(key)) return;
    const p = this.pieces.get(piece);
    const asked = p?.asked[begin / BLOCK_LENGTH];
    const at = asked?.indexOf(source) ?? -1;
    if (!p || !asked || at < 0) return;
    asked.splice(at, 1);
    p.outstanding--;
    // A piece nobody is fetching any more and nothing arrived for is free again.
    if (p.receivedCount === 0 && p.outstanding === 0) this.pieces.delete(piece);
  }

  releaseSource(source: string): BlockRequest[] {
    const mine = [...(this.bySource.get(source)?.values() ?? [])];
    for (const r of mine) this.unrequest(source, r.piece, r.begin);
    this.bySource.delete(source);
    return mine;
  }

  requestCount(source: string): number {
    return this.bySource.get(source)?.size ?? 0;
  }
}

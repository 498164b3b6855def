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

/**
 * In endgame a block is asked of a second peer only if its first asker would bring it no
 * sooner than this (by its rate and the block's place in its line)… A peer's line is sized to
 * 2 s of its rate (PeerRequests.pipeline), so only a peer that slowed down or stalled, or one
 * too slow for even the shortest line, is this late. Measured (8 WebTorrent seeders in Node,
 * 64 MiB, 6 runs each): copies of every block in flight (what this was) sent 10.6-14.8 MiB
 * twice and took 2.38-2.92 s; copies only of blocks 2.5 s away, none, and 2.15-2.76 s. The
 * seeders had already sent nearly every copy by the time the cancel came.
 */
const DUPLICATE_AFTER_MS = 2500;
/** …and only if the second peer would bring it at least this many times sooner. */
const DUPLICATE_GAIN = 2;

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
  /** The requests of bySource, all sources together (read per block by wire peers). */
  private total = 0;

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
      for (const s of sources ?? []) this.forget(s, piece * KEY_STRIDE + b);
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
    const key = piece * KEY_STRIDE + b;
    if (!mine.has(key)) this.total++;
    mine.set(key, req);
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

  /**
   * Endgame: asks `source` for blocks others were asked for (at most `limit` extra askers).
   * With `rateOf` (bytes per second each source delivers lately; 0: unknown), only blocks
   * their asker would bring late (DUPLICATE_AFTER_MS) and `source` much sooner, latest
   * first: a peer answers its requests in order, so the block asked last of the slowest peer
   * comes last. Without it, every such block in piece order.
   */
  takeDuplicates(
    source: string,
    max: number,
    out: BlockRequest[],
    limit: number,
    filter: (piece: number) => boolean,
    rateOf?: (source: string) => number,
  ): void {
    const wanted = (piece: number, p: Partial, b: number): boolean => {
      const asked = p.asked[b] ?? [];
      return !p.received[b] && !asked.includes(source) && asked.length <= limit && filter(piece);
    };
    if (!rateOf) {
      for (const [piece, p] of this.pieces) {
        for (let b = 0; b < p.received.length && out.length < max; b++) {
          if (wanted(piece, p, b)) this.ask(source, piece, b, p, out);
        }
      }
      return;
    }
    const myRate = rateOf(source); // 0: not known yet; a new peer gets its chance
    const late: { ms: number; position: number; piece: number; b: number; p: Partial }[] = [];
    for (const [other, requests] of this.bySource) {
      if (other === source) continue;
      const rate = rateOf(other);
      let position = 0;
      for (const r of requests.values()) {
        position++;
        const p = this.pieces.get(r.piece);
        const b = r.begin / BLOCK_LENGTH;
        if (!p || !wanted(r.piece, p, b)) continue;
        const ms = rate > 0 ? (position * BLOCK_LENGTH * 1000) / rate : Infinity;
        late.push({ ms, position, piece: r.piece, b, p });
      }
    }
    // Latest first; among stalled peers' (Infinity), the last in line first.
    late.sort((x, y) => (y.ms === x.ms ? y.position - x.position : y.ms > x.ms ? 1 : -1));
    let mine = this.requestCount(source);
    for (const c of late) {
      if (out.length >= max) return;
      const myMs = myRate > 0 ? ((mine + 1) * BLOCK_LENGTH * 1000) / myRate : 0;
      // Sorted: the rest come sooner still.
      if (c.ms < DUPLICATE_AFTER_MS || c.ms < myMs * DUPLICATE_GAIN) return;
      if (!wanted(c.piece, c.p, c.b)) continue; // taken by an earlier candidate's piece
      this.ask(source, c.piece, c.b, c.p, out);
      mine++;
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
      this.forget(s, piece * KEY_STRIDE + b);
      p.outstanding--;
      if (s !== source) cancel.push({ source: s, request: this.request(piece, b, p) });
    }
    p.asked[b] = undefined;
    return { fresh: true, done: p.receivedCount === p.received.length, cancel };
  }

  /** The request of `source` for a block ended without it. */
  unrequest(source: string, piece: number, begin: number): void {
    const key = piece * KEY_STRIDE + begin / BLOCK_LENGTH;
    if (!this.forget(source, key)) return;
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

  /** Requests outstanding to every source together. */
  requestTotal(): number {
    return this.total;
  }

  /** Drops `source`'s request `key`; whether it had one. */
  private forget(source: string, key: number): boolean {
    if (!this.bySource.get(source)?.delete(key)) return false;
    this.total--;
    return true;
  }

  requestCount(source: string): number {
    return this.bySource.get(source)?.size ?? 0;
  }
}

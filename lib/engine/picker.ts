/**
 * The piece picker: which piece (or block) is fetched from which source, decided in one
 * place for every source. Pure (no IO, seeded randomness). See NOTES.md beside this file.
 *
 * Vocabulary (after libtorrent): a piece is `wanted` when its priority is above 0 and it is
 * not had. Web seeds take whole pieces in contiguous `Run`s; wire peers take 16 KiB blocks
 * (block states none → requested → received, per piece in `PartialPieces`). A piece ends
 * either `complete` (verified and written) or goes back: `release` (a run's piece that
 * failed or was aborted) or `pieceFailed` (a piece put together from blocks whose hash was
 * wrong: all its blocks are asked for again).
 *
 * Peers first, web seed fills the gaps: a run never takes a piece that a connected peer
 * that is serving us has, or that peers are fetching; a peer with nothing else to fetch
 * takes pieces from the tail of a run, which cuts the run short (`Run.end`).
 */
import { Bitfield } from './bitfield.ts';
import { BLOCK_LENGTH, PartialPieces, type BlockRequest } from './partial-pieces.ts';
import {
  Run,
  cutRunTail,
  endRun,
  cutRuns,
  firstFree,
  forFirstInTails,
  runRanges,
  spreadStart,
} from './picker-runs.ts';
import { rarestFirst } from './rarest-first.ts';

export { BLOCK_LENGTH, type BlockRequest } from './partial-pieces.ts';
export { Run } from './picker-runs.ts';

/** The pieces a peer has: a bitfield, or every piece (a seed, a web seed). */
export type Have = Bitfield | 'all';

export interface PickerOptions {
  /** Which pieces are selected (default: all). */
  wanted?: (index: number) => boolean;
  /** The torrent's record of verified pieces; the picker reads it and sets bits on `complete`. */
  have?: Bitfield;
  /** Length of piece `index` in bytes (for block requests; default 16 KiB per piece). */
  pieceSize?: (index: number) => number;
  /** Seeded randomness for tie-breaks (default: none, the last of the tied pieces wins). */
  random?: () => number;
}

/** Extra requests for one block in endgame (besides the first one). */
const ENDGAME_DUPLICATES = 1;

export class Picker {
  readonly pieceCount: number;
  readonly have: Bitfield;
  private readonly priority: Uint8Array;
  /** Whole-piece reservations (web seed runs) per piece. */
  private readonly inFlight: Uint16Array;
  /** Connected wire peers that have each piece (rarest first). */
  private readonly availability: Uint16Array;
  /** Of those, peers that serve us now (unchoked): the web seed leaves these pieces to them. */
  private readonly serving: Uint16Array;
  /**
   * Peers that told us they are fetching the piece from the web seed now (our extension,
   * `wire/webseed-claims.ts`): the web seed leaves it to them too; they will have it soon.
   */
  private readonly claimed: Uint16Array;
  private ours: ((index: number) => boolean) | null = null;
  /** Pieces whose request to a peer is late (`markLate`): the web seed may take them. */
  private readonly late: Uint8Array;
  /** Told whenever this torrent's own runs change (so peers can be told what we fetch). */
  onRunsChanged: (() => void) | null = null;
  private readonly runs = new Set<Run>();
  readonly partial: PartialPieces;
  private readonly random: () => number;
  private wantedLeft = 0;
  /** All pieces below this index are had or unwanted: scans start here. */
  private cursor = 0;

  constructor(pieceCount: number, opts: PickerOptions = {}) {
    this.pieceCount = pieceCount;
    this.have = opts.have ?? new Bitfield(pieceCount);
    if (this.have.length !== pieceCount) throw new RangeError('have bitfield length differs');
    this.priority = new Uint8Array(pieceCount);
    this.inFlight = new Uint16Array(pieceCount);
    this.availability = new Uint16Array(pieceCount);
    this.serving = new Uint16Array(pieceCount);
    this.claimed = new Uint16Array(pieceCount);
    this.late = new Uint8Array(pieceCount);
    this.random = opts.random ?? (() => 0);
    this.partial = new PartialPieces(opts.pieceSize ?? (() => BLOCK_LENGTH));
    this.setWanted(opts.wanted ?? (() => true));
  }

  /** Selects pieces (file selection): unselected pieces are never handed out. */
  setWanted(wanted: (index: number) => boolean): void {
    this.wantedLeft = 0;
    for (let i = 0; i < this.pieceCount; i++) {
      this.priority[i] = wanted(i) ? 1 : 0;
      if (this.priority[i] && !this.have.get(i)) this.wantedLeft++;
    }
    this.cursor = 0;
    this.advanceCursor();
  }

  isWanted(index: number): boolean {
    return this.priority[index]! > 0;
  }

  has(index: number): boolean {
    return this.have.get(index);
  }

  get completeCount(): number {
    return this.have.count();
  }

  /** Wanted pieces not yet had. */
  get remaining(): number {
    return this.wantedLeft;
  }

  /**
   * Whether any source is fetching the piece: a run holds it, or blocks of it are asked for.
   * A piece some of whose blocks came from a peer that then left or choked us, with nothing
   * asked for now, is not: any source may finish it (the web seed fetches it whole).
   */
  isInFlight(index: number): boolean {
    return this.inFlight[index]! > 0 || this.partial.isActive(index);
  }

  /**
   * A peer has not delivered a block of the piece in about twice its usual time: "peers
   * first" gives way, and the web seed may fetch the piece (whichever copy verifies first
   * counts).
   */
  markLate(index: number): void {
    if (!this.have.get(index) && this.priority[index]) this.late[index] = 1;
  }

  /** A piece verified and written (or found so on resume). */
  complete(index: number, byRun = true): void {
    this.late[index] = 0;
    // A run's reservation ends with its piece; one that another source completed stays
    // until the run hands that piece on (and releases it).
    const n = this.inFlight[index]!;
    if (byRun && n > 0) this.inFlight[index] = n - 1;
    this.partial.delete(index);
    if (!this.have.set(index)) return;
    if (this.priority[index]) this.wantedLeft--;
    this.advanceCursor();
  }

  /** A run's piece that its source gave up on (failure, abort, bad hash). */
  release(index: number): void {
    const n = this.inFlight[index]!;
    if (n > 0) this.inFlight[index] = n - 1;
  }

  /** Reserves a whole piece (tests build scenarios with it; runs use `reserveRun`). */
  reserve(index: number): void {
    this.inFlight[index] = this.inFlight[index]! + 1;
  }

  // ------------------------------------------------------------------ peers' pieces

  /** A peer connected with `have` (or announced one piece), or left (`delta` -1). */
  addAvailability(have: Have | number, delta = 1): void {
    this.count(this.availability, have, delta);
  }

  /**
   * A peer with `have` started serving us (unchoked us; `delta` -1: choked us, or left
   * while serving). The web seed leaves the pieces of serving peers to them.
   */
  addServing(have: Have | number, delta = 1): void {
    this.count(this.serving, have, delta);
  }

  /** A peer fetches pieces `[first, end)` from the web seed now (`delta` -1: no longer). */
  addClaim(first: number, end: number, delta = 1): void {
    for (let i = Math.max(0, first); i < Math.min(end, this.pieceCount); i++) {
      this.claimed[i] = Math.max(0, this.claimed[i]! + delta);
    }
  }

  /**
   * Another reader fetches pieces from `first` on (its claim): our runs that would fetch
   * them too stop before them (at the earliest after the piece being read). Returns how
   * many pieces went back.
   */
  yieldRuns(first: number, end: number): number {
    const released = cutRuns(this.runs, first, end, (i) => this.release(i));
    if (released > 0) this.onRunsChanged?.();
    return released;
  }

  /** A peer that serves us has these pieces: our runs stop before the first of them. */
  yieldToHave(have: Have): void {
    const has = (i: number) => have === 'all' || have.get(i);
    forFirstInTails(this.runs, has, (i) => this.yieldRuns(i, i + 1));
  }

  /** Our runs as `[next, end)`: the pieces our web seeds will fetch and have not yet. */
  runRanges(): [number, number][] {
    return runRanges(this.runs);
  }

  private count(counts: Uint16Array, have: Have | number, delta: number): void {
    const add = (i: number) => (counts[i] = Math.max(0, counts[i]! + delta));
    if (typeof have === 'number') add(have);
    else if (have === 'all') for (let i = 0; i < this.pieceCount; i++) add(i);
    else for (const i of have.setIndices()) add(i);
  }

  // ------------------------------------------------------------------ web seeds

  private pickableLate(index: number): boolean {
    return this.priority[index]! > 0 && !this.have.get(index);
  }

  private pickable(index: number): boolean {
    return this.priority[index]! > 0 && !this.have.get(index) && !this.isInFlight(index);
  }

  /**
   * Pickable by a web seed: no serving peer has it and no peer fetches it from the web seed
   * (peers first, web seed fills the gaps). With `anyway`, only pickable (the download would
   * stall otherwise: the peers that have it do not deliver).
   */
  private forWebSeed(index: number, anyway = false): boolean {
    // A piece whose request to a peer is late: the web seed may fetch it alongside.
    if (this.late[index] && this.inFlight[index] === 0 && this.pickableLate(index)) return true;
    if (!this.pickable(index)) return false;
    if (anyway) return true;
    return this.serving[index] === 0 && this.claimed[index] === 0 && (this.ours?.(index) ?? true);
  }

  /**
   * Which pieces our web seed fetches while other Swarmlink readers are connected: the
   * segments this reader owns (web-seed-share.ts); null: every piece. Runs already under way
   * stop before the first piece that is not ours any more.
   */
  setWebSeedShare(ours: ((index: number) => boolean) | null): void {
    this.ours = ours;
    if (!ours) return;
    const notOurs = (i: number) => !ours(i);
    forFirstInTails(this.runs, notOurs, (i) => this.yieldRuns(i, i + 1));
  }

  /**
   * For a web seed: a run (up to `maxPieces`) of consecutive pieces that no peer serving us
   * has and nobody fetches, reserved for `source`. By default the first such run; with
   * `spread`, one starting at a random place in the largest free stretch, so readers that
   * arrive together fetch different regions of the file from the server and trade them.
   * With `anyway`, pieces peers have or claim count as free too (see `forWebSeed`).
   */
  reserveRun(
    source: string,
    maxPieces: number,
    opts: { spread?: boolean; anyway?: boolean } = {},
  ): Run | null {
    const free = (i: number) => this.forWebSeed(i, opts.anyway);
    const from = this.cursor;
    const start = opts.spread
      ? spreadStart(from, this.pieceCount, free, this.random)
      : firstFree(from, this.pieceCount, free);
    if (start < 0) return null;
    let end = start;
    while (end - start < maxPieces && end < this.pieceCount && free(end)) {
      this.inFlight[end]!++;
      end++;
    }
    const run = new Run(source, start, end);
    this.runs.add(run);
    this.onRunsChanged?.();
    return run;
  }

  /** The run is over: its pieces not handed on go back (returns how many). */
  endRun(run: Run): number {
    const count = endRun(this.runs, run, (i) => this.release(i));
    if (count !== undefined) this.onRunsChanged?.();
    return count ?? 0;
  }

  /** Number of wanted pieces that nobody is fetching and no serving peer has or claims. */
  unclaimed(): number {
    let n = 0;
    for (let i = this.cursor; i < this.pieceCount; i++) if (this.forWebSeed(i)) n++;
    return n;
  }

  /** Number of wanted pieces nobody is fetching (peers may have or claim them). */
  unfetched(): number {
    let n = 0;
    for (let i = this.cursor; i < this.pieceCount; i++) if (this.pickable(i)) n++;
    return n;
  }

  // ------------------------------------------------------------------ wire peers

  /**
   * Up to `max` block requests for peer `source`, which has `have`: blocks of pieces in
   * progress first (finish what was started), then new pieces rarest first (seeded random
   * tie-break), then the tail of a web seed run; in endgame, blocks another peer was asked
   * for (with `rateOf`, the peers' recent rates: only those `source` would bring much sooner,
   * PartialPieces.takeDuplicates). The requests are recorded against `source`.
   */
  pickBlocks(
    source: string,
    have: Have,
    max: number,
    rateOf?: (source: string) => number,
  ): BlockRequest[] {
    const out: BlockRequest[] = [];
    const peerHas = (i: number) => have === 'all' || have.get(i);
    const fresh = (i: number) => this.pickable(i) && peerHas(i);
    this.partial.takeFree(source, max, out, (i) => peerHas(i) && this.priority[i]! > 0);
    while (out.length < max) {
      const rarest = rarestFirst(this.availability, this.cursor, fresh, this.random);
      const piece = rarest ?? this.stealFromRun(peerHas);
      if (piece === null) break;
      this.partial.start(piece);
      const before = out.length;
      this.partial.takeFree(source, max, out, (i) => i === piece);
      if (out.length === before) break; // nothing free in it after all: never spin
    }
    if (out.length < max && this.inEndgame()) {
      this.partial.takeDuplicates(source, max, out, ENDGAME_DUPLICATES, peerHas, rateOf);
    }
    return out;
  }

  /** Endgame: every wanted piece not had is being fetched. */
  inEndgame(): boolean {
    for (let i = this.cursor; i < this.pieceCount; i++) if (this.pickable(i)) return false;
    return this.partial.size > 0;
  }

  /**
   * A piece the peer has from the tail of a web seed run (past what its HTTP request in
   * flight covers, `Run.cuttable`): the run ends before it, and the pieces after it go back
   * to be picked again.
   */
  private stealFromRun(peerHas: (i: number) => boolean): number | null {
    const takes = (i: number) => this.priority[i] !== 0 && !this.have.get(i) && peerHas(i);
    const i = cutRunTail(this.runs, takes, (j) => this.release(j));
    if (i < 0) return null;
    this.onRunsChanged?.();
    return this.inFlight[i] === 0 && !this.partial.has(i) ? i : null;
  }

  /**
   * A block arrived from `source`. `fresh`: it was wanted (not a duplicate nor unasked for);
   * `done`: every block of the piece is in; `cancel`: other peers asked for the same block
   * (endgame), to be sent a cancel.
   */
  blockReceived(
    source: string,
    piece: number,
    begin: number,
  ): ReturnType<PartialPieces['receive']> {
    if (!Number.isInteger(piece) || piece < 0 || piece >= this.pieceCount || this.have.get(piece)) {
      return { fresh: false, done: false, cancel: [] };
    }
    return this.partial.receive(source, piece, begin);
  }

  /** A request to `source` ended without the block (rejected, choked, timed out). */
  blockFailed(source: string, piece: number, begin: number): void {
    this.partial.unrequest(source, piece, begin);
  }

  /** A piece put together from blocks failed its hash check: fetch all of it again. */
  pieceFailed(index: number): void {
    this.partial.delete(index);
  }

  /** Every block request of `source` (it disconnected or choked us). */
  releaseSource(source: string): BlockRequest[] {
    return this.partial.releaseSource(source);
  }

  /** Block requests out to all wire peers together. */
  requestsTotal(): number {
    return this.partial.requestTotal();
  }

  /** Block requests outstanding to `source`. */
  requestsOf(source: string): number {
    return this.partial.requestCount(source);
  }

  private advanceCursor(): void {
    while (
      this.cursor < this.pieceCount &&
      (this.have.get(this.cursor) || this.priority[this.cursor] === 0)
    ) {
      this.cursor++;
    }
  }
}

/**
 * The piece picker: which piece is fetched from where, decided in one place.
 * Pure (no IO). See NOTES.md beside this file for the policies.
 *
 * Vocabulary (after libtorrent): a piece is `wanted` when selected and not had; a source
 * takes a piece with `reserve` (in flight), then either `complete` (verified and written)
 * or `release` (failed, aborted: it becomes pickable again).
 */
export class Picker {
  readonly pieceCount: number;
  private readonly have: Uint8Array;
  private readonly wanted: Uint8Array;
  private readonly inFlight: Uint16Array;
  /** How many connected wire peers have each piece. */
  private readonly availability: Uint16Array;
  private haveCount = 0;
  private wantedLeft = 0;
  /** All pieces below this index are had or unwanted: scans start here. */
  private cursor = 0;

  constructor(pieceCount: number, wanted?: (index: number) => boolean) {
    this.pieceCount = pieceCount;
    this.have = new Uint8Array(pieceCount);
    this.wanted = new Uint8Array(pieceCount);
    this.inFlight = new Uint16Array(pieceCount);
    this.availability = new Uint16Array(pieceCount);
    for (let i = 0; i < pieceCount; i++) {
      if (!wanted || wanted(i)) {
        this.wanted[i] = 1;
        this.wantedLeft++;
      }
    }
  }

  has(index: number): boolean {
    return this.have[index] === 1;
  }

  get completeCount(): number {
    return this.haveCount;
  }

  /** Wanted pieces not yet had. */
  get remaining(): number {
    return this.wantedLeft;
  }

  isInFlight(index: number): boolean {
    return (this.inFlight[index] ?? 0) > 0;
  }

  /** A piece verified and written (or found so on resume). */
  complete(index: number): void {
    if (this.have[index]) return;
    this.have[index] = 1;
    this.haveCount++;
    if (this.wanted[index]) this.wantedLeft--;
    const n = this.inFlight[index] ?? 0;
    if (n > 0) this.inFlight[index] = n - 1;
    this.advanceCursor();
  }

  /** A source gave up on a piece it had reserved (failure, abort, bad hash). */
  release(index: number): void {
    const n = this.inFlight[index] ?? 0;
    if (n > 0) this.inFlight[index] = n - 1;
  }

  reserve(index: number): void {
    this.inFlight[index] = (this.inFlight[index] ?? 0) + 1;
  }

  /** A wire peer announced it has `index` (later: bitfield/have messages). */
  addAvailability(index: number, delta = 1): void {
    this.availability[index] = Math.max(0, this.availability[index]! + delta);
  }

  private pickable(index: number): boolean {
    return this.wanted[index] === 1 && this.have[index] === 0 && this.inFlight[index] === 0;
  }

  /**
   * For a web seed: the longest run (up to `maxPieces`) of consecutive pickable pieces,
   * reserved. Peers first, web seed fills the gaps: pieces that a connected peer has are
   * left to the peers.
   */
  reserveRun(maxPieces: number): { first: number; count: number } | null {
    for (let i = this.cursor; i < this.pieceCount; i++) {
      if (!this.pickable(i) || this.availability[i]! > 0) continue;
      let count = 0;
      while (
        count < maxPieces &&
        i + count < this.pieceCount &&
        this.pickable(i + count) &&
        this.availability[i + count] === 0
      ) {
        this.reserve(i + count);
        count++;
      }
      return { first: i, count };
    }
    return null;
  }

  /** Number of wanted pieces that nobody is fetching and no peer has. */
  unclaimed(): number {
    let n = 0;
    for (let i = this.cursor; i < this.pieceCount; i++) {
      if (this.pickable(i) && this.availability[i] === 0) n++;
    }
    return n;
  }

  private advanceCursor(): void {
    while (
      this.cursor < this.pieceCount &&
      (this.have[this.cursor] === 1 || this.wanted[this.cursor] === 0)
    ) {
      this.cursor++;
    }
  }
}

/**
 * What one Swarmlink peer told us it fetches from the web seed now (wire/webseed-claims.ts),
 * counted in the picker so that our web seed leaves those pieces to it. A claim ends when
 * the peer announces the piece (`have`), when it sends new claims, when it is not repeated
 * within CLAIM_TTL_MS, or when the peer leaves.
 */
import type { Picker } from '../picker.ts';
import { CLAIM_TTL_MS } from '../wire/webseed-claims.ts';

/** Claims from one peer count at most this often (each costs a pass over the claimed pieces). */
const MIN_CLAIM_GAP_MS = 1_000;
/** A web seed has 3 runs of at most 64 MiB in flight: claims beyond that are not believed. */
const MAX_CLAIMED_BYTES = 3 * 64 * 1024 * 1024;

export class PeerClaims {
  private ranges: [number, number][] = [];
  private at = 0;

  constructor(private readonly picker: () => Picker | undefined) {}

  /**
   * Replaces the peer's claims (time `now`); false when they are not taken (too soon after
   * the last ones, or more than a web seed fetches at once for pieces of `pieceLength`).
   */
  set(ranges: [number, number][], now: number, pieceLength: number): boolean {
    const picker = this.picker();
    if (!picker) return false;
    if (this.at > 0 && now - this.at < MIN_CLAIM_GAP_MS) return false;
    const pieces = ranges.reduce((n, [a, b]) => n + (b - a), 0);
    if (pieces * pieceLength > MAX_CLAIMED_BYTES) return false;
    this.clear();
    this.ranges = ranges;
    this.at = now;
    for (const [a, b] of ranges) picker.addClaim(a, b, 1);
    return true;
  }

  /** The peer has piece `index`: its claim on it is fulfilled. */
  done(index: number): void {
    const at = this.ranges.findIndex(([a, b]) => a <= index && index < b);
    if (at < 0) return;
    const [a, b] = this.ranges[at]!;
    const rest: [number, number][] = [];
    if (a < index) rest.push([a, index]);
    if (index + 1 < b) rest.push([index + 1, b]);
    this.ranges.splice(at, 1, ...rest);
    this.picker()?.addClaim(index, index + 1, -1);
  }

  /** Claims not repeated in time are void; returns whether any were dropped. */
  expire(now: number): boolean {
    if (this.ranges.length === 0 || now - this.at <= CLAIM_TTL_MS) return false;
    this.clear();
    return true;
  }

  clear(): void {
    const picker = this.picker();
    if (picker) for (const [a, b] of this.ranges) picker.addClaim(a, b, -1);
    this.ranges = [];
  }
}

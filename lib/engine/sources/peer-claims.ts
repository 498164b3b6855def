/**
 * What one Swarmlink peer told us it fetches from the web seed now (wire/webseed-claims.ts),
 * counted in the picker so that our web seed leaves those pieces to it. A claim ends when
 * the peer announces the piece (`have`), when it sends new claims, when it is not repeated
 * within CLAIM_TTL_MS, or when the peer leaves.
 */
import type { Clock } from '../deps.ts';
import type { Picker } from '../picker.ts';
import { CLAIM_TTL_MS } from '../wire/webseed-claims.ts';

/**
 * Claims from one peer count at most this often (each costs a pass over the claimed
 * pieces); newer ones that come sooner wait, and only the latest of them counts. Dropping
 * them instead left claims the peer had withdrawn standing until CLAIM_TTL_MS, and both
 * readers waited for each other (two readers of a 4 MiB torrent took 10 s, not 1 s).
 */
export const MIN_CLAIM_GAP_MS = 250;
/** A web seed has 3 runs of at most 64 MiB in flight: claims beyond that are not believed. */
const MAX_CLAIMED_BYTES = 3 * 64 * 1024 * 1024;

export class PeerClaims {
  private ranges: [number, number][] = [];
  private at = -Infinity;
  private pending: [number, number][] | null = null;
  private timer: unknown = null;

  /** `applied`: the peer's claims changed to `ranges` (its earlier ones no longer count). */
  constructor(
    private readonly picker: () => Picker | undefined,
    private readonly clock: Clock,
    private readonly applied: (ranges: [number, number][]) => void,
  ) {}

  /**
   * The peer's new claims; false when they are not believed (more than a web seed fetches
   * at once for pieces of `pieceLength`). They count now, or MIN_CLAIM_GAP_MS after the
   * last ones did, unless newer ones replace them first.
   */
  offer(ranges: [number, number][], pieceLength: number): boolean {
    const pieces = ranges.reduce((n, [a, b]) => n + (b - a), 0);
    if (pieces * pieceLength > MAX_CLAIMED_BYTES) return false;
    const wait = this.at + MIN_CLAIM_GAP_MS - this.clock.now();
    if (wait <= 0) return (this.apply(ranges), true);
    this.pending = ranges;
    this.timer ??= this.clock.setTimeout(() => {
      this.timer = null;
      const next = this.pending;
      this.pending = null;
      if (next) this.apply(next);
    }, wait);
    return true;
  }

  private apply(ranges: [number, number][]): void {
    const picker = this.picker();
    if (!picker) return;
    this.release();
    this.ranges = ranges;
    this.at = this.clock.now();
    for (const [a, b] of ranges) picker.addClaim(a, b, 1);
    this.applied(ranges);
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
    this.release();
    return true;
  }

  /** Every claim of the peer ends (it left, or they expired). */
  clear(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.pending = null;
    this.release();
  }

  private release(): void {
    const picker = this.picker();
    if (picker) for (const [a, b] of this.ranges) picker.addClaim(a, b, -1);
    this.ranges = [];
  }
}

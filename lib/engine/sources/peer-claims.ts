/**
 * What one Swarmlink peer told us it fetches from the web seed now (wire/webseed-claims.ts),
 * counted in the picker so that our web seed leaves those pieces to it. A claim ends when
 * the peer announces the piece (`have`), when it sends new claims, when it is not repeated
 * within CLAIM_TTL_MS, or when the peer leaves.
 */
import type { Picker } from '../picker.ts';
import { CLAIM_TTL_MS } from '../wire/webseed-claims.ts';

export class PeerClaims {
  private ranges: [number, number][] = [];
  private at = 0;

  constructor(private readonly picker: () => Picker | undefined) {}

  /** Replaces the peer's claims (time `now`). */
  set(ranges: [number, number][], now: number): void {
    const picker = this.picker();
    if (!picker) return;
    this.clear();
    this.ranges = ranges;
    this.at = now;
    for (const [a, b] of ranges) picker.addClaim(a, b, 1);
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

/**
 * What one wire peer has, and its share of the picker's counts: every piece it has counts
 * for rarity (`availability`), and while it unchokes us also as `serving` (the web seed
 * leaves those pieces to it, and our runs stop before them). Before a magnet's metadata is
 * known the piece count is not, so its bitfield and haves are kept raw until `attach`.
 */
import { Bitfield } from '../bitfield.ts';
import { WireError } from '../errors.ts';
import type { Have, Picker } from '../picker.ts';

/** Haves kept before the piece count is known (a bound on what a peer can make us hold). */
const MAX_RAW_HAVES = 1 << 20;

export class PeerHave {
  /** What it has (`'all'` after have_all); empty until its bitfield. */
  has: Have = new Bitfield(0);
  private raw: Uint8Array | 'all' | null = null;
  private readonly rawHaves = new Set<number>();
  private picker: Picker | null = null;
  private serving = false;

  get attached(): boolean {
    return this.picker !== null;
  }

  get isSeed(): boolean {
    return this.has === 'all' || (this.has.length > 0 && this.has.full());
  }

  get(index: number): boolean {
    return this.has === 'all' || (index < this.has.length && this.has.get(index));
  }

  /**
   * The metadata is known and storage is open: what it said it has now counts. WireError
   * when the bitfield it sent before does not fit the torrent.
   */
  attach(picker: Picker): void {
    if (this.picker) return;
    if (this.raw === 'all') this.has = 'all';
    else {
      let field: Bitfield;
      try {
        field = this.raw
          ? Bitfield.fromBytes(picker.pieceCount, this.raw)
          : new Bitfield(picker.pieceCount);
      } catch (err) {
        throw new WireError('bitfield', `does not fit the torrent: ${String(err)}`);
      }
      for (const i of this.rawHaves) if (i < picker.pieceCount) field.set(i);
      this.has = field;
    }
    this.raw = null;
    this.rawHaves.clear();
    this.picker = picker;
    picker.addAvailability(this.has);
  }

  /** A `have`; true when it is new. WireError for an index past the torrent. */
  have(index: number): boolean {
    const picker = this.picker;
    if (!picker) {
      if (this.rawHaves.size < MAX_RAW_HAVES) this.rawHaves.add(index);
      return false;
    }
    if (this.has === 'all') return false;
    if (!Number.isInteger(index) || index >= this.has.length) {
      throw new WireError('have', `piece ${index} is out of range`);
    }
    if (!this.has.set(index)) return false;
    picker.addAvailability(index);
    if (this.serving) {
      picker.addServing(index);
      // It can give us that piece: our web seed need not fetch it.
      picker.yieldRuns(index, index + 1);
    }
    return true;
  }

  /** A `bitfield` or `have_all` (a second one replaces the first: lenient). */
  bitfield(bytes: Uint8Array | 'all'): void {
    const picker = this.picker;
    if (!picker) return void (this.raw = bytes === 'all' ? 'all' : bytes.slice());
    this.uncount();
    this.has = bytes === 'all' ? 'all' : Bitfield.fromBytes(picker.pieceCount, bytes);
    picker.addAvailability(this.has);
    if (this.serving) {
      picker.addServing(this.has);
      picker.yieldToHave(this.has);
    }
  }

  /** lt_donthave: it no longer has a piece. */
  dontHave(index: number): void {
    const picker = this.picker;
    if (!picker || this.has === 'all' || index >= this.has.length) return;
    if (!this.has.set(index, false)) return;
    picker.addAvailability(index, -1);
    if (this.serving) picker.addServing(index, -1);
  }

  /** It unchoked us (serves us) or choked us; returns whether that changed anything. */
  setServing(on: boolean): boolean {
    const picker = this.picker;
    if (!picker || on === this.serving) return false;
    picker.addServing(this.has, on ? 1 : -1);
    this.serving = on;
    if (on) picker.yieldToHave(this.has);
    return true;
  }

  /** Whether it has a piece that `picker` wants and we do not have yet. */
  hasWanted(picker: Picker): boolean {
    for (let i = 0; i < picker.pieceCount; i++) {
      if (!picker.has(i) && picker.isWanted(i) && this.get(i)) return true;
    }
    return false;
  }

  /** The peer left: its counts go. */
  detach(): void {
    this.uncount();
    this.serving = false;
    this.picker = null;
  }

  private uncount(): void {
    const picker = this.picker;
    if (!picker) return;
    picker.addAvailability(this.has, -1);
    if (this.serving) picker.addServing(this.has, -1);
  }
}

/**
 * Our web seed claims extension (wire/webseed-claims.ts) with one peer, both ways: what the
 * peer says it fetches from the web seed now is counted (PeerClaims), and where both of us
 * fetch the same pieces, the one with the higher peer id stops its runs there; what our web
 * seeds fetch is sent to the peer, and repeated before it expires (CLAIM_REFRESH_MS).
 */
import { toHex } from '../bytes.ts';
import type { PeerWire } from '../wire/peer-wire.ts';
import {
  CLAIM_REFRESH_MS,
  WEBSEED_CLAIMS_EXTENSION,
  decodeClaims,
  encodeClaims,
} from '../wire/webseed-claims.ts';
import { PeerClaims } from './peer-claims.ts';
import type { PeerTorrent } from './peer-torrent.ts';

export class ClaimsExchange {
  /** What the peer said it fetches from the web seed now (counted in the picker). */
  private readonly theirs: PeerClaims;
  private sentAt = 0;

  constructor(
    private readonly wire: PeerWire,
    private readonly torrent: PeerTorrent,
    /** Pieces the peer no longer claims may be our web seed's now. */
    private readonly released: () => void,
  ) {
    this.theirs = new PeerClaims(
      () => torrent.picker,
      torrent.clock,
      (ranges) => this.claimsChanged(ranges),
    );
  }

  /** A claims message from the peer. */
  onMessage(payload: Uint8Array): void {
    const picker = this.torrent.picker;
    if (!picker) return;
    this.setClaims(decodeClaims(payload, picker.pieceCount));
  }

  /** Replaces the peer's claims (the picker counts them: our web seed leaves them alone). */
  private setClaims(ranges: [number, number][]): void {
    const { picker, layout } = this.torrent;
    if (!picker || !layout) return;
    this.theirs.offer(ranges, layout.pieceLength);
  }

  private claimsChanged(ranges: [number, number][]): void {
    const picker = this.torrent.picker;
    if (!picker) return;
    // Both of us fetch the same pieces from the server: the one with the higher peer id
    // stops its runs there (both sides decide alike), the other goes on.
    const theirs = this.wire.peer?.peerId;
    if (theirs && toHex(this.torrent.peerId) > toHex(theirs)) {
      for (const [a, b] of ranges) picker.yieldRuns(a, b);
    }
    this.released();
  }

  /** Tells the peer what our web seeds fetch now, if it speaks our extension. */
  send(): void {
    const id = this.wire.peerExtended?.extensions.get(WEBSEED_CLAIMS_EXTENSION);
    const picker = this.torrent.picker;
    if (!id || !picker || this.wire.closed) return;
    this.sentAt = this.torrent.clock.now();
    this.wire.sendMessage({ type: 'extended', id, payload: encodeClaims(picker.runRanges()) });
  }

  /** The peer's claims not repeated in time are void; returns whether any were dropped. */
  expire(now: number): boolean {
    return this.theirs.expire(now);
  }

  /** Ours are repeated while they last. */
  refresh(now: number): void {
    const picker = this.torrent.picker;
    if (now - this.sentAt >= CLAIM_REFRESH_MS && picker && picker.runRanges().length > 0) {
      this.send();
    }
  }

  /** The peer has piece `index`: its claim on it is fulfilled. */
  done(index: number): void {
    this.theirs.done(index);
  }

  /** Every claim of the peer ends (it left). */
  clear(): void {
    this.theirs.clear();
  }
}

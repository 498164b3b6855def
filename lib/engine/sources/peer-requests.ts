/**
 * The block requests we have out to one peer and how long they take: how many to keep in
 * flight (its recent rate), which are late (the web seed may fetch their pieces: "peers
 * first" gives way), which timed out (they go to other peers).
 */
import type { BlockRequest } from '../picker.ts';

/** A request not answered in this time goes to someone else (WebTorrent: 30 s). */
export const REQUEST_TIMEOUT_MS = 20_000;
/** Requests kept in flight to a peer: this many seconds of its recent rate, within bounds. */
const PIPELINE_SECONDS = 2;
const MIN_PIPELINE = 8;
export const MAX_PIPELINE = 128;
/**
 * Block requests out to all of a torrent's peers together (4 MiB): what they send comes
 * about as fast as asked, and what came waits in the browser until the engine takes it.
 */
export const MAX_TORRENT_REQUESTS = 256;
/** A peer's line is topped up once this fraction of it (1/n) came in (1/8 of 128: 16 requests). */
export const REQUEST_BATCHES = 8;
/** A request is late (the web seed may fetch its piece) after this many times the peer's usual block time… */
const LATE_FACTOR = 2;
/** …and at least this long (a busy machine's ordinary jitter is not lateness). */
const LATE_MIN_MS = 4_000;

export class PeerRequests {
  private readonly sentAt = new Map<number, number>();
  /** Recent time from request to block (moving average), ms. */
  private blockMs = 0;

  /**
   * Requests to keep in flight at `bytesPerSecond` from the peer, when the rest of the
   * download takes about `tailSeconds` (at the torrent's rate from every source): near the
   * end each peer is asked for only its share of what is left, so that no peer's line runs
   * on after the others are done. A peer answers requests in order, and the WebTorrent
   * seeders write each block into a channel that holds a few MiB, so a line of 128 blocks
   * from a peer sending 3 MiB/s ends 0.7 s later than the others.
   */
  static pipeline(bytesPerSecond: number, tailSeconds = Infinity): number {
    const perSecond = bytesPerSecond / 16384;
    const seconds = Math.min(PIPELINE_SECONDS, tailSeconds);
    return Math.max(MIN_PIPELINE, Math.min(MAX_PIPELINE, Math.ceil(perSecond * seconds)));
  }

  /**
   * The longest line a peer with `mine` requests out may have while the torrent has `total`
   * out: what is left of MAX_TORRENT_REQUESTS (peers that bring blocks sooner top up sooner,
   * so they hold more of it), and never less than MIN_PIPELINE (a new peer gets its start).
   */
  static share(mine: number, total: number): number {
    return Math.max(MIN_PIPELINE, mine + MAX_TORRENT_REQUESTS - total);
  }

  /**
   * How many requests to send now to a peer with `outstanding` of at most `limit`: none
   * until there is room for 1/REQUEST_BATCHES of its `line` (its own length, before the
   * torrent's bound cut it to `limit`; unless it has none out), then up to `limit`.
   */
  static topUp(limit: number, outstanding: number, line = limit): number {
    const want = limit - outstanding;
    if (want <= 0 || (outstanding > 0 && want < Math.ceil(line / REQUEST_BATCHES))) return 0;
    return want;
  }

  sent(r: BlockRequest, now: number): void {
    this.sentAt.set(key(r.piece, r.begin), now);
  }

  /** The block came (its time counts towards the peer's block time). */
  answered(piece: number, begin: number, now: number): void {
    const asked = this.sentAt.get(key(piece, begin));
    if (asked !== undefined) {
      const took = now - asked;
      this.blockMs = this.blockMs === 0 ? took : this.blockMs * 0.9 + took * 0.1;
    }
    this.sentAt.delete(key(piece, begin));
  }

  /** Rejected or cancelled: no longer out. */
  forget(piece: number, begin: number): void {
    this.sentAt.delete(key(piece, begin));
  }

  clear(): void {
    this.sentAt.clear();
  }

  /**
   * Looks at every request out at `now`: `late(piece)` for each late one, and those past
   * REQUEST_TIMEOUT_MS are dropped and given to `timedOut(piece, begin)`. Returns how many
   * were late.
   */
  check(
    now: number,
    late: (piece: number) => void,
    timedOut: (piece: number, begin: number) => void,
  ): number {
    let n = 0;
    const lateMs = Math.max(LATE_MIN_MS, LATE_FACTOR * this.blockMs);
    for (const [k, at] of this.sentAt) {
      const piece = Math.floor(k / 2 ** 26);
      if (now - at >= lateMs) {
        late(piece);
        n++;
      }
      if (now - at < REQUEST_TIMEOUT_MS) continue;
      this.sentAt.delete(k);
      timedOut(piece, k % 2 ** 26);
    }
    return n;
  }
}

/** `piece:begin` as one number (begin < 2^26: pieces are at most 64 MiB). */
function key(piece: number, begin: number): number {
  return piece * 2 ** 26 + begin;
}

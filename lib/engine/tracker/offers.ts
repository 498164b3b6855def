/** Bookkeeping for WebRTC signalling through a tracker: our unanswered offers, and a cap on theirs. */
import type { Clock } from '../deps.ts';
import { bytesToBinary, type BinaryId, type OfferDescription } from './messages.ts';

/** WebTorrent destroys an offer nobody answered after 50 s; so do we. */
export const OFFER_TIMEOUT_MS = 50_000;

/** Our offers sent through the tracker and not answered yet, each dropped after a timeout. */
export class PendingOffers {
  private readonly timers = new Map<BinaryId, unknown>();

  constructor(
    private readonly clock: Clock,
    /** Told of an offer that timed out (not of one taken or cleared). */
    private readonly onExpire: (offerId: BinaryId) => void,
    private readonly timeoutMs = OFFER_TIMEOUT_MS,
  ) {}

  get size(): number {
    return this.timers.size;
  }

  has(offerId: BinaryId): boolean {
    return this.timers.has(offerId);
  }

  add(offerId: BinaryId): void {
    if (this.timers.has(offerId)) return;
    const timer = this.clock.setTimeout(() => {
      if (!this.timers.delete(offerId)) return;
      this.onExpire(offerId);
    }, this.timeoutMs);
    this.timers.set(offerId, timer);
  }

  /** Takes an offer that got its answer: true if it was pending. */
  take(offerId: BinaryId): boolean {
    const timer = this.timers.get(offerId);
    if (timer === undefined) return false;
    this.clock.clearTimeout(timer);
    this.timers.delete(offerId);
    return true;
  }

  /** Forgets every pending offer and returns their ids. */
  clear(): BinaryId[] {
    const ids = [...this.timers.keys()];
    for (const timer of this.timers.values()) this.clock.clearTimeout(timer);
    this.timers.clear();
    return ids;
  }
}

/** At most `max` events per fixed window of `windowMs`. */
export class RateWindow {
  private windowStart = -Infinity;
  private used = 0;

  constructor(
    private readonly clock: Clock,
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /** `ok` if one more event fits; `firstRefusal` marks the first one refused in a window. */
  take(): { ok: boolean; firstRefusal: boolean } {
    const now = this.clock.now();
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.used = 0;
    }
    this.used++;
    return { ok: this.used <= this.max, firstRefusal: this.used === this.max + 1 };
  }
}

/** An offer ready to send: its id as the tracker carries it, and a clean description. */
export interface SignedOffer {
  offerId: BinaryId;
  offer: OfferDescription;
}

/**
 * Sorts the torrent's offers (untrusted shape: it is another module's output) into up to
 * `max` to send, ids to drop (over `max`, bad description) and a count of bad ids.
 */
export function sortOffers(
  made: unknown,
  max: number,
  isPending: (offerId: BinaryId) => boolean,
): { accepted: SignedOffer[]; dropped: BinaryId[]; badIds: number } {
  const accepted: SignedOffer[] = [];
  const dropped: BinaryId[] = [];
  let badIds = 0;
  for (const o of Array.isArray(made) ? (made as unknown[]) : []) {
    const { offerId: id, offer } = (o ?? {}) as { offerId?: unknown; offer?: unknown };
    const offerId = id instanceof Uint8Array && id.length === 20 ? bytesToBinary(id) : undefined;
    const seen = (x: BinaryId) => isPending(x) || accepted.some((a) => a.offerId === x);
    if (offerId === undefined || seen(offerId)) {
      badIds++;
      continue;
    }
    const sdp = (offer as { type?: unknown; sdp?: unknown } | undefined)?.sdp;
    const type = (offer as { type?: unknown } | undefined)?.type;
    if (accepted.length >= max || type !== 'offer' || typeof sdp !== 'string')
      dropped.push(offerId);
    else accepted.push({ offerId, offer: { type: 'offer', sdp } });
  }
  return { accepted, dropped, badIds };
}

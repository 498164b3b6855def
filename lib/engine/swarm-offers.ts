/**
 * The WebRTC offers a swarm has sent out through its trackers and not yet had answered
 * (non-trickle, rtc/connect.ts): made together for an announce, matched to an answer by
 * offer id, closed when the tracker says the offer is gone or the swarm stops.
 */
import type { Clock, PeerConnectionFactory } from './deps.ts';
import { toHex } from './bytes.ts';
import { createOffer, type RtcOffer } from './rtc/connect.ts';
import type { ChannelTransport } from './rtc/transport.ts';
import type { OfferInit } from './tracker/announcer.ts';
import { randomId } from './tracker/messages.ts';

export interface OfferDeps {
  createPeerConnection: PeerConnectionFactory;
  rtcConfig: RTCConfiguration;
  clock: Clock;
  random(): number;
}

export class PendingOffers {
  private readonly offers = new Map<string, RtcOffer>();

  constructor(private readonly deps: OfferDeps) {}

  get size(): number {
    return this.offers.size;
  }

  /** `n` offers, made together (each waits for its ICE gathering); `wanted` false: none kept. */
  async make(n: number, wanted: () => boolean): Promise<OfferInit[]> {
    const { createPeerConnection, clock, random, rtcConfig } = this.deps;
    const made = await Promise.all(
      Array.from(
        { length: n },
        () => createOffer(createPeerConnection, { clock, random, rtcConfig }).catch(() => null), // WebRTC refused (out of connections, a browser limit)
      ),
    );
    const out: OfferInit[] = [];
    for (const offer of made) {
      if (!offer) continue;
      if (!wanted()) {
        offer.close();
        continue;
      }
      const offerId = randomId(random);
      this.offers.set(toHex(offerId), offer);
      out.push({ offerId, offer: offer.offer });
    }
    return out;
  }

  drop(offerId: Uint8Array): void {
    const key = toHex(offerId);
    this.offers.get(key)?.close();
    this.offers.delete(key);
  }

  /** The peer's answer to one of our offers: its channel once connected (null: not ours). */
  async accept(offerId: Uint8Array, answer: unknown): Promise<ChannelTransport | null> {
    const key = toHex(offerId);
    const offer = this.offers.get(key);
    if (!offer) return null;
    this.offers.delete(key);
    return offer.accept(answer);
  }

  closeAll(): void {
    for (const o of this.offers.values()) o.close();
    this.offers.clear();
  }
}

/**
 * Who we upload to (BEP 3 choking), decided every 10 s: tit-for-tat among interested
 * peers: while downloading, the peers that send us the most; while seeding, the peers that
 * take the most from us (so the swarm gets the pieces fastest). One more slot rotates every
 * 30 s to a random interested peer (the optimistic unchoke), so new peers get a first piece
 * to trade. Pure: it only says who; the swarm sends the messages.
 */

export interface ChokerPeer {
  readonly id: string;
  readonly peerInterested: boolean;
  /** Bytes per second received from it / sent to it lately. */
  readonly downloadRate: number;
  readonly uploadRate: number;
  /** It has every piece: nothing to trade with it. */
  readonly isSeed: boolean;
}

export const RECHOKE_MS = 10_000;
/** Rechokes an optimistic unchoke lasts. */
export const OPTIMISTIC_ROUNDS = 3;
/**
 * Regular upload slots. With 8 readers of one blog post every reader can serve all the
 * others at once, which is what keeps the web server near one copy.
 */
export const UPLOAD_SLOTS = 8;

export class Choker {
  private optimistic: string | null = null;
  private rounds = 0;

  constructor(
    private readonly random: () => number,
    readonly slots = UPLOAD_SLOTS,
  ) {}

  /** The ids to unchoke now; everyone else is choked. */
  rechoke(peers: readonly ChokerPeer[], seeding: boolean): Set<string> {
    const interested = peers.filter((p) => p.peerInterested && !p.isSeed);
    const rate = (p: ChokerPeer) => (seeding ? p.uploadRate : p.downloadRate);
    const ranked = [...interested].sort((a, b) => rate(b) - rate(a));
    const out = new Set(ranked.slice(0, this.slots).map((p) => p.id));
    if (this.rounds <= 0 || !interested.some((p) => p.id === this.optimistic)) {
      const rest = interested.filter((p) => !out.has(p.id));
      this.optimistic = rest.length > 0 ? rest[Math.floor(this.random() * rest.length)]!.id : null;
      this.rounds = OPTIMISTIC_ROUNDS;
    }
    this.rounds--;
    if (this.optimistic) out.add(this.optimistic);
    return out;
  }
}

/** What the choker needs of a connected wire peer. */
export function chokerView(p: {
  id: string;
  peerInterested: boolean;
  received: { rate(): number };
  sent: { rate(): number };
  isSeed: boolean;
}): ChokerPeer {
  return {
    id: p.id,
    peerInterested: p.peerInterested,
    downloadRate: p.received.rate(),
    uploadRate: p.sent.rate(),
    isSeed: p.isSeed,
  };
}

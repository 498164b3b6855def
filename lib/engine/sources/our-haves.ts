/**
 * What we tell one wire peer we have: our bitfield once the handshake is done (BEP 6
 * have_all / have_none when they say it), then a `have` for each piece we verify, except
 * to a seed: it wants nothing of ours (with 8 seeders these were most of our data channel
 * messages). One that stops being a seed (lt_donthave) is told then of everything we have.
 */
import type { PeerWire } from '../wire/peer-wire.ts';
import type { PeerTorrent } from './peer-torrent.ts';

export class OurHaves {
  /** We verified pieces while it was a seed and did not tell it (announce). */
  private owed = false;

  constructor(
    private readonly wire: PeerWire,
    private readonly torrent: PeerTorrent,
    /** Whether the peer has every piece. */
    private readonly isSeed: () => boolean,
  ) {}

  /** Our bitfield (BEP 6: have_all / have_none when they say it). */
  sendBitfield(): void {
    const have = this.torrent.picker?.have;
    if (this.wire.fast && (!have || have.empty())) this.wire.sendMessage({ type: 'have-none' });
    else if (this.wire.fast && have!.full()) this.wire.sendMessage({ type: 'have-all' });
    else if (have && !have.empty())
      this.wire.sendMessage({ type: 'bitfield', bytes: have.toBytes() });
  }

  /** A piece we now have: the peer is told, unless it is a seed. */
  announce(index: number): void {
    if (!this.wire.peer) return;
    if (this.isSeed()) this.owed = true;
    else this.wire.sendMessage({ type: 'have', index });
  }

  /** The peer may have stopped being a seed: it is told now what it was not. */
  pay(): void {
    const picker = this.torrent.picker;
    if (!this.owed || this.isSeed() || !picker) return;
    this.owed = false;
    for (let i = 0; i < picker.pieceCount; i++) {
      if (picker.has(i)) this.wire.sendMessage({ type: 'have', index: i });
    }
  }
}

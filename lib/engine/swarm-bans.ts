/**
 * Smart ban for one swarm (smart-ban.ts decides; this keeps the books): who sent the blocks
 * of each piece handed to the verifier, the peer id behind each wire source (kept after it
 * leaves), and the peer ids banned for sending wrong data, which are not connected to again.
 */
import { toHex } from './bytes.ts';
import type { Digest } from './deps.ts';
import { SmartBan } from './smart-ban.ts';

export class SwarmBans {
  private readonly banned = new Set<string>();
  /** Peer id (hex) of each of our wire sources, kept after they leave. */
  private readonly peerIdOf = new Map<string, string>();
  /** Block senders of pieces handed to the verifier, until it says. */
  private readonly senders = new Map<number, readonly (string | undefined)[]>();
  private readonly smartBan: SmartBan;

  /** `banned`: a peer id (hex) was banned; disconnect it. */
  constructor(
    digest: Digest,
    readBlock: (piece: number, begin: number, length: number) => Promise<Uint8Array>,
    private readonly onBan: (peerIdHex: string, reason: string) => void,
  ) {
    this.smartBan = new SmartBan(digest, readBlock, (source, reason) => this.ban(source, reason));
  }

  /** The wire source `source` is the peer `peerId` (from its handshake). */
  identify(source: string, peerId: Uint8Array): void {
    this.peerIdOf.set(source, toHex(peerId));
  }

  isBanned(peerId: Uint8Array): boolean {
    return this.banned.has(toHex(peerId));
  }

  /** A piece from peers goes to the verifier: who sent its blocks, until it settles. */
  async delivering<T>(
    index: number,
    senders: readonly (string | undefined)[],
    verify: () => Promise<T>,
  ): Promise<T> {
    this.senders.set(index, senders);
    try {
      return await verify();
    } finally {
      // Kept only for a piece that failed (read in `failed`, before this runs).
      this.senders.delete(index);
    }
  }

  /** A piece from peers failed its hash check: `data` are its wrong bytes (valid now only). */
  failed(index: number, data: Uint8Array): void {
    // Who sent which block: the partial piece is gone from the picker once it failed.
    const senders = this.senders.get(index) ?? [];
    this.senders.delete(index);
    // Hashing can outlive the torrent (removed meanwhile): nothing to ban then.
    this.smartBan.failed(index, senders, data).catch(() => {});
  }

  verified(index: number): void {
    this.smartBan.verified(index).catch(() => {});
  }

  private ban(source: string, reason: string): void {
    // By peer id, so a peer that left (or came back as a new connection) stays banned.
    const id = this.peerIdOf.get(source);
    if (!id || this.banned.has(id)) return;
    this.banned.add(id);
    this.onBan(id, reason);
  }
}

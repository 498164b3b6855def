/**
 * A peer's requests to us, served one block at a time from the store (`readBlock`, so a
 * 16 KiB request never reads a whole piece) while the transport takes more. Bounded: a peer
 * past the `reqq` we announced is flooding, and is dropped. With BEP 6 a request we will
 * not serve gets a `reject`.
 */
import { WireError } from '../errors.ts';
import { LIMITS } from '../limits.ts';
import type { BlockRequest, Picker } from '../picker.ts';
import { isInPiece, type StorageLayout } from '../piece-store.ts';
import type { RateMeter } from '../rate.ts';
import type { PeerWire } from '../wire/peer-wire.ts';
import type { Clock } from '../deps.ts';
import { LimitGate, type RateLimits } from '../token-bucket.ts';

export interface UploadSource {
  /** Undefined until the metadata is known and the storage is open. */
  readonly picker: Picker | undefined;
  readonly layout: StorageLayout | undefined;
  readBlock(index: number, offset: number, length: number): Promise<Uint8Array>;
  countUpload(n: number): void;
  readonly clock: Clock;
  /** The client's upload limit: a block goes out only when the bucket is not in debt. */
  readonly rates?: RateLimits;
}

export class UploadQueue {
  private readonly queue: BlockRequest[] = [];
  private reading = false;
  /** Waits for the upload limit before the next block. */
  private readonly limit: LimitGate;

  constructor(
    private readonly wire: PeerWire,
    private readonly source: UploadSource,
    private readonly sent: RateMeter,
  ) {
    this.limit = new LimitGate(source.clock, () => source.rates?.upload);
  }

  /**
   * A request from the peer: queued when we serve it (we do not choke the peer, and it is a
   * block of a piece we have), else rejected. Throws WireError past the queue's bound.
   */
  request(r: { index: number; begin: number; length: number }, choking: boolean): void {
    const { picker, layout } = this.source;
    const req = { piece: r.index, begin: r.begin, length: r.length };
    const ok =
      !choking &&
      picker !== undefined &&
      layout !== undefined &&
      isInPiece(layout, r.index, r.begin, r.length) &&
      r.length <= LIMITS.maxBlockLength &&
      picker.has(r.index);
    if (ok) this.push(req);
    else this.reject(req);
  }

  /** Queues a request we will serve. Throws WireError past the queue's bound. */
  push(r: BlockRequest): void {
    if (this.queue.length >= LIMITS.maxQueuedRequestsPerPeer) {
      throw new WireError('request', `more than ${LIMITS.maxQueuedRequestsPerPeer} queued`);
    }
    this.queue.push(r);
    this.pump();
  }

  /** The peer cancelled a request. */
  cancel(piece: number, begin: number): void {
    const at = this.queue.findIndex((u) => u.piece === piece && u.begin === begin);
    if (at >= 0) this.queue.splice(at, 1);
  }

  /** We choked the peer: BEP 6 says a choke does not void requests, so each is rejected. */
  rejectAll(): void {
    for (const r of this.queue.splice(0)) this.reject(r);
  }

  reject(r: BlockRequest): void {
    if (this.wire.fast && !this.wire.closed) {
      this.wire.sendMessage({ type: 'reject', index: r.piece, begin: r.begin, length: r.length });
    }
  }

  clear(): void {
    this.queue.length = 0;
    this.limit.clear();
  }

  /** Serves the next request if the transport can take it (call on drain too). */
  pump(): void {
    if (this.reading || this.wire.closed) return;
    const r = this.queue[0];
    if (!r || !this.wire.writable || this.limit.blocked(() => this.pump())) return;
    this.reading = true;
    this.source.readBlock(r.piece, r.begin, r.length).then(
      (block) => {
        this.reading = false;
        // Cancelled or choked meanwhile: not sent.
        if (this.queue[0] !== r || this.wire.closed) return this.pump();
        this.queue.shift();
        this.wire.sendPiece(r.piece, r.begin, block);
        this.source.rates?.upload.take(block.byteLength);
        this.sent.add(block.byteLength);
        this.source.countUpload(block.byteLength);
        this.pump();
      },
      () => {
        this.reading = false;
        // Cancelled meanwhile: it is gone already; the next one is not ours to drop.
        if (this.queue[0] === r) this.queue.shift();
        this.reject(r);
        this.pump();
      },
    );
  }
}

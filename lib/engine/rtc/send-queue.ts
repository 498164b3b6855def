/**
 * Bytes waiting for the data channel, packed into messages of `messageBytes`: writes are
 * copied and coalesced, so many small writes (a piece message per 16 KiB block) leave as a
 * few full-size messages. First in, first out.
 */
export class SendQueue {
  private full: Uint8Array[] = [];
  private head = 0;
  private tail: Uint8Array | undefined;
  private tailLength = 0;
  private total = 0;

  constructor(private readonly messageBytes: number) {}

  /** Bytes waiting. */
  get bytes(): number {
    return this.total;
  }

  get empty(): boolean {
    return this.total === 0;
  }

  /** Copies `bytes` in (the caller may reuse its buffer). */
  push(bytes: Uint8Array): void {
    let off = 0;
    while (off < bytes.length) {
      this.tail ??= new Uint8Array(this.messageBytes);
      const n = Math.min(bytes.length - off, this.tail.length - this.tailLength);
      this.tail.set(bytes.subarray(off, off + n), this.tailLength);
      this.tailLength += n;
      this.total += n;
      off += n;
      if (this.tailLength === this.tail.length) {
        this.full.push(this.tail);
        this.tail = undefined;
        this.tailLength = 0;
      }
    }
  }

  /** Full messages waiting. */
  get fullCount(): number {
    return this.full.length - this.head;
  }

  /**
   * The next message (a full one, else what the partial one holds; with `fullOnly`, only a
   * full one), or undefined.
   */
  shift(fullOnly = false): Uint8Array | undefined {
    let msg: Uint8Array | undefined;
    if (this.head < this.full.length) {
      msg = this.full[this.head];
      this.full[this.head++] = EMPTY;
      if (this.head === this.full.length || this.head > 1024) {
        this.full = this.full.slice(this.head);
        this.head = 0;
      }
    } else if (!fullOnly && this.tail && this.tailLength > 0) {
      msg = this.tail.subarray(0, this.tailLength);
      this.tail = undefined;
      this.tailLength = 0;
    }
    if (msg) this.total -= msg.length;
    return msg;
  }

  clear(): void {
    this.full = [];
    this.head = this.tailLength = this.total = 0;
    this.tail = undefined;
  }
}

const EMPTY = new Uint8Array(0);

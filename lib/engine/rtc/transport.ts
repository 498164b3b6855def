/**
 * A byte transport over one open RTCDataChannel: what the wire peer reads and writes.
 *
 * Plain callbacks (`ondata`, `ondrain`, `onclose`), DOM style: a transport has exactly one
 * reader, the wire peer, so an Emitter's listener sets would buy nothing.
 *
 * - `send(bytes)` packs writes into messages of `messageBytes` (our
 *   `LIMITS.rtcMaxMessageBytes`, never above what the peer's SDP allows) and returns
 *   `writable`. Writes are copied (the caller may reuse its buffer once `send` returns) and
 *   coalesced (send-queue.ts): a full message goes to the channel at once, the rest when the
 *   current task's writes are done (a microtask), so a burst of 16 KiB blocks, each with its
 *   13-byte header, leaves as a few 64 KiB messages. Measured in the offload scene under
 *   Node: a header and a block per `channel.send`, plus a `bufferedAmount` read per write,
 *   took 14 of 22 s of CPU (each is a call into libwebrtc's thread); the recipe measured
 *   64 KiB messages 2× faster than 16 KiB ones in Chromium too. Bytes the channel cannot take
 *   yet (its `bufferedAmount` is at the high-water mark) wait here; the channel itself never
 *   holds more than the high-water mark plus one message.
 * - Backpressure: when `send` returns false (`bufferedBytes >= highWaterBytes`) the caller
 *   stops writing until `ondrain`, which comes once `bufferedBytes <= lowWaterBytes`. The
 *   channel's `bufferedamountlow` event drives it; @roamhq/wrtc has none, so there the
 *   transport polls `bufferedAmount` through the injected clock while it waits.
 * - `ondata(bytes)` gets every message as a Uint8Array, chunked however the peer sent it
 *   (simple-peer sends each write of bittorrent-protocol as one message): the wire decoder
 *   reassembles. Messages that arrive while `ondata` is null are held (up to
 *   `LIMITS.rtcMaxUnreadBytes`) and handed over, in order, soon after it is set.
 * - `onclose(error)` fires exactly once, whatever closed it: `close()` (error null), the
 *   peer closing its channel or connection (null), or a failure (an RtcError). Closing also
 *   closes the RTCPeerConnection the transport was given, and drops unsent bytes.
 */
import type { Clock } from '../deps.ts';
import { errorMessage, RtcError } from '../errors.ts';
import { LIMITS } from '../limits.ts';
import { SendQueue } from './send-queue.ts';

export interface TransportOptions {
  clock: Clock;
  /** The channel's connection: watched for failure and closed with the transport. */
  pc?: RTCPeerConnection;
  /** Largest message we send (default `LIMITS.rtcMaxMessageBytes`). */
  maxMessageBytes?: number;
  /** Largest message the peer takes (SCTP max-message-size); Infinity when unlimited. */
  peerMaxMessageBytes?: number;
  highWaterBytes?: number;
  lowWaterBytes?: number;
}

const textEncoder = new TextEncoder();

export class ChannelTransport {
  /** Once `bufferedBytes <= lowWaterBytes` after `send` returned false. */
  ondrain: (() => void) | null = null;
  onclose: ((error: RtcError | null) => void) | null = null;

  readonly label: string;
  /** The size messages are cut to: min(our maximum, the peer's). */
  readonly messageBytes: number;
  readonly highWaterBytes: number;
  readonly lowWaterBytes: number;

  private readonly clock: Clock;
  private readonly pc: RTCPeerConnection | undefined;
  private readonly hasLowEvent: boolean;
  private dataHandler: ((bytes: Uint8Array) => void) | null = null;
  private readonly queue: SendQueue;
  private unread: Uint8Array[] = [];
  private unreadBytes = 0;
  private flushTimer: unknown = undefined;
  private pollTimer: unknown = undefined;
  private needDrain = false;
  private flushQueued = false;
  /** The channel's `bufferedAmount` when last read, plus what we sent since (reads are costly). */
  private channelBytes = 0;
  private closed = false;
  private sent = 0;
  private received = 0;

  constructor(
    private readonly channel: RTCDataChannel,
    opts: TransportOptions,
  ) {
    this.clock = opts.clock;
    this.pc = opts.pc;
    this.label = channel.label;
    const ours = opts.maxMessageBytes ?? LIMITS.rtcMaxMessageBytes;
    this.messageBytes = Math.max(1, Math.min(ours, opts.peerMaxMessageBytes ?? Infinity));
    this.highWaterBytes = opts.highWaterBytes ?? LIMITS.rtcHighWaterBytes;
    this.queue = new SendQueue(this.messageBytes);
    this.lowWaterBytes = Math.min(
      opts.lowWaterBytes ?? LIMITS.rtcLowWaterBytes,
      this.highWaterBytes,
    );

    channel.binaryType = 'arraybuffer';
    // Feature test before setting it: on a channel without it the property would just stick.
    this.hasLowEvent = typeof channel.bufferedAmountLowThreshold === 'number';
    if (this.hasLowEvent) {
      channel.bufferedAmountLowThreshold = this.lowWaterBytes;
      channel.onbufferedamountlow = () => this.pump();
    }
    channel.onmessage = (ev: MessageEvent) => this.receive(ev.data);
    channel.onclose = () => this.finish(null);
    channel.onerror = (ev) => this.finish(new RtcError('failed', `data channel: ${describe(ev)}`));
    if (this.pc) {
      const pc = this.pc;
      pc.onconnectionstatechange = () => {
        if (pc.connectionState === 'failed')
          this.finish(new RtcError('failed', 'connection failed'));
        else if (pc.connectionState === 'closed') this.finish(null);
      };
      pc.oniceconnectionstatechange = () => {
        if (pc.iceConnectionState === 'failed') this.finish(new RtcError('failed', 'ICE failed'));
      };
    }
    if (channel.readyState !== 'open') {
      // Made from an open channel only; one closed under us is reported once the caller listens.
      this.clock.setTimeout(() => this.finish(null), 0);
    }
  }

  /** Every received message; setting it hands over held ones soon (not inside the setter). */
  get ondata(): ((bytes: Uint8Array) => void) | null {
    return this.dataHandler;
  }

  set ondata(fn: ((bytes: Uint8Array) => void) | null) {
    this.dataHandler = fn;
    if (fn && this.unread.length > 0 && this.flushTimer === undefined) {
      this.flushTimer = this.clock.setTimeout(() => this.flushUnread(), 0);
    }
  }

  get open(): boolean {
    return !this.closed;
  }

  /** Bytes given to `send` and not yet on the wire: ours plus the channel's `bufferedAmount`. */
  get bufferedBytes(): number {
    return this.queue.bytes + (this.closed ? 0 : this.channel.bufferedAmount);
  }

  /** True while the caller may write: open and below the high-water mark. */
  get writable(): boolean {
    return !this.closed && this.below(this.highWaterBytes);
  }

  /** Bytes handed to the data channel. */
  get bytesSent(): number {
    return this.sent;
  }

  /** Bytes received (held ones included). */
  get bytesReceived(): number {
    return this.received;
  }

  /**
   * Sends `bytes` (any length; cut into messages). Returns `writable`: false means stop
   * until `ondrain`. After the transport closed, bytes are dropped and it returns false.
   */
  send(bytes: Uint8Array): boolean {
    if (this.closed) return false;
    this.queue.push(bytes);
    // Full messages go now; the partial one once this task's writes are done.
    if (this.queue.fullCount > 0) this.pump(true);
    if (!this.queue.empty && !this.flushQueued && !this.closed) {
      this.flushQueued = true;
      queueMicrotask(() => {
        this.flushQueued = false;
        this.pump();
      });
    }
    if (this.closed) return false;
    const ok = this.below(this.highWaterBytes);
    if (!ok) this.needDrain = true;
    this.watch();
    return ok;
  }

  /** Whether our bytes plus the channel's are below `mark` (reads bufferedAmount only if near). */
  private below(mark: number): boolean {
    if (this.queue.bytes + this.channelBytes < mark) return true;
    this.channelBytes = this.channel.bufferedAmount;
    return this.queue.bytes + this.channelBytes < mark;
  }

  /** Closes the channel and its connection; unsent bytes are dropped. */
  close(): void {
    this.finish(null);
  }

  /**
   * Moves queued messages to the channel while it is below the high-water mark (with
   * `fullOnly`, only full ones: more writes may follow in this task).
   */
  private pump(fullOnly = false): void {
    if (this.closed) return;
    try {
      // What we sent since the channel was last asked, as if none of it had gone out: the
      // channel is asked again only when that nears the mark (a read of bufferedAmount
      // crosses to the WebRTC thread; @roamhq/wrtc: 0.6 of 5.8 s of CPU, read per send).
      let buffered = this.channelBytes;
      let fresh = false;
      for (;;) {
        if (buffered >= this.highWaterBytes) {
          if (fresh) break;
          buffered = this.channel.bufferedAmount;
          fresh = true;
          continue;
        }
        const msg = this.queue.shift(fullOnly);
        if (!msg) break;
        this.channel.send(msg as Uint8Array<ArrayBuffer>);
        this.sent += msg.length;
        buffered += msg.length;
      }
      this.channelBytes = buffered;
    } catch (err) {
      this.finish(new RtcError('failed', `send: ${errorMessage(err)}`));
      return;
    }
    if (this.needDrain) {
      if (this.queue.bytes + this.channelBytes > this.lowWaterBytes) {
        this.channelBytes = this.channel.bufferedAmount;
      }
      if (this.queue.bytes + this.channelBytes <= this.lowWaterBytes) {
        this.needDrain = false;
        this.ondrain?.();
      }
    }
    this.watch();
  }

  /** Without `bufferedamountlow`, polls while bytes wait or a drain is owed. */
  private watch(): void {
    if (this.hasLowEvent || this.closed || this.pollTimer !== undefined) return;
    if (this.queue.empty && !this.needDrain) return;
    this.pollTimer = this.clock.setTimeout(() => {
      this.pollTimer = undefined;
      this.pump();
    }, LIMITS.rtcDrainPollMs);
  }

  private receive(data: unknown): void {
    if (this.closed) return;
    let bytes: Uint8Array;
    if (data instanceof ArrayBuffer) bytes = new Uint8Array(data);
    else if (ArrayBuffer.isView(data))
      bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    else if (typeof data === 'string') bytes = textEncoder.encode(data);
    else {
      this.finish(new RtcError('failed', 'data channel message of an unexpected type'));
      return;
    }
    this.received += bytes.length;
    if (this.dataHandler && this.unread.length === 0) {
      this.dataHandler(bytes);
      return;
    }
    this.unread.push(bytes);
    this.unreadBytes += bytes.length;
    if (this.unreadBytes > LIMITS.rtcMaxUnreadBytes) {
      this.finish(new RtcError('overflow', `over ${LIMITS.rtcMaxUnreadBytes} bytes unread`));
    }
  }

  private flushUnread(): void {
    this.flushTimer = undefined;
    while (!this.closed && this.dataHandler && this.unread.length > 0) {
      const bytes = this.unread.shift()!;
      this.unreadBytes -= bytes.length;
      this.dataHandler(bytes);
    }
  }

  private finish(error: RtcError | null): void {
    if (this.closed) return;
    this.closed = true;
    if (this.pollTimer !== undefined) this.clock.clearTimeout(this.pollTimer);
    if (this.flushTimer !== undefined) this.clock.clearTimeout(this.flushTimer);
    this.pollTimer = this.flushTimer = undefined;
    this.queue.clear();
    this.unread = [];
    this.unreadBytes = 0;
    closeQuietly(this.channel, this.pc);
    const onclose = this.onclose;
    this.ondrain = this.onclose = null;
    onclose?.(error);
  }
}

/**
 * Closes a data channel, then its connection, detaching their handlers first (a late event
 * must not reach a dead transport). Channel before connection: @roamhq/wrtc is happiest so.
 */
export function closeQuietly(channel: RTCDataChannel | undefined, pc?: RTCPeerConnection): void {
  if (channel) {
    channel.onmessage = channel.onopen = channel.onclose = channel.onerror = null;
    channel.onbufferedamountlow = null;
    try {
      channel.close();
    } catch {
      // already closed
    }
  }
  if (pc) {
    pc.onconnectionstatechange = pc.oniceconnectionstatechange = null;
    pc.onicecandidate = pc.onicegatheringstatechange = pc.ondatachannel = null;
    try {
      pc.close();
    } catch {
      // already closed
    }
  }
}

function describe(ev: Event): string {
  const err = (ev as Event & { error?: unknown }).error;
  return err === undefined ? 'error' : errorMessage(err);
}

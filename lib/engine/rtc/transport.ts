/**
 * A byte transport over one open RTCDataChannel: what the wire peer reads and writes.
 *
 * Plain callbacks (`ondata`, `ondrain`, `onclose`), DOM style: a transport has exactly one
 * reader, the wire peer, so an Emitter's listener sets would buy nothing.
 *
 * - `send(bytes)` cuts writes into messages of at most `messageBytes` (our
 *   `LIMITS.rtcMaxMessageBytes`, never above what the peer's SDP allows) and returns
 *   `writable`. Bytes the channel cannot take yet (its `bufferedAmount` is at the high-water
 *   mark) wait here, copied (the caller may reuse its buffer once `send` returns) and packed
 *   into full-size messages (send-queue.ts); the channel itself never holds more than the
 *   high-water mark plus one message.
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
    return !this.closed && this.bufferedBytes < this.highWaterBytes;
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
    const step = this.messageBytes;
    let off = 0;
    try {
      // Straight to the channel while it has room and nothing waits; the rest is queued.
      while (off < bytes.length && this.queue.empty) {
        if (this.channel.bufferedAmount >= this.highWaterBytes) break;
        const part = bytes.subarray(off, Math.min(off + step, bytes.length));
        this.channel.send(part as Uint8Array<ArrayBuffer>);
        this.sent += part.length;
        off += part.length;
      }
    } catch (err) {
      this.finish(new RtcError('failed', `send: ${errorMessage(err)}`));
      return false;
    }
    if (off < bytes.length) this.queue.push(bytes.subarray(off));
    const ok = this.bufferedBytes < this.highWaterBytes;
    if (!ok) this.needDrain = true;
    this.watch();
    return ok;
  }

  /** Closes the channel and its connection; unsent bytes are dropped. */
  close(): void {
    this.finish(null);
  }

  /** Moves queued messages to the channel while it is below the high-water mark. */
  private pump(): void {
    if (this.closed) return;
    try {
      while (!this.queue.empty && this.channel.bufferedAmount < this.highWaterBytes) {
        const msg = this.queue.shift()!;
        this.channel.send(msg as Uint8Array<ArrayBuffer>);
        this.sent += msg.length;
      }
    } catch (err) {
      this.finish(new RtcError('failed', `send: ${errorMessage(err)}`));
      return;
    }
    if (this.needDrain && this.bufferedBytes <= this.lowWaterBytes) {
      this.needDrain = false;
      this.ondrain?.();
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

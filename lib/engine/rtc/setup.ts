/**
 * The state of one RTCPeerConnection being set up (connect.ts): its timers, its one failure,
 * the hand-over of connection and channel to a ChannelTransport, and the clean-up.
 */
import type { Clock, PeerConnectionFactory } from '../deps.ts';
import { errorMessage, RtcError } from '../errors.ts';
import { LIMITS } from '../limits.ts';
import { ChannelTransport, closeQuietly, type TransportOptions } from './transport.ts';

export interface RtcOptions {
  clock: Clock;
  /** ICE servers etc. Tests and peers on one machine: `{ iceServers: [] }`. */
  rtcConfig?: RTCConfiguration;
  /** Aborts the setup (not a connection already handed over). */
  signal?: AbortSignal;
  iceGatherTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Message size and backpressure thresholds of the transport. */
  transport?: Pick<TransportOptions, 'maxMessageBytes' | 'highWaterBytes' | 'lowWaterBytes'>;
}

/** One connection being set up: its timers, failure and clean-up. */
export class Setup {
  readonly pc: RTCPeerConnection;
  channel: RTCDataChannel | undefined;
  failure: RtcError | undefined;
  /** An answer's: the offerer's channel is still to come through `ondatachannel`. */
  awaitsRemoteChannel = false;
  private handedOver = false;
  private readonly timers = new Set<unknown>();
  private readonly waiters = new Set<(err: RtcError) => void>();
  private readonly onAbort = () => this.fail(new RtcError('aborted', 'aborted'));

  constructor(
    factory: PeerConnectionFactory,
    private readonly opts: RtcOptions,
  ) {
    if (opts.signal?.aborted) throw new RtcError('aborted', 'aborted');
    try {
      this.pc = factory({ ...opts.rtcConfig });
    } catch (err) {
      throw new RtcError('create', `RTCPeerConnection: ${errorMessage(err)}`);
    }
    opts.signal?.addEventListener('abort', this.onAbort);
    this.pc.onconnectionstatechange = () => {
      if (this.pc.connectionState === 'failed')
        this.fail(new RtcError('failed', 'connection failed'));
    };
    this.pc.oniceconnectionstatechange = () => {
      if (this.pc.iceConnectionState === 'failed') this.fail(new RtcError('failed', 'ICE failed'));
    };
  }

  /** `p`, or the setup's failure if that comes first. */
  guard<T>(p: Promise<T>): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      this.waiters.add(reject);
      p.then(resolve, reject).finally(() => this.waiters.delete(reject));
    });
  }

  timer(ms: number, fn: () => void): unknown {
    const handle = this.opts.clock.setTimeout(() => {
      this.timers.delete(handle);
      fn();
    }, ms);
    this.timers.add(handle);
    return handle;
  }

  clear(handle: unknown): void {
    if (this.timers.delete(handle)) this.opts.clock.clearTimeout(handle);
  }

  startConnectTimer(): void {
    const ms = this.opts.connectTimeoutMs ?? LIMITS.rtcConnectTimeoutMs;
    this.timer(ms, () => this.fail(new RtcError('timeout', `no data channel within ${ms} ms`)));
  }

  /** Resolves when ICE gathering is complete, or at the gathering timeout. */
  gathered(): Promise<void> {
    const pc = this.pc;
    return new Promise<void>((resolve) => {
      if (pc.iceGatheringState === 'complete') return resolve();
      const done = () => {
        pc.onicegatheringstatechange = pc.onicecandidate = null;
        this.clear(timeout);
        resolve();
      };
      const timeout = this.timer(
        this.opts.iceGatherTimeoutMs ?? LIMITS.rtcIceGatherTimeoutMs,
        done,
      );
      pc.onicegatheringstatechange = () => {
        if (pc.iceGatheringState === 'complete') done();
      };
      pc.onicecandidate = (ev) => {
        if (!ev.candidate) done();
      };
    });
  }

  /** Waits for `channel` to open, then hands channel and connection to a transport. */
  openChannel(channel: RTCDataChannel): Promise<ChannelTransport> {
    return new Promise<ChannelTransport>((resolve) => {
      const open = () => {
        if (this.failure) return;
        this.handedOver = true;
        this.release();
        const { clock, transport } = this.opts;
        const pc = this.pc;
        resolve(
          new ChannelTransport(channel, {
            ...transport,
            clock,
            pc,
            peerMaxMessageBytes: peerMaxMessageBytes(pc),
          }),
        );
      };
      channel.onclose = () => this.fail(new RtcError('closed', 'data channel closed before open'));
      channel.onerror = () => this.fail(new RtcError('failed', 'data channel error before open'));
      if (channel.readyState === 'open') open();
      else channel.onopen = open;
    });
  }

  /** Fails the setup (once): rejects what waits and closes the connection. Returns the error. */
  fail(err: RtcError): RtcError {
    if (this.handedOver || this.failure) return this.failure ?? err;
    this.failure = err;
    for (const reject of this.waiters) reject(err);
    this.waiters.clear();
    this.release();
    this.closeSoon();
    return err;
  }

  /**
   * @roamhq/wrtc crashes at process exit when a connection is closed while the peer's data
   * channel is on its way to `ondatachannel`: so an answer whose connection is already up
   * waits (up to `LIMITS.rtcCloseGraceMs`) for that channel before closing. Harmless elsewhere.
   */
  private closeSoon(): void {
    const up = this.pc.connectionState === 'connected' || this.pc.sctp?.state === 'connected';
    if (this.channel || !up || !this.awaitsRemoteChannel) return this.closeNow();
    this.timer(LIMITS.rtcCloseGraceMs, () => this.closeNow());
  }

  closeNow(): void {
    for (const t of this.timers) this.opts.clock.clearTimeout(t);
    this.timers.clear();
    closeQuietly(this.channel, this.pc);
  }

  /** Stops the setup's own timers and abort listener (not a pending close). */
  private release(): void {
    for (const t of this.timers) this.opts.clock.clearTimeout(t);
    this.timers.clear();
    this.opts.signal?.removeEventListener('abort', this.onAbort);
  }
}

/**
 * The largest message the peer accepts: the SCTP transport's `maxMessageSize`, else the
 * remote SDP's `a=max-message-size` (0: no limit; absent: 64 KiB, RFC 8841).
 */
export function peerMaxMessageBytes(pc: RTCPeerConnection): number {
  const size = pc.sctp?.maxMessageSize;
  if (typeof size === 'number' && size > 0) return size;
  const m = /^a=max-message-size:(\d+)/m.exec(pc.remoteDescription?.sdp ?? '');
  if (!m) return 64 * 1024;
  const n = Number(m[1]);
  return n === 0 ? Infinity : n;
}

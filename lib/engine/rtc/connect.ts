/**
 * Offers and answers for WebTorrent's peers, over the injected RTCPeerConnection.
 *
 * Matches simple-peer as WebTorrent runs it: non-trickle (each description goes out once
 * ICE gathering completes, or after `LIMITS.rtcIceGatherTimeoutMs` with the candidates found
 * so far, as simple-peer's iceCompleteTimeout), one data channel with `{}` (ordered,
 * reliable) and a random 40-hex-digit label made by the offerer (the answerer takes it from
 * `ondatachannel`), and `a=ice-options:trickle` removed from the SDP we hand out.
 *
 * Every path that does not end in a ChannelTransport closes the connection: a refused or
 * malformed description, no open channel within `LIMITS.rtcConnectTimeoutMs`, an offer left
 * unanswered for `LIMITS.rtcOfferTimeoutMs`, ICE/DTLS failure, `close()`, or the caller's
 * AbortSignal. The signal governs setup only; once the transport is handed over it owns the
 * connection, and `close()` on the offer or answer does nothing more.
 */
import type { PeerConnectionFactory } from '../deps.ts';
import { errorMessage, RtcError } from '../errors.ts';
import { LIMITS } from '../limits.ts';
import { Setup, type RtcOptions } from './setup.ts';
import type { ChannelTransport } from './transport.ts';

export type { RtcOptions } from './setup.ts';
export { peerMaxMessageBytes } from './setup.ts';

export interface RtcOfferDescription {
  type: 'offer';
  sdp: string;
}

export interface RtcAnswerDescription {
  type: 'answer';
  sdp: string;
}

export interface OfferOptions extends RtcOptions {
  /** Uniform in [0, 1): makes the channel's label. */
  random: () => number;
  /** The data channel's label (default: 40 random hex digits, as simple-peer). */
  label?: string;
  offerTimeoutMs?: number;
}

export interface RtcOffer {
  readonly offer: RtcOfferDescription;
  /** Sets the peer's answer; resolves when the data channel is open. Once only. */
  accept(answer: unknown): Promise<ChannelTransport>;
  /** Gives up (closes the connection) unless `accept` already resolved. */
  close(): void;
}

export interface RtcAnswer {
  readonly answer: RtcAnswerDescription;
  /** Resolves when the offerer's data channel is open here. */
  readonly channel: Promise<ChannelTransport>;
  /** Gives up (closes the connection) unless `channel` already resolved. */
  close(): void;
}

/** Makes a non-trickle offer with one data channel. */
export async function createOffer(
  factory: PeerConnectionFactory,
  opts: OfferOptions,
): Promise<RtcOffer> {
  const label = opts.label ?? randomLabel(opts.random);
  const s = new Setup(factory, opts);
  let accepting = false;
  try {
    s.channel = s.pc.createDataChannel(label, {});
    const desc = await s.guard(s.pc.createOffer());
    await s.guard(s.pc.setLocalDescription(desc));
    await s.guard(s.gathered());
    const sdp = stripTrickle(s.pc.localDescription?.sdp ?? desc.sdp ?? '');
    const expiry = s.timer(opts.offerTimeoutMs ?? LIMITS.rtcOfferTimeoutMs, () =>
      s.fail(new RtcError('expired', 'offer not answered in time')),
    );
    return {
      offer: { type: 'offer', sdp },
      close: () => s.fail(new RtcError('closed', 'offer closed')),
      accept: async (answer) => {
        if (s.failure) throw s.failure;
        if (accepting) throw new RtcError('description', 'offer already answered');
        accepting = true;
        s.clear(expiry);
        s.startConnectTimer();
        let sdp: string;
        try {
          sdp = checkDescription(answer, 'answer');
        } catch (err) {
          throw s.fail(asRtcError(err, 'description'));
        }
        try {
          await s.guard(s.pc.setRemoteDescription({ type: 'answer', sdp }));
        } catch (err) {
          throw s.fail(asRtcError(err, 'description'));
        }
        return s.guard(s.openChannel(s.channel!));
      },
    };
  } catch (err) {
    throw s.fail(asRtcError(err, 'create'));
  }
}

/** Answers a peer's non-trickle offer; `channel` resolves once its data channel is open. */
export async function answerOffer(
  factory: PeerConnectionFactory,
  offer: unknown,
  opts: RtcOptions,
): Promise<RtcAnswer> {
  const sdp = checkDescription(offer, 'offer'); // before any connection exists
  const s = new Setup(factory, opts);
  try {
    s.awaitsRemoteChannel = true;
    const remote = new Promise<RTCDataChannel>((resolve) => {
      s.pc.ondatachannel = (ev) => {
        if (s.channel) return; // WebTorrent opens one; ignore any other
        s.channel = ev.channel;
        if (s.failure) s.closeNow();
        else resolve(ev.channel);
      };
    });
    try {
      await s.guard(s.pc.setRemoteDescription({ type: 'offer', sdp }));
    } catch (err) {
      throw asRtcError(err, 'description');
    }
    const desc = await s.guard(s.pc.createAnswer());
    await s.guard(s.pc.setLocalDescription(desc));
    await s.guard(s.gathered());
    s.startConnectTimer();
    const channel = s.guard(remote).then((ch) => s.guard(s.openChannel(ch)));
    channel.catch(() => {}); // the caller may never look: not an unhandled rejection
    return {
      answer: { type: 'answer', sdp: stripTrickle(s.pc.localDescription?.sdp ?? desc.sdp ?? '') },
      channel,
      close: () => s.fail(new RtcError('closed', 'answer closed')),
    };
  } catch (err) {
    throw s.fail(asRtcError(err, 'create'));
  }
}

/** simple-peer's filterTrickle: non-trickle descriptions do not announce trickle ICE. */
export function stripTrickle(sdp: string): string {
  return sdp.replace(/a=ice-options:trickle\s\n/g, '');
}

function randomLabel(random: () => number): string {
  const byte = () => Math.floor(random() * 256);
  return Array.from({ length: 20 }, () => byte().toString(16).padStart(2, '0')).join('');
}

/** The SDP of an untrusted `{ type, sdp }`, or an RtcError. */
function checkDescription(desc: unknown, type: 'offer' | 'answer'): string {
  const d = (desc ?? {}) as { type?: unknown; sdp?: unknown };
  if (d.type !== type || typeof d.sdp !== 'string' || d.sdp.length === 0)
    throw new RtcError('description', `not an ${type}`);
  if (d.sdp.length > LIMITS.maxTrackerSdpLength)
    throw new RtcError('description', `${type} SDP over ${LIMITS.maxTrackerSdpLength} characters`);
  return d.sdp;
}

function asRtcError(err: unknown, kind: RtcError['kind']): RtcError {
  return err instanceof RtcError ? err : new RtcError(kind, errorMessage(err));
}

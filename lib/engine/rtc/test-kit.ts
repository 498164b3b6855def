/**
 * Test-only helpers for the rtc tests (imported by `*.test.ts`, never by engine code):
 * @roamhq/wrtc as the PeerConnectionFactory, and pairs of our own ends on loopback.
 * Run these tests in a loopback-only network namespace (see shared/e2e-recipe.md).
 */
import wrtc from '@roamhq/wrtc';
import { realClock, type PeerConnectionFactory } from '../deps.ts';
import { mulberry32 } from '../random.ts';
import { answerOffer, createOffer, type RtcOptions } from './connect.ts';
import type { ChannelTransport } from './transport.ts';

/** No STUN: peers on one machine reach each other by host candidates. */
export const rtcConfig: RTCConfiguration = { iceServers: [] };

/** Every connection a test made, so `closeAll` can close what a failing test left open. */
const made = new Set<RTCPeerConnection>();

export const wrtcFactory: PeerConnectionFactory = (config) => {
  const pc = new wrtc.RTCPeerConnection(config) as unknown as RTCPeerConnection;
  made.add(pc);
  return pc;
};

export function closeAll(): void {
  for (const pc of made) pc.close();
  made.clear();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => realClock.setTimeout(resolve, ms));
}

/** Polls `cond` every 5 ms; rejects after `ms`. */
export async function waitFor(cond: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const end = realClock.now() + ms;
  while (!cond()) {
    if (realClock.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

export function baseOptions(extra: Partial<RtcOptions> = {}): RtcOptions {
  return { clock: realClock, rtcConfig, ...extra };
}

/** Our offerer and our answerer, connected in-process. */
export async function connectPair(
  extra: Partial<RtcOptions> = {},
): Promise<{ offerer: ChannelTransport; answerer: ChannelTransport }> {
  const offer = await createOffer(wrtcFactory, { ...baseOptions(extra), random: mulberry32(1) });
  const answer = await answerOffer(wrtcFactory, offer.offer, baseOptions(extra));
  const [offerer, answerer] = await Promise.all([offer.accept(answer.answer), answer.channel]);
  return { offerer, answerer };
}

/** Deterministic bytes. */
export function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  const random = mulberry32(seed);
  for (let i = 0; i < length; i += 4) {
    const v = (random() * 2 ** 32) >>> 0;
    out[i] = v & 0xff;
    out[i + 1] = (v >>> 8) & 0xff;
    out[i + 2] = (v >>> 16) & 0xff;
    out[i + 3] = v >>> 24;
  }
  return out;
}

/** Collects what a transport receives into one growing buffer. */
export class Sink {
  private buf: Uint8Array;
  length = 0;
  messages = 0;
  maxMessage = 0;

  constructor(capacity: number) {
    this.buf = new Uint8Array(capacity);
  }

  readonly push = (bytes: Uint8Array): void => {
    if (this.length + bytes.length > this.buf.length) {
      const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.length + bytes.length));
      bigger.set(this.buf.subarray(0, this.length));
      this.buf = bigger;
    }
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
    this.messages++;
    this.maxMessage = Math.max(this.maxMessage, bytes.length);
  };

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

/** Records, after each message the transport sends, the channel's bufferedAmount and size. */
export function watchChannel(t: ChannelTransport): { maxBuffered: number; maxMessage: number } {
  const channel = (t as unknown as { channel: RTCDataChannel }).channel;
  const stats = { maxBuffered: 0, maxMessage: 0 };
  const send = channel.send.bind(channel) as (data: Uint8Array<ArrayBuffer>) => void;
  channel.send = ((data: Uint8Array<ArrayBuffer>) => {
    send(data);
    stats.maxBuffered = Math.max(stats.maxBuffered, channel.bufferedAmount);
    stats.maxMessage = Math.max(stats.maxMessage, data.byteLength);
  }) as RTCDataChannel['send'];
  return stats;
}

/**
 * Writes `data` in `writeBytes` pieces, respecting backpressure (stops when `send` returns
 * false, goes on at `ondrain`); resolves when all of it is handed to the transport.
 */
export function pump(
  t: ChannelTransport,
  data: Uint8Array,
  writeBytes: number,
): Promise<{ drains: number }> {
  let off = 0;
  let drains = 0;
  return new Promise((resolve, reject) => {
    const write = () => {
      while (off < data.length) {
        if (!t.open) return reject(new Error('transport closed while writing'));
        const ok = t.send(data.subarray(off, Math.min(off + writeBytes, data.length)));
        off += writeBytes;
        if (!ok) return;
      }
      t.ondrain = null;
      resolve({ drains });
    };
    t.ondrain = () => {
      drains++;
      write();
    };
    write();
  });
}

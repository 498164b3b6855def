// ChannelTransport against a scripted data channel: splitting, backpressure, drain, hold.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../tests/fixtures/fake-clock.ts';
import { RtcError } from '../errors.ts';
import { LIMITS } from '../limits.ts';
import { peerMaxMessageBytes, stripTrickle } from './connect.ts';
import { ChannelTransport } from './transport.ts';

/** A data channel whose bufferedAmount the test drains by hand. */
class FakeChannel {
  label = 'abc';
  binaryType = 'blob';
  readyState: RTCDataChannelState = 'open';
  bufferedAmount = 0;
  bufferedAmountLowThreshold: number | undefined;
  sent: Uint8Array[] = [];
  closed = 0;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onopen: (() => void) | null = null;
  onbufferedamountlow: (() => void) | null = null;

  constructor(withLowEvent: boolean) {
    if (withLowEvent) this.bufferedAmountLowThreshold = 0;
  }

  send(data: Uint8Array): void {
    if (this.readyState !== 'open') throw new Error('InvalidStateError');
    this.sent.push(data.slice());
    this.bufferedAmount += data.length;
  }

  close(): void {
    this.closed++;
    this.readyState = 'closed';
  }

  /** The network took `n` bytes; fires bufferedamountlow as a browser does. */
  drain(n: number): void {
    const before = this.bufferedAmount;
    this.bufferedAmount = Math.max(0, before - n);
    const low = this.bufferedAmountLowThreshold;
    if (low !== undefined && before > low && this.bufferedAmount <= low)
      this.onbufferedamountlow?.();
  }
}

function make(withLowEvent: boolean, opts: { peerMax?: number } = {}) {
  const channel = new FakeChannel(withLowEvent);
  const clock = new FakeClock(false);
  const t = new ChannelTransport(channel as unknown as RTCDataChannel, {
    clock,
    maxMessageBytes: 1000,
    peerMaxMessageBytes: opts.peerMax,
    highWaterBytes: 4000,
    lowWaterBytes: 1000,
  });
  return { channel, clock, t };
}

const sentBytes = (c: FakeChannel) => c.sent.reduce((n, m) => n + m.length, 0);
/** Lets the writes of this task go out (the transport sends a partial message in a microtask). */
const endOfTask = () => Promise.resolve();

describe('ChannelTransport', () => {
  it('cuts writes into messages of at most messageBytes, and sets binaryType', async () => {
    const { channel, t } = make(true);
    expect(channel.binaryType).toBe('arraybuffer');
    expect(t.send(new Uint8Array(2500).fill(7))).toBe(true);
    // Full messages at once; the rest once this task's writes are done.
    expect(channel.sent.map((m) => m.length)).toEqual([1000, 1000]);
    await endOfTask();
    expect(channel.sent.map((m) => m.length)).toEqual([1000, 1000, 500]);
    expect(t.bytesSent).toBe(2500);
  });

  it('never cuts above the peer’s max-message-size', async () => {
    const { channel, t } = make(true, { peerMax: 300 });
    expect(t.messageBytes).toBe(300);
    t.send(new Uint8Array(700));
    await endOfTask();
    expect(channel.sent.map((m) => m.length)).toEqual([300, 300, 100]);
  });

  it('coalesces the small writes of one task (piece headers and blocks) into full messages', async () => {
    const { channel, t } = make(true);
    for (let i = 0; i < 6; i++) {
      t.send(Uint8Array.of(0xf0 + i)); // a header
      t.send(new Uint8Array(299).fill(i)); // its block
    }
    expect(channel.sent.map((m) => m.length)).toEqual([1000]);
    await endOfTask();
    expect(channel.sent.map((m) => m.length)).toEqual([1000, 800]);
    const bytes = channel.sent.flatMap((m) => [...m]);
    expect(bytes).toEqual(
      [...Array(6).keys()].flatMap((i) => [0xf0 + i, ...Array<number>(299).fill(i)]),
    );
  });

  for (const withLowEvent of [true, false]) {
    it(`holds back past the high-water mark and drains (${withLowEvent ? 'bufferedamountlow' : 'polling'})`, () => {
      const { channel, clock, t } = make(withLowEvent);
      const data = new Uint8Array(10_000).map((_, i) => i & 0xff);
      let drains = 0;
      t.ondrain = () => drains++;
      expect(t.send(data)).toBe(false);
      // The channel holds the high-water mark (4 messages), the rest waits here, copied.
      expect(channel.bufferedAmount).toBe(4000);
      expect(t.bufferedBytes).toBe(10_000);
      expect(t.writable).toBe(false);
      data.fill(0); // the caller reuses its buffer
      channel.drain(2000); // above low: no drain yet
      clock.fireAll();
      expect(drains).toBe(0);
      while (sentBytes(channel) < 10_000) {
        channel.drain(4000);
        clock.fireAll();
        expect(channel.bufferedAmount).toBeLessThanOrEqual(4000 + 1000);
      }
      expect(drains).toBe(0); // 4000 still buffered in the channel
      channel.drain(3000);
      clock.fireAll();
      expect(drains).toBe(1);
      expect(t.writable).toBe(true);
      const got = new Uint8Array(10_000);
      let off = 0;
      for (const m of channel.sent) got.set(m, (off += m.length) - m.length);
      expect(got).toEqual(new Uint8Array(10_000).map((_, i) => i & 0xff));
      expect(clock.pending).toBe(0); // no poll left running
    });
  }

  it('reads bufferedAmount only near the high-water mark (each read crosses to the WebRTC thread)', async () => {
    const { channel, t } = make(true);
    // The transport's reads only: the fake's own send and drain use `held`.
    let reads = 0;
    let held = 0;
    Object.defineProperty(channel, 'bufferedAmount', { get: () => (reads++, held) });
    channel.send = (data: Uint8Array) =>
      void (channel.sent.push(data.slice()), (held += data.length));
    // 100 small writes in 100 tasks (requests, say), the network taking each at once: our
    // count of what was sent passes the mark (4000) twice, and only then is the channel asked.
    for (let i = 0; i < 100; i++) {
      t.send(new Uint8Array(100));
      await Promise.resolve();
      held = 0;
    }
    expect(sentBytes(channel)).toBe(10_000);
    expect(reads).toBeGreaterThanOrEqual(1);
    expect(reads).toBeLessThanOrEqual(6);
  });

  it('coalesces small writes made while the channel is full into full messages', () => {
    const { channel, t } = make(true);
    t.send(new Uint8Array(4000)); // the channel is at the high-water mark
    for (let i = 0; i < 10; i++) t.send(new Uint8Array(350).fill(i));
    expect(channel.sent).toHaveLength(4);
    expect(t.bufferedBytes).toBe(7500);
    channel.drain(4000);
    channel.drain(4000);
    expect(channel.sent.slice(4).map((m) => m.length)).toEqual([1000, 1000, 1000, 500]);
    const queued = channel.sent.slice(4).flatMap((m) => [...m]);
    expect(queued).toEqual([...Array(10).keys()].flatMap((i) => Array<number>(350).fill(i)));
  });

  it('hands received messages to ondata as Uint8Array, strings as UTF-8', () => {
    const { channel, t } = make(true);
    const got: Uint8Array[] = [];
    t.ondata = (b) => got.push(b);
    channel.onmessage?.({ data: new Uint8Array([1, 2, 3]).buffer });
    channel.onmessage?.({ data: 'hé' });
    expect(got).toEqual([new Uint8Array([1, 2, 3]), new Uint8Array([0x68, 0xc3, 0xa9])]);
    expect(t.bytesReceived).toBe(6);
  });

  it('holds messages that arrive before ondata, then delivers them in order', () => {
    const { channel, clock, t } = make(true);
    channel.onmessage?.({ data: new Uint8Array([1]).buffer });
    channel.onmessage?.({ data: new Uint8Array([2]).buffer });
    const got: number[] = [];
    t.ondata = (b) => got.push(b[0]!);
    channel.onmessage?.({ data: new Uint8Array([3]).buffer }); // still behind the held ones
    expect(got).toEqual([]);
    clock.fireAll();
    channel.onmessage?.({ data: new Uint8Array([4]).buffer });
    expect(got).toEqual([1, 2, 3, 4]);
  });

  it('closes with an overflow error when unread data piles up', () => {
    const { channel, t } = make(true);
    let error: RtcError | null = null;
    t.onclose = (e) => (error = e);
    const big = new Uint8Array(LIMITS.rtcMaxUnreadBytes / 4).buffer;
    for (let i = 0; i < 5; i++) channel.onmessage?.({ data: big });
    expect(error).toBeInstanceOf(RtcError);
    expect(error!.kind).toBe('overflow');
    expect(channel.closed).toBe(1);
  });

  it('fires onclose once, on close() or the peer closing, and then drops writes', () => {
    const { channel, t } = make(false);
    const closes: (RtcError | null)[] = [];
    t.onclose = (e) => closes.push(e);
    channel.onclose?.();
    t.close();
    expect(closes).toEqual([null]);
    expect(t.open).toBe(false);
    expect(t.send(new Uint8Array(10))).toBe(false);
    expect(channel.sent).toHaveLength(0);
  });

  it('turns a send that throws into a closed transport with an RtcError', async () => {
    const { channel, t } = make(true);
    let error: RtcError | null = null;
    t.onclose = (e) => (error = e);
    channel.readyState = 'closing';
    t.send(new Uint8Array(5));
    await endOfTask();
    expect(error!.kind).toBe('failed');
    expect(t.send(new Uint8Array(5))).toBe(false);
  });
});

describe('SDP helpers', () => {
  it('strips a=ice-options:trickle as simple-peer does', () => {
    const sdp = 'v=0\r\na=ice-options:trickle\r\na=mid:0\r\na=ice-options:trickle renomination\r\n';
    expect(stripTrickle(sdp)).toBe('v=0\r\na=mid:0\r\na=ice-options:trickle renomination\r\n');
  });

  it('reads the peer’s max message size', () => {
    const pc = (sctp: unknown, sdp?: string) =>
      ({ sctp, remoteDescription: sdp === undefined ? null : { sdp } }) as RTCPeerConnection;
    expect(peerMaxMessageBytes(pc({ maxMessageSize: 262144 }))).toBe(262144);
    expect(peerMaxMessageBytes(pc(null, 'a=mid:0\r\na=max-message-size:1073741823\r\n'))).toBe(
      1073741823,
    );
    expect(peerMaxMessageBytes(pc(null, 'a=max-message-size:0\r\n'))).toBe(Infinity);
    expect(peerMaxMessageBytes(pc(null, 'a=mid:0\r\n'))).toBe(65536); // RFC 8841 default
  });
});

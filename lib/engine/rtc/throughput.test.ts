// Throughput of ChannelTransport between two @roamhq/wrtc ends in one process, by message
// size: a measurement that prints its table, not a timed assertion. 8 MiB per run by default;
// for the numbers in the report (loopback-only namespace, see connect.test.ts):
//   SWARMLINK_RTC_BENCH_MIB=64 npx vitest run --project unit lib/engine/rtc/throughput.test.ts
// Optional: SWARMLINK_RTC_BENCH_WRITE (bytes per send, default 1 MiB; 16397 = one piece
// message of a 16 KiB block), SWARMLINK_RTC_BENCH_HWM / _LWM (backpressure thresholds).
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { realClock } from '../deps.ts';
import { LIMITS } from '../limits.ts';
import { closeAll, connectPair, pattern, pump, Sink, sleep, waitFor } from './test-kit.ts';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const MIB = env('SWARMLINK_RTC_BENCH_MIB', 8);
const WRITE = env('SWARMLINK_RTC_BENCH_WRITE', 1024 * 1024);
const HWM = env('SWARMLINK_RTC_BENCH_HWM', LIMITS.rtcHighWaterBytes);
const LWM = env('SWARMLINK_RTC_BENCH_LWM', LIMITS.rtcLowWaterBytes);
const rows: string[] = [];

afterEach(async () => {
  closeAll();
  await sleep(20);
});

afterAll(() => {
  console.log(
    `ChannelTransport over @roamhq/wrtc, one process, ${MIB} MiB one way, ` +
      `writes of ${WRITE} B, high/low water ${HWM}/${LWM} B\n${rows.join('\n')}`,
  );
});

describe('throughput by message size', () => {
  for (const kib of [16, 64, 256]) {
    it(`${kib} KiB messages`, { timeout: 120_000 }, async () => {
      const size = MIB * 1024 * 1024;
      const data = pattern(size, kib);
      const transport = { maxMessageBytes: kib * 1024, highWaterBytes: HWM, lowWaterBytes: LWM };
      const { offerer, answerer } = await connectPair({ transport });
      const sink = new Sink(size);
      let last = realClock.now();
      let stall = 0;
      answerer.ondata = (bytes) => {
        const now = realClock.now();
        stall = Math.max(stall, now - last);
        last = now;
        sink.push(bytes);
      };
      const t0 = (last = realClock.now());
      const { drains } = await pump(offerer, data, WRITE);
      await waitFor(() => sink.length >= size, 110_000, 'all bytes');
      const seconds = (realClock.now() - t0) / 1000;
      expect(Buffer.compare(sink.bytes(), data)).toBe(0);
      rows.push(
        `${String(kib).padStart(4)} KiB: ${(MIB / seconds).toFixed(1).padStart(6)} MiB/s ` +
          `(${seconds.toFixed(2)} s, ${sink.messages} messages received, largest ` +
          `${sink.maxMessage} B, ${drains} drains, longest gap ${stall} ms)`,
      );
      offerer.close();
      answerer.close();
    });
  }
});

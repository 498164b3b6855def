import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { params } from '../fixtures/property.ts';
import { LIMITS } from '../limits.ts';
import { bytesToBinary, isBinaryId, parseTrackerMessage } from './messages.ts';

/**
 * Property tests of what a (possibly hostile) WebSocket tracker sends: parseTrackerMessage
 * never throws, and what it accepts is well typed and within the limits.
 */

const binaryId = fc.uint8Array({ minLength: 20, maxLength: 20 }).map(bytesToBinary);
const anyId = fc.oneof(binaryId, fc.string({ maxLength: 24 }), fc.integer(), fc.constant(null));
const jsonish = fc.oneof(fc.jsonValue({ maxDepth: 3 }), anyId);
const description = fc.record(
  { type: fc.constantFrom('offer', 'answer', 'pranswer', 5), sdp: fc.oneof(fc.string(), jsonish) },
  { requiredKeys: [] },
);
const frame = fc.record(
  {
    action: fc.oneof(fc.constantFrom('announce', 'scrape', 'stop'), jsonish),
    info_hash: fc.oneof(anyId, fc.array(anyId, { maxLength: 3 })),
    peer_id: anyId,
    offer_id: anyId,
    to_peer_id: anyId,
    offer: fc.oneof(description, jsonish),
    answer: fc.oneof(description, jsonish),
    interval: fc.oneof(fc.integer(), fc.double(), jsonish),
    complete: fc.oneof(fc.nat(), fc.integer(), jsonish),
    incomplete: fc.oneof(fc.nat(), jsonish),
    'failure reason': fc.oneof(fc.string({ maxLength: 2000 }), jsonish),
    'warning message': fc.oneof(fc.string(), jsonish),
    'tracker id': fc.oneof(fc.string(), jsonish),
    files: fc.oneof(fc.dictionary(fc.oneof(binaryId, fc.string()), jsonish), jsonish),
  },
  { requiredKeys: [] },
);

describe('parseTrackerMessage: properties', () => {
  it('never throws on any frame, JSON or not', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          frame.map((f) => JSON.stringify(f)),
        ),
        (text) => {
          const r = parseTrackerMessage(text);
          if (!r.ok) expect(typeof r.reason).toBe('string');
        },
      ),
      params(2000),
    );
  });

  it('accepts only well-typed messages within the limits', () => {
    fc.assert(
      fc.property(frame, (f) => {
        const r = parseTrackerMessage(JSON.stringify(f));
        if (!r.ok) return;
        const m = r.message;
        for (const text of [m.failure, 'warning' in m ? m.warning : undefined]) {
          if (text !== undefined)
            expect(text.length).toBeLessThanOrEqual(LIMITS.maxTrackerTextLength);
        }
        if (m.action === 'announce') {
          expect(isBinaryId(m.infoHash)).toBe(true);
          if (m.peerId !== undefined) expect(isBinaryId(m.peerId)).toBe(true);
        }
      }),
      params(2000),
    );
  });
});

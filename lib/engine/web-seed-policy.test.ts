import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../tests/fixtures/fake-clock.ts';
import type { Source } from './sources/source.ts';
import { SourceSet } from './sources/source-set.ts';
import {
  MEETING_MS,
  MEETING_REQUEST_BYTES,
  SWARM_REQUEST_SECONDS,
  WebSeedPolicy,
} from './web-seed-policy.ts';

function policy(swarmed: boolean) {
  const clock = new FakeClock(false);
  const sources = new SourceSet({
    changed: () => {},
    bytes: () => {},
    hasUnclaimedWork: () => false,
  });
  const p = new WebSeedPolicy(clock, sources);
  p.swarmed = swarmed;
  /** Connected wire peers, as sources (only their kind and state matter here). */
  const peers = {
    add: (n: number) => {
      for (let i = 0; i < n; i++) sources.add(fakePeer(), false);
    },
  };
  return { clock, p, peers };
}

function fakePeer(): Source {
  return { kind: 'peer', state: 'active', on: () => () => {} } as unknown as Source;
}

describe('WebSeedPolicy: how a web seed takes its runs', () => {
  it('a reader that starts with trackers keeps its first requests small until it has met the others', () => {
    const { clock, p, peers } = policy(true);
    p.watch(true, true);
    expect(p.next()).toMatchObject({
      spread: true,
      requestSeconds: SWARM_REQUEST_SECONDS,
      maxRequestBytes: MEETING_REQUEST_BYTES,
    });
    p.othersKnown(2);
    peers.add(1);
    expect(p.next().maxRequestBytes).toBe(MEETING_REQUEST_BYTES);
    peers.add(1);
    expect(p.next().maxRequestBytes).toBeUndefined(); // met both
    p.watch(true, true); // resumed: meet again
    expect(p.next().maxRequestBytes).toBe(MEETING_REQUEST_BYTES);
    clock.time += MEETING_MS;
    expect(p.next().maxRequestBytes).toBeUndefined(); // not for ever
  });

  it('the trackers say nobody else reads it: no meeting, requests as large as the rate allows', () => {
    const { p } = policy(true);
    p.watch(true, true);
    p.othersKnown(0);
    expect(p.next().maxRequestBytes).toBeUndefined();
  });

  it('without trackers: one request per run, no spread, no meeting', () => {
    const { p } = policy(false);
    p.watch(true, true);
    expect(p.next()).toMatchObject({ spread: false, requestSeconds: 0 });
    expect(p.next().maxRequestBytes).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { MAX_PIPELINE, MAX_TORRENT_REQUESTS, PeerRequests } from './peer-requests.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

describe('PeerRequests: how many requests a peer has out', () => {
  it('keeps 2 s of a peer’s rate in flight, 8 to 128 blocks', () => {
    expect(PeerRequests.pipeline(0)).toBe(8);
    expect(PeerRequests.pipeline(256 * KiB)).toBe(32); // 16 blocks a second
    expect(PeerRequests.pipeline(100 * MiB)).toBe(MAX_PIPELINE);
  });

  it('near the end, only the peer’s share of what is left: its rate × the time left', () => {
    expect(PeerRequests.pipeline(512 * KiB, 10)).toBe(64); // far from the end: 2 s
    expect(PeerRequests.pipeline(512 * KiB, 0.5)).toBe(16);
    expect(PeerRequests.pipeline(8 * MiB, 0.25)).toBe(MAX_PIPELINE);
    expect(PeerRequests.pipeline(4 * MiB, 0.1)).toBe(26);
    expect(PeerRequests.pipeline(512 * KiB, 0)).toBe(8);
  });

  it('tops a line up a batch at a time (1/8 of it), or at once when it is empty', () => {
    expect(PeerRequests.topUp(128, 128)).toBe(0);
    expect(PeerRequests.topUp(128, 127)).toBe(0);
    expect(PeerRequests.topUp(128, 113)).toBe(0);
    expect(PeerRequests.topUp(128, 112)).toBe(16);
    expect(PeerRequests.topUp(8, 7)).toBe(1);
    expect(PeerRequests.topUp(128, 0)).toBe(128);
    expect(PeerRequests.topUp(64, 100)).toBe(0); // the line shrank (the end is near)
    // The torrent's bound leaves room for 4 of a line of 128: not a batch yet; 16 is.
    expect(PeerRequests.topUp(104, 100, 128)).toBe(0);
    expect(PeerRequests.topUp(116, 100, 128)).toBe(16);
  });

  it('shares 256 requests among a torrent’s peers, at least 8 each', () => {
    expect(MAX_TORRENT_REQUESTS).toBe(256);
    expect(PeerRequests.share(0, 0)).toBe(256);
    expect(PeerRequests.share(100, 200)).toBe(156); // its 100 and the 56 left
    expect(PeerRequests.share(100, 300)).toBe(56); // over: it tops up no more for now
    expect(PeerRequests.share(0, 256)).toBe(8); // a new peer still gets its start
  });
});

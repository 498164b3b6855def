/**
 * Peers first, web seed fills the gaps (NOTES.md), as seen from one torrent: how its web
 * seeds take their next run. With trackers, runs start at random places (others may be
 * fetching the same file now); with peers connected, runs are short (peers may supply what
 * follows); when nothing at all arrived for STALL_MS, the web seed takes pieces that peers
 * have or claim too, so a peer that does not deliver never stalls the download. While the
 * torrent downloads with a swarm, idle web seeds look again every 2 s (claims expire,
 * owners change, stalls begin).
 */
import type { Clock } from './deps.ts';
import type { SourceSet } from './sources/source-set.ts';
import { WEBSEED_DEFAULTS, type RunPolicy } from './webseed.ts';

/** Longest web seed run while peers are connected (they may supply the rest). */
export const SWARM_RUN_BYTES = 4 * 1024 * 1024;
/** No bytes from any source for this long while pieces are missing: the download stalls. */
export const STALL_MS = 8_000;
/** With trackers, runs are fetched in HTTP requests of about this long (RunPolicy). */
export const SWARM_REQUEST_SECONDS = 0.5;
/**
 * A reader that starts while others may be downloading too ("meeting"): until it is
 * connected to as many peers as its trackers say there are (at once if they say none), for
 * at most MEETING_MS, its web seed requests are at most MEETING_REQUEST_BYTES. It does not
 * know yet what the others fetch (no peers, no claims), and a request in flight is never
 * cut, so a long one fetched pieces others had already (measured, 8 readers: 34 of 38
 * duplicate pieces were the newcomers' first requests; a fixed 2 s was too short when the
 * machine was busy and connections took longer).
 */
export const MEETING_MS = 5_000;
export const MEETING_REQUEST_BYTES = 256 * 1024;
const WATCH_MS = 2_000;

export class WebSeedPolicy {
  /** It has trackers: other readers may be fetching the same file. */
  swarmed = false;
  private lastBytesAt = 0;
  private meetingUntil = 0;
  /** Other readers the trackers know of (undefined: no tracker has said yet). */
  private others: number | undefined;
  private timer: unknown = null;

  constructor(
    private readonly clock: Clock,
    private readonly sources: SourceSet,
  ) {}

  /** Bytes arrived from some source. */
  bytes(): void {
    this.lastBytesAt = this.clock.now();
  }

  stalled(): boolean {
    return this.clock.now() - this.lastBytesAt > STALL_MS;
  }

  next(): RunPolicy {
    const active = this.sources.list().filter((s) => s.kind === 'peer' && s.state === 'active');
    const peers = active.length > 0;
    const meeting =
      this.swarmed &&
      this.clock.now() < this.meetingUntil &&
      (this.others === undefined || active.length < this.others);
    return {
      spread: this.swarmed,
      anyway: this.stalled(),
      maxRunBytes: peers ? SWARM_RUN_BYTES : WEBSEED_DEFAULTS.maxRunBytes,
      requestSeconds: this.swarmed ? SWARM_REQUEST_SECONDS : 0,
      maxRequestBytes: meeting ? MEETING_REQUEST_BYTES : undefined,
    };
  }

  /** A tracker knows of `n` other readers (seeds and leechers) of the torrent. */
  othersKnown(n: number): void {
    this.others = Math.max(this.others ?? 0, n);
  }

  /** Watches for stalls while `downloading` (only with a swarm: claims and peers to wait for). */
  watch(downloading: boolean, fresh = false): void {
    this.clock.clearTimeout(this.timer);
    this.timer = null;
    if (fresh) this.lastBytesAt = this.clock.now();
    if (fresh && this.swarmed) {
      this.meetingUntil = this.clock.now() + MEETING_MS;
      this.others = undefined;
    }
    if (!downloading || !this.swarmed) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.sources.wakeIdle();
      this.watch(true);
    }, WATCH_MS);
  }
}

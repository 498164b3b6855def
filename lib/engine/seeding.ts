/**
 * Seeding after completion, across restarts: time spent seeding and bytes uploaded are kept
 * in the torrent's record (every 30 s, and whenever a seeding session ends), and seeding
 * ends at the ratio or time limit, whichever comes first: the torrent is then Done.
 */
import type { Clock } from './deps.ts';
import type { SeedingRecord } from './records.ts';
import type { Torrent } from './torrent.ts';

/** When seeding ends (whichever comes first); settings of the options page. */
export interface SeedLimits {
  /** Uploaded ÷ size. */
  ratio: number;
  /** Time spent seeding, across restarts. */
  timeMs: number;
}

export const DEFAULT_SEED_LIMITS: SeedLimits = { ratio: 2, timeMs: 60 * 60_000 };
/** Seeding progress is saved this often (and when seeding ends). */
const SEED_SAVE_MS = 30_000;

/** Where a swarm keeps its seeding progress (the torrent's record). */
export interface SeedingStore {
  load(): SeedingRecord | undefined;
  save(s: SeedingRecord): void;
}

export class Seeding {
  /** Seeding done before this session (from the record), and since when we seed now. */
  private seeded: SeedingRecord;
  private uploadedAtStart: number;
  private seedingSince: number | null = null;
  private lastSeedSave = 0;

  constructor(
    private readonly torrent: Torrent,
    private readonly clock: Clock,
    private readonly store: SeedingStore,
    private limits: SeedLimits,
  ) {
    this.seeded = { ...(store.load() ?? { ms: 0, uploaded: 0, ended: false }) };
    this.uploadedAtStart = torrent.uploaded;
    if (this.seeded.ended) torrent.endSeeding();
  }

  /** The torrent's state changed: a seeding session starts or ends. */
  onState(from: string | undefined, to: string): void {
    if (to === 'seeding' && this.seedingSince === null) this.seedingSince = this.clock.now();
    if (from === 'seeding' && to !== 'seeding') this.save(true);
  }

  /** The swarm goes away (torrent removed, engine closing): save what was seeded. */
  leave(): void {
    if (this.seedingSince !== null) this.save(true);
  }

  /** Seeding progress so far (this session included). */
  private now(): SeedingRecord {
    const since = this.seedingSince;
    return {
      ms: this.seeded.ms + (since === null ? 0 : this.clock.now() - since),
      uploaded: this.seeded.uploaded + this.torrent.uploaded - this.uploadedAtStart,
      ended: this.seeded.ended,
    };
  }

  /** Saves seeding progress; `leaving`: this seeding session is over (paused, limit, removed). */
  private save(leaving: boolean): void {
    const now = this.now();
    if (leaving) {
      this.seeded = { ...now };
      this.uploadedAtStart = this.torrent.uploaded;
      this.seedingSince = null;
    }
    this.lastSeedSave = this.clock.now();
    this.store.save(now);
  }

  /** New limits (the user changed them): they count from now, for this torrent's seeding so far. */
  setLimits(limits: SeedLimits): void {
    this.limits = limits;
    this.check();
  }

  /** Ends seeding at the ratio or time limit, whichever comes first. */
  check(): void {
    if (this.torrent.state !== 'seeding') return;
    const s = this.now();
    const size = this.torrent.selectedBytes;
    if (s.ms >= this.limits.timeMs || (size > 0 && s.uploaded / size >= this.limits.ratio)) {
      this.seeded = { ...s, ended: true };
      this.seedingSince = null;
      this.uploadedAtStart = this.torrent.uploaded;
      this.store.save(this.seeded);
      this.torrent.endSeeding();
    } else if (this.clock.now() - this.lastSeedSave >= SEED_SAVE_MS) {
      this.save(false);
    }
  }
}

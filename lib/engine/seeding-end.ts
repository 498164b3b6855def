/**
 * How a complete torrent ends (design.md): it seeds while it has a swarm, until its seeding
 * limit (ratio or time) is reached; once its files are saved its stored pieces are freed,
 * and only what it had is kept, for the view. `done` is told once, the first time it is
 * complete (also on resume).
 */
import type { Metainfo } from './metainfo.ts';
import type { Progress } from './progress.ts';

/** What a torrent had when its stored pieces were freed. */
export interface FreedBytes {
  verifiedBytes: number;
  selectedBytes: number;
}

export class SeedingEnd {
  /** Seeding is over for good (limit reached, or its pieces freed). */
  over = false;
  /** Its stored pieces were deleted (files saved, seeding over): what it had. */
  freed: FreedBytes | undefined;
  private doneTold = false;

  /** Complete: sharing while it has a swarm and its seeding limit is not reached. */
  completeState(swarmed: boolean): 'seeding' | 'done' {
    return swarmed && !this.over ? 'seeding' : 'done';
  }

  /** Whether `done` is to be told now: only the first time. */
  tellDone(): boolean {
    const first = !this.doneTold;
    this.doneTold = true;
    return first;
  }

  /** Its stored pieces are being freed: what it had (`progress`) stays. */
  free(progress: Progress): void {
    this.freed = {
      verifiedBytes: progress.verifiedBytes,
      selectedBytes: progress.selectedBytes,
    };
  }

  /** Restored after its pieces were freed: all of it had, done told, no more seeding. */
  restoreFreed(meta: Metainfo): void {
    const size = meta.files.reduce((n, f) => n + (f.pad ? 0 : f.length), 0);
    this.freed = { verifiedBytes: size, selectedBytes: size };
    this.over = this.doneTold = true;
  }
}

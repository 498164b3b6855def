/**
 * Keeps the garbage of network stream reads (engine host) and of piece messages (OPFS
 * worker) from piling up between major collections.
 *
 * Every read from a fetch body (about 150 KiB each here, BYOB or not) leaves a few small
 * objects behind (the read's promise and result, the transferred ArrayBuffer's wrappers).
 * They hold native memory that V8 does not count, and only a major collection frees them;
 * a download keeps the JavaScript heap at a few MiB, so V8 sees no reason for one. Measured
 * in Chromium 156 (a BYOB loop reading 1 GiB bodies in an extension context): anonymous
 * memory grew by 10-15 MiB per GiB read and stayed there (13 → 60 MiB after 4 GiB, nothing
 * freed after seconds idle); a forced collection brought it back to 18.
 *
 * A large ArrayBuffer that is allocated and dropped counts as external memory, and V8
 * answers external memory growth with a collection. Its pages are never written, so the
 * kernel never backs them: it costs address space for a moment, not resident memory. With
 * one every 128 MiB read, the same loop stayed at 21-22 MiB after 4 GiB.
 *
 * The OPFS worker has the same pattern on a smaller scale: each piece written leaves a
 * message event and the wrappers of its buffer, transferred there and back.
 */
const MiB = 1024 * 1024;

export class GcNudge {
  private sinceLast = 0;
  private held: ArrayBuffer | null = null;

  constructor(
    private readonly everyBytes = 128 * MiB,
    private readonly nudgeBytes = 64 * MiB,
  ) {}

  /** Count of nudges so far (for tests). */
  nudges = 0;

  /** Tells of `n` more bytes read from the network (or written, in the OPFS worker). */
  count(n: number): void {
    this.sinceLast += n;
    if (this.sinceLast < this.everyBytes) return;
    this.sinceLast = 0;
    this.nudges++;
    try {
      // Allocated and dropped at once: only its size matters to the collector. Kept in a
      // field for that moment so that no optimizer can drop the allocation as unused.
      this.held = new ArrayBuffer(this.nudgeBytes);
      this.held = null;
    } catch {
      // Out of address space: then there is nothing to gain from a nudge either.
    }
  }
}

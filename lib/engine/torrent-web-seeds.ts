/**
 * A torrent's web seeds (BEP 19): the URLs it knows (its metainfo's url-list, a magnet's
 * ws=, the same torrent added again), each made a WebSeed source that takes its runs from
 * the torrent's picker under the torrent's web seed policy. On every resume they start
 * afresh, so a failed one gets another chance.
 */
import type { BufferPool } from './buffer-pool.ts';
import type { EngineDeps } from './deps.ts';
import type { Metainfo } from './metainfo.ts';
import type { Picker } from './picker.ts';
import type { SourceSet } from './sources/source-set.ts';
import type { WebSeedPolicy } from './web-seed-policy.ts';
import { WEBSEED_DEFAULTS, WebSeed, type WebSeedContext } from './webseed.ts';

export class TorrentWebSeeds {
  /** Every web seed URL it knows, in the order learned. */
  readonly urls: string[] = [];

  constructor(
    private readonly deps: EngineDeps,
    private readonly buffers: BufferPool,
    private readonly sources: SourceSet,
    private readonly policy: WebSeedPolicy,
    /** Verifies and stores a piece (Torrent.deliver). */
    private readonly deliver: WebSeedContext['deliver'],
  ) {}

  /**
   * Merges more web seeds; `running`: the torrent downloads, with this metainfo and picker
   * (each new one starts at once).
   */
  add(urls: readonly string[], running?: { meta: Metainfo; picker: Picker }): void {
    for (const url of urls) {
      if (this.urls.includes(url)) continue;
      this.urls.push(url);
      if (running) this.start(url, running.meta, running.picker);
    }
  }

  /** Starts every web seed afresh (stopping those there are): the torrent downloads. */
  restart(meta: Metainfo, picker: Picker): void {
    this.sources.stopAll('webseed');
    for (const url of this.urls) this.start(url, meta, picker);
  }

  private start(url: string, meta: Metainfo, picker: Picker): void {
    const seed = new WebSeed(
      url,
      meta,
      {
        fetch: this.deps.fetch,
        clock: this.deps.clock,
        random: this.deps.random,
        picker,
        deliver: this.deliver,
        alloc: (size) => this.buffers.alloc(size),
        runPolicy: () => this.policy.next(),
        throttle: (n) => this.deps.rates?.download.pass(n),
      },
      { ...WEBSEED_DEFAULTS, ...this.deps.webSeed },
    );
    this.sources.add(seed, true);
  }
}

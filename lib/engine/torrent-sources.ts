/**
 * A torrent's sources and what steers them: the SourceSet (web seeds and wire peers), the web
 * seed policy ("peers first, web seed fills the gaps"; see NOTES.md) and the web seeds made
 * from its URLs. An idle source is woken for work no serving peer has or claims, or for any
 * unfetched piece once the download would otherwise stall.
 */
import type { BufferPool } from './buffer-pool.ts';
import type { EngineDeps } from './deps.ts';
import type { Picker } from './picker.ts';
import { SourceSet } from './sources/source-set.ts';
import { TorrentWebSeeds } from './torrent-web-seeds.ts';
import { WebSeedPolicy } from './web-seed-policy.ts';
import type { WebSeedContext } from './webseed.ts';

export interface TorrentSourceHooks {
  /** A source changed state. */
  changed(): void;
  /** Piece bytes came from a source. */
  received(n: number): void;
  /** The picker while the torrent downloads (undefined otherwise: no work to hand out). */
  picker(): Picker | undefined;
  /** Verifies and stores a piece (Torrent.deliver). */
  deliver: WebSeedContext['deliver'];
}

export function torrentSources(deps: EngineDeps, buffers: BufferPool, hooks: TorrentSourceHooks) {
  const sources: SourceSet = new SourceSet({
    changed: hooks.changed,
    bytes: (n) => {
      deps.onBytesRead?.(n);
      hooks.received(n);
      policy.bytes();
    },
    hasUnclaimedWork: () => {
      const picker = hooks.picker();
      if (!picker) return false;
      return picker.unclaimed() > 0 || (policy.stalled() && picker.unfetched() > 0);
    },
  });
  const policy = new WebSeedPolicy(deps.clock, sources);
  const webSeeds = new TorrentWebSeeds(deps, buffers, sources, policy, hooks.deliver);
  return { sources, policy, webSeeds };
}

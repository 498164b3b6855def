/**
 * The server-offload scene, small enough for CI: 4 Swarmlink readers 250 ms apart on a
 * 16 MiB torrent whose web seed sends 4 MiB/s in all. Plain downloads would cost the server
 * 4 copies; the swarm must keep it clearly below that. (The full scene, against WebTorrent,
 * is in `npm run bench`.)
 */
import { describe, expect, it } from 'vitest';
import { runOffloadScene } from '../scenes/offload.ts';

describe('server offload', () => {
  it(
    '4 readers arriving together: the web seed sends clearly fewer than 4 copies',
    { timeout: 180_000 },
    async () => {
      const result = await runOffloadScene({
        kind: 'swarmlink',
        readers: 4,
        mib: 16,
        rateLimit: 4 * 1024 * 1024,
        staggerMs: 250,
      });
      expect(result.ok).toEqual([true, true, true, true]);
      expect(result.copies).toBeLessThan(1.5);
    },
  );
});

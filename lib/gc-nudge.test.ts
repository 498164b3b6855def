import { describe, expect, it } from 'vitest';
import { GcNudge } from './gc-nudge.ts';

const MiB = 1024 * 1024;

describe('GcNudge', () => {
  it('nudges once per `everyBytes` counted, whatever the size of each count', () => {
    const nudge = new GcNudge(8 * MiB, MiB);
    for (let i = 0; i < 7; i++) nudge.count(MiB);
    expect(nudge.nudges).toBe(0);
    nudge.count(MiB);
    expect(nudge.nudges).toBe(1);
    // 150 KiB reads, as a fetch body delivers them: 24 MiB in all.
    for (let read = 0; read < (24 * MiB) / (150 * 1024); read++) nudge.count(150 * 1024);
    expect(nudge.nudges).toBe(3);
  });

  it('goes on when the nudge cannot be allocated', () => {
    const nudge = new GcNudge(MiB, Number.MAX_SAFE_INTEGER);
    expect(() => nudge.count(2 * MiB)).not.toThrow();
    expect(nudge.nudges).toBe(1);
  });
});

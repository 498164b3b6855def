import { describe, expect, it } from 'vitest';
import { bytes, isAcceptedPath } from './fixtures/chrome-names.ts';
import {
  collisionKey,
  MAX_PATH_BYTES,
  MIN_COMPONENT_BYTES,
  savePaths,
  type PathInput,
} from './save-paths.ts';

/** The whole saved path is capped (MAX_PATH_BYTES), not just its components. */

const f = (...path: string[]): PathInput => ({ path, pad: false });
const long = (c: string, n = 200): string => c.repeat(n);

function checkAll(name: string, files: PathInput[]): string[] {
  const paths = savePaths(name, files, true) as string[];
  const keys = new Set(paths.map(collisionKey));
  expect(keys.size).toBe(paths.length);
  for (const path of paths) {
    expect(bytes(path)).toBeLessThanOrEqual(MAX_PATH_BYTES);
    expect(isAcceptedPath(path)).toBe(true);
  }
  return paths;
}

describe('savePaths: the whole path is capped', () => {
  it('keeps short paths exactly', () => {
    expect(savePaths('t', [f('a', 'b', 'c.txt')], true)).toEqual(['t/a/b/c.txt']);
  });

  it('brings the files of folders that do not fit up into the last folder that does', () => {
    const deep = Array.from({ length: 10 }, (_, i) => long(String.fromCharCode(97 + i)));
    const paths = checkAll('T', [f(...deep, 'x.txt'), f(...deep.slice(0, 6), 'y.txt')]);
    const kept = paths[0]!.split('/');
    // T + three 200-byte folders = 604 bytes: a fourth would leave less than 64 for names.
    expect(kept.slice(0, 4)).toEqual(['T', ...deep.slice(0, 3)]);
    expect(paths).toEqual([
      `${kept.slice(0, 4).join('/')}/x.txt`,
      `${kept.slice(0, 4).join('/')}/y.txt`,
    ]);
  });

  it('numbers files that meet in the folder they are brought up to', () => {
    const deep = Array.from({ length: 6 }, (_, i) => long(String.fromCharCode(97 + i)));
    const paths = checkAll('T', [
      f(...deep.slice(0, 4), 'same.txt'),
      f(...deep.slice(0, 5), 'same.txt'),
      f(...deep, 'SAME.txt'),
    ]);
    expect(paths.map((p) => p.split('/').pop())).toEqual([
      'same.txt',
      'same (2).txt',
      'SAME (3).txt',
    ]);
  });

  it('shortens a long file name deep in a path, keeping its extension', () => {
    const paths = checkAll(long('n'), [f(long('a'), long('b'), long('c') + '.mkv')]);
    const name = paths[0]!.split('/').pop()!;
    expect(name.endsWith('.mkv')).toBe(true);
    expect(bytes(name)).toBeGreaterThanOrEqual(MIN_COMPONENT_BYTES);
    expect(bytes(paths[0]!)).toBe(MAX_PATH_BYTES);
  });

  it('caps 64-deep paths of multi-byte names, all distinct', () => {
    const files = Array.from({ length: 50 }, (_, i) =>
      f(
        ...Array.from({ length: 64 }, (_, d) => long('ü', 100) + String(d % (i + 1))),
        `f${i % 7}.bin`,
      ),
    );
    checkAll(long('€', 66), files);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytes, isAcceptedByChrome } from './fixtures/chrome-names.ts';
import { params } from './fixtures/property.ts';
import {
  collisionKey,
  MAX_PATH_BYTES,
  sanitizeComponent,
  savePaths,
  type PathInput,
} from './save-paths.ts';

/**
 * Property tests of save paths (design.md's contract): every path lies under `<name>/`, is
 * accepted by Chrome's rules (the independent model in fixtures/chrome-names.ts), fits in
 * MAX_PATH_BYTES, and no two files (nor a file and a folder) are equal ignoring case.
 */

// prettier-ignore
const NASTY = [
  'a', 'A', 'é', 'e\u0301', 'ß', 'SS', 'Σ', 'ς', '😀', '.', '..', '~', ' ', '\t', '\0', '/',
  '\\', ':', '*', '?', '"', '<', '>', '|', '\u200b', '\u202e', '\ufeff', '\ud800', '\uffff',
  'CON', 'nul', 'Lpt1', '.lnk', '.LOCAL', '.{x}', '.txt', '.tar.gz', 'desktop.ini', '~1',
  ' (2)', 'x'.repeat(90), 'ü'.repeat(50),
];
const name = fc.oneof(
  fc.array(fc.constantFrom(...NASTY), { maxLength: 6 }).map((a) => a.join('')),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom('a', 'A', 'b', 'con', '.'),
);
const torrent = fc.record({
  name,
  files: fc.array(
    fc.record({
      path: fc.array(name, { minLength: 1, maxLength: 12 }),
      pad: fc.constant(false),
    }),
    { minLength: 1, maxLength: 30 },
  ),
});

describe('savePaths: properties', () => {
  it('keeps every path under <name>/, accepted, within the cap and unique ignoring case', () => {
    fc.assert(
      fc.property(torrent, ({ name, files }) => {
        const input: PathInput[] = files.map((f) => ({ path: f.path, pad: f.pad }));
        const root = sanitizeComponent(name);
        const paths = savePaths(name, input, true);
        const fileKeys = new Set<string>();
        const folderKeys = new Set<string>();
        for (const path of paths) {
          if (path === null) throw new Error('a file to save has no path');
          const parts = path.split('/');
          expect(parts[0]).toBe(root);
          expect(parts.length).toBeGreaterThan(1);
          for (const part of parts) {
            if (!isAcceptedByChrome(part)) throw new Error(`refused: ${JSON.stringify(part)}`);
          }
          expect(bytes(path)).toBeLessThanOrEqual(MAX_PATH_BYTES);
          const key = collisionKey(path);
          expect(fileKeys.has(key)).toBe(false);
          fileKeys.add(key);
          for (let d = 1; d < parts.length; d++) {
            folderKeys.add(collisionKey(parts.slice(0, d).join('/')));
          }
        }
        for (const key of fileKeys) expect(folderKeys.has(key)).toBe(false);
        // A pure function: the same torrent, the same paths.
        expect(savePaths(name, input, true)).toEqual(paths);
      }),
      params(300),
    );
  });

  it('keeps a component Chrome accepts exactly, and makes any other one accepted', () => {
    fc.assert(
      fc.property(name, (component) => {
        const out = sanitizeComponent(component);
        expect(isAcceptedByChrome(out)).toBe(true);
        expect(sanitizeComponent(out)).toBe(out);
        if (isAcceptedByChrome(component)) expect(out).toBe(component);
      }),
      params(1000),
    );
  });
});

// The benchmark's TypeScript: scenes and fixtures under tests/ are .ts files that import engine
// code with explicit `.ts` extensions, demo .mjs files and CommonJS packages with native binaries
// (@roamhq/wrtc). Node 20 runs none of that TypeScript itself; jiti (a devDependency, already
// what wxt and eslint load their TypeScript configs with) transpiles it on import and resolves
// the `.ts` specifiers; errors keep their .ts file names and lines. Packages come from
// node_modules as Node loads them: a .mjs file that imports 'webtorrent' gets the same module
// as the scene (offload-scene.mjs relies on that).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createJiti } from 'jiti';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const jiti = createJiti(import.meta.url);

/**
 * Imports a TypeScript module of this repository.
 * @param {string} relPath from the repository root, e.g. 'tests/scenes/offload.ts'
 * @returns {Promise<any>}
 */
export function importTs(relPath) {
  return jiti.import(path.join(ROOT, relPath));
}

#!/usr/bin/env node
// `npm run fuzz`: the property tests of the parsers (`*.property.test.ts`: bencode spans,
// metainfo, magnet links, save paths, the wire codec, tracker messages) run FUZZ_SCALE (100)
// times longer than in `npm test`, with a fresh seed, printed first so that a failure can be
// replayed: FUZZ_SEED=<seed> npm run fuzz. Extra arguments go to vitest (e.g. a file name).
// A counterexample found: keep it as a small fixture with a test of its own.
import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const seed = process.env.FUZZ_SEED || String(randomInt(2 ** 31));
const scale = process.env.FUZZ_SCALE || '100';
console.log(`fuzz: FUZZ_SEED=${seed} FUZZ_SCALE=${scale}`);
const args = process.argv.slice(2);
const r = spawnSync(
  'npx',
  [
    'vitest',
    'run',
    '--project',
    'unit',
    '--testTimeout',
    '3600000',
    ...(args.length ? args : ['property.test']),
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, FUZZ_SEED: seed, FUZZ_SCALE: scale } },
);
if (r.status !== 0) console.log(`fuzz: failed; replay with FUZZ_SEED=${seed} FUZZ_SCALE=${scale}`);
process.exit(r.status ?? 1);

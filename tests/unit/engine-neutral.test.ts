/**
 * lib/engine is platform-neutral (design.md): the same engine runs in Node for swarm
 * simulations and in the browser. IO comes in through EngineDeps, never from globals.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ENGINE = resolve(import.meta.dirname, '../../lib/engine');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' ? [] : sources(p);
    return /\.ts$/.test(e.name) && !/\.(test|d)\.ts$/.test(e.name) ? [p] : [];
  });
}

const FORBIDDEN: [RegExp, string][] = [
  [
    /from ['"](wxt|wxt\/[^'"]*|#imports|webextension-polyfill|idb)['"]/,
    'imports a platform package',
  ],
  [
    /\b(browser|chrome)\.(runtime|downloads|storage|tabs|offscreen|notifications)\b/,
    'uses extension APIs',
  ],
  [/\bindexedDB\b/, 'touches IndexedDB'],
  [/\bnavigator\.storage\b/, 'touches OPFS'],
  // Time, randomness, sockets and peer connections come from the deps (swarms run on a fake clock).
  [
    /new (WebSocket|RTCPeerConnection)\(|(^|[^.\w])(setTimeout|setInterval)\(|Date\.now\(|Math\.random\(|performance\.now\(/m,
    'takes time, randomness or IO from globals instead of EngineDeps',
  ],
];

/** Relative imports of `file` that resolve outside lib/engine. */
function importsOutside(file: string, text: string): string[] {
  return [...text.matchAll(/from ['"](\.[^'"]*)['"]/g)]
    .map((m) => m[1]!)
    .filter((spec) => relative(ENGINE, resolve(dirname(file), spec)).startsWith('..'));
}

describe('lib/engine', () => {
  const files = sources(ENGINE);

  it('has modules to check', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it.each(files.map((f) => [relative(ENGINE, f), f]))('%s stays platform-neutral', (_, file) => {
    const text = readFileSync(file, 'utf8');
    for (const [pattern, what] of FORBIDDEN) {
      // deps.ts is where the real clock and randomness are made.
      if (what.startsWith('takes time') && relative(ENGINE, file) === 'deps.ts') continue;
      expect(pattern.test(text), `${file} ${what}`).toBe(false);
    }
    expect(importsOutside(file, text), `${file} imports from outside lib/engine`).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { isAcceptedByChrome } from './fixtures/chrome-names.ts';
import { rejection } from './fixtures/parse.ts';
import { COMPONENT_REPRODUCERS, TORRENT_REPRODUCERS } from './fixtures/reproducers.ts';
import { sanitizeComponent, savePaths } from './save-paths.ts';

/** Every reproducer a property or the fuzzer found, kept small, stays fixed. */

const latin1 = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

describe('reproducers', () => {
  it.each(COMPONENT_REPRODUCERS)(
    'saves $input under a name Chrome accepts ($found)',
    ({ input }) => {
      const out = sanitizeComponent(input);
      expect(isAcceptedByChrome(out)).toBe(true);
      const [path] = savePaths('t', [{ path: [input, input], pad: false }], true);
      expect(path!.split('/').every(isAcceptedByChrome)).toBe(true);
    },
  );

  it.each(TORRENT_REPRODUCERS)(
    'refuses a torrent with two meanings ($found)',
    async ({ input, reason }) => {
      expect((await rejection(latin1(input))).reason).toMatch(reason);
    },
  );
});

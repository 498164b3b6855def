import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MagnetError } from './errors.ts';
import { onlyThrows, params } from './fixtures/property.ts';
import { parseMagnet, toMagnet } from './magnet.ts';

/** Property tests of magnet links: only MagnetError escapes, and what we write reads back. */

const hex40 = fc.stringMatching(/^[0-9a-f]{40}$/);
const piece = fc.oneof(
  fc.constantFrom('xt=', 'urn:btih:', 'urn:btmh:1220', 'dn=', 'tr=', 'ws=', 'xs=', 'so=', '&'),
  fc.constantFrom('%', '%2', '%zz', '%C3%A9', '%FF', '+', '=', '.1', '0-9', ',', '-'),
  fc.string({ maxLength: 8 }),
  hex40,
);

describe('parseMagnet: properties', () => {
  it('returns a Magnet or throws MagnetError, whatever the text', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 16 }), (parts) => {
        onlyThrows(MagnetError, () => parseMagnet(`magnet:?${parts.join('')}`));
        onlyThrows(MagnetError, () => parseMagnet(parts.join('')));
      }),
      params(2000),
    );
  });

  it('reads back what toMagnet writes', () => {
    const url = fc.webUrl({ validSchemes: ['https', 'http'], withQueryParameters: true });
    fc.assert(
      fc.property(
        hex40,
        fc.option(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }), { nil: undefined }),
        fc.uniqueArray(url, { maxLength: 3 }),
        (infoHash, name, webSeeds) => {
          const m = parseMagnet(toMagnet({ infoHash, name, webSeeds }));
          expect(m.infoHash).toBe(infoHash);
          expect(m.name).toBe(name);
          expect(m.webSeeds).toEqual(webSeeds.filter((u) => u.trim() === u));
        },
      ),
      params(300),
    );
  });
});

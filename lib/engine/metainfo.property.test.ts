import { createHash } from 'node:crypto';
import fc from 'fast-check';
import parseTorrent from 'parse-torrent';
import { describe, expect, it } from 'vitest';
import { concatBytes } from './bytes.ts';
import { MetainfoError } from './errors.ts';
import { parse } from './fixtures/parse.ts';
import { bencodeishBytes, params } from './fixtures/property.ts';
import { encodeBencode, type BInput } from './wire/bencode.ts';

/**
 * Property tests of parseMetainfo: a torrent made from random files reads back exactly, as
 * WebTorrent's parse-torrent reads it; any damage to it ends in a Metainfo or a
 * MetainfoError, nothing else.
 */

const PL = 16384;
const component = fc.oneof(
  fc.stringMatching(/^[a-zA-Z0-9 ._-]{1,12}$/),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }),
);
const files = fc.uniqueArray(
  fc.record({
    path: fc.array(component, { minLength: 1, maxLength: 4 }),
    length: fc.integer({ min: 0, max: 3 * PL }),
  }),
  { minLength: 1, maxLength: 12, selector: (f) => f.path.join('/') },
);

/** A multi-file torrent of `list` (at least one byte in all), pieces all zero. */
function build(list: { path: string[]; length: number }[]): Uint8Array {
  if (list.every((f) => f.length === 0)) list[0]!.length = 1;
  const total = list.reduce((n, f) => n + f.length, 0);
  const info: BInput = {
    name: 'torrent',
    'piece length': PL,
    pieces: new Uint8Array(20 * Math.ceil(total / PL)),
    files: list.map((f) => ({ length: f.length, path: f.path })),
  };
  return encodeBencode({ announce: 'wss://tracker.example/', info });
}

describe('parseMetainfo: properties', () => {
  it('reads a generated torrent back exactly, as parse-torrent does', async () => {
    await fc.assert(
      fc.asyncProperty(files, async (list) => {
        const bytes = build(list);
        const meta = await parse(bytes);
        expect(meta.files.map((f) => [f.path, f.length])).toEqual(
          list.map((f) => [f.path, f.length]),
        );
        expect(meta.infoHash).toBe(createHash('sha1').update(meta.infoBytes).digest('hex'));
        const theirs = await parseTorrent(bytes);
        expect(theirs.infoHash).toBe(meta.infoHash);
        expect((theirs.files ?? []).map((f: { length: number }) => f.length)).toEqual(
          meta.files.map((f) => f.length),
        );
      }),
      params(100),
    );
  });

  it('ends damaged torrents in a Metainfo or a MetainfoError, nothing else', async () => {
    const edit = fc.record({
      at: fc.nat(),
      cut: fc.nat({ max: 20 }),
      insert: bencodeishBytes(12),
    });
    await fc.assert(
      fc.asyncProperty(
        files,
        fc.array(edit, { minLength: 1, maxLength: 4 }),
        async (list, edits) => {
          let bytes = build(list);
          for (const e of edits) {
            const at = e.at % (bytes.length + 1);
            bytes = concatBytes([bytes.subarray(0, at), e.insert, bytes.subarray(at + e.cut)]);
          }
          const outcome = await parse(bytes).then(
            (meta) => meta,
            (err: unknown) => {
              if (err instanceof MetainfoError) return err;
              throw err;
            },
          );
          if (outcome instanceof MetainfoError) return;
          expect(outcome.files.reduce((n, f) => n + f.length, 0)).toBe(outcome.length);
          expect(outcome.pieceHashes.length).toBe(outcome.pieceCount * 20);
        },
      ),
      params(300),
    );
  });
});

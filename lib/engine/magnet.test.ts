import parseTorrent from 'parse-torrent';
import { describe, expect, it } from 'vitest';
import { MagnetError } from './errors.ts';
import { LIMITS } from './limits.ts';
import { base32Decode, parseMagnet, percentDecode, toMagnet } from './magnet.ts';

const HEX = 'c9e15763f722f23e98a29decdfae341b98d53056';
const SHA256 = 'a'.repeat(56) + '0123abcd';

function errorOf(uri: string): MagnetError {
  try {
    parseMagnet(uri);
  } catch (err) {
    expect(err).toBeInstanceOf(MagnetError);
    return err as MagnetError;
  }
  throw new Error(`expected a MagnetError for ${uri}`);
}

/** RFC 4648 base32, written out plainly, to feed the parser. */
function base32(hex: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bits = [...hex].map((h) => parseInt(h, 16).toString(2).padStart(4, '0')).join('');
  return (bits.match(/.{5}/g) ?? []).map((b) => alphabet[parseInt(b, 2)]).join('');
}

describe('parseMagnet: xt', () => {
  it('reads a hex btih, lowercased', () => {
    expect(parseMagnet(`magnet:?xt=urn:btih:${HEX.toUpperCase()}`)).toEqual({
      infoHash: HEX,
      trackers: [],
      webSeeds: [],
      exactSources: [],
    });
  });

  it('reads a base32 btih in any case, as parse-torrent does', async () => {
    const b32 = base32(HEX);
    expect(b32).toHaveLength(32);
    expect(parseMagnet(`magnet:?xt=urn:btih:${b32}`).infoHash).toBe(HEX);
    expect(parseMagnet(`MAGNET:?XT=URN:BTIH:${b32.toLowerCase()}`).infoHash).toBe(HEX);
    expect((await parseTorrent(`magnet:?xt=urn:btih:${b32}`)).infoHash).toBe(HEX);
  });

  it('decodes base32 edge values', () => {
    expect(base32Decode('A'.repeat(32))).toEqual(new Uint8Array(20));
    expect(base32Decode('7'.repeat(32))).toEqual(new Uint8Array(20).fill(0xff));
    expect(base32Decode('MZXW6YTBOI')).toEqual(new TextEncoder().encode('foobar'));
    expect(base32Decode('MZXW1')).toBeUndefined();
  });

  it('reads urn:btmh (SHA-256 multihash) next to btih', () => {
    const m = parseMagnet(`magnet:?xt=urn:btmh:1220${SHA256}&xt=urn:btih:${HEX}`);
    expect(m.infoHash).toBe(HEX);
    expect(m.infoHashV2).toBe(SHA256);
  });

  it('accepts numbered xt keys and a repeated identical btih, and ignores other URNs', () => {
    const uri = `magnet:?xt.1=urn:btih:${HEX}&xt.2=urn:btih:${base32(HEX)}&xt=urn:sha1:ABC`;
    expect(parseMagnet(uri).infoHash).toBe(HEX);
  });

  it.each([
    ['not a magnet', 'http://example.com/a.torrent', 'uri'],
    ['no query', 'magnet:', 'uri'],
    ['no xt', 'magnet:?dn=x', 'xt'],
    ['only another URN', 'magnet:?xt=urn:sha1:ABCDEF', 'xt'],
    ['short hex', `magnet:?xt=urn:btih:${HEX.slice(1)}`, 'xt'],
    ['not hex', `magnet:?xt=urn:btih:${'g'.repeat(40)}`, 'xt'],
    ['base32 with a bad character', `magnet:?xt=urn:btih:${'1'.repeat(32)}`, 'xt'],
    ['two different btih', `magnet:?xt=urn:btih:${HEX}&xt=urn:btih:${'0'.repeat(40)}`, 'xt'],
    ['btmh not SHA-256', `magnet:?xt=urn:btih:${HEX}&xt=urn:btmh:1114${'0'.repeat(40)}`, 'xt'],
    ['too long', `magnet:?xt=urn:btih:${HEX}&dn=${'a'.repeat(LIMITS.maxMagnetLength)}`, 'uri'],
  ])('rejects %s', (_, uri, field) => {
    expect(errorOf(uri).field).toBe(field);
  });

  it('refuses v2-only magnet links, saying why', () => {
    const err = errorOf(`magnet:?xt=urn:btmh:1220${SHA256}&dn=v2`);
    expect(err.field).toBe('xt');
    expect(err.reason).toMatch(
      /v2-only link \(urn:btmh only\), which no WebTorrent peer can share/,
    );
  });
});

describe('parseMagnet: dn, tr, ws, xs', () => {
  it('percent-decodes dn, with + as a space, and keeps the first', () => {
    const m = parseMagnet(`magnet:?xt=urn:btih:${HEX}&dn=Caf%C3%A9+au%20lait%2B&dn=other`);
    expect(m.name).toBe('Café au lait+');
  });

  it('never throws on bad percent-encoding', () => {
    expect(parseMagnet(`magnet:?xt=urn:btih:${HEX}&dn=100%25%zz%ff%`).name).toBe('100%%zz\uFFFD%');
    expect(percentDecode('a%2')).toBe('a%2');
    expect(percentDecode('%F0%9F%98%80 ok')).toBe('😀 ok');
  });

  it('collects trackers, numbered keys included, filtered and deduplicated', () => {
    const tr = [
      'udp%3A%2F%2Ftracker.example%3A1337',
      'wss://ws.example/announce',
      'http://h.example/announce?a=1%26b%3D2',
      'ftp://bad.example',
      'not-a-url',
      'wss://ws.example/announce',
    ];
    const uri = `magnet:?xt=urn:btih:${HEX}&${tr.map((t, i) => `tr.${i + 1}=${t}`).join('&')}&tr=https://s.example`;
    expect(parseMagnet(uri).trackers).toEqual([
      'udp://tracker.example:1337',
      'wss://ws.example/announce',
      'http://h.example/announce?a=1&b=2',
      'https://s.example',
    ]);
  });

  it('collects http(s) web seeds and exact sources only', () => {
    const uri =
      `magnet:?xt=urn:btih:${HEX}&ws=https%3A%2F%2Fseed.example%2Ffile&ws=wss://no.example` +
      `&xs=http://host.example/a.torrent&xs=urn:btpk:abc&xs=udp://no.example`;
    const m = parseMagnet(uri);
    expect(m.webSeeds).toEqual(['https://seed.example/file']);
    expect(m.exactSources).toEqual(['http://host.example/a.torrent']);
  });

  it('caps trackers', () => {
    const tr = Array.from({ length: 300 }, (_, i) => `tr=http://t${i}.example/a`).join('&');
    expect(parseMagnet(`magnet:?xt=urn:btih:${HEX}&${tr}`).trackers).toHaveLength(
      LIMITS.maxTrackers,
    );
  });

  it('agrees with parse-torrent on a typical link', async () => {
    const uri =
      `magnet:?xt=urn:btih:${HEX}&dn=Big+Buck+Bunny&tr=udp%3A%2F%2Fexplodie.org%3A6969` +
      `&tr=wss%3A%2F%2Ftracker.btorrent.xyz&ws=https%3A%2F%2Fwebtorrent.io%2Ftorrents%2F`;
    const ours = parseMagnet(uri);
    const theirs = await parseTorrent(uri);
    expect(ours.infoHash).toBe(theirs.infoHash);
    expect(ours.name).toBe(theirs.name);
    expect(ours.trackers).toEqual(theirs.announce);
    expect(ours.webSeeds).toEqual(theirs.urlList);
  });
});

describe('parseMagnet: so (BEP 53)', () => {
  it('expands, sorts and deduplicates', () => {
    expect(parseMagnet(`magnet:?xt=urn:btih:${HEX}&so=0,2,4-6,5,1`).selectOnly).toEqual([
      0, 1, 2, 4, 5, 6,
    ]);
    expect(parseMagnet(`magnet:?xt=urn:btih:${HEX}&so=3%2C1`).selectOnly).toEqual([1, 3]);
    expect(parseMagnet(`magnet:?xt=urn:btih:${HEX}&so=`).selectOnly).toBeUndefined();
  });

  it.each([
    ['junk', 'a,b'],
    ['reversed range', '6-4'],
    ['open range', '4-'],
    ['negative', '-1'],
    ['beyond the file limit', String(LIMITS.maxFileCount)],
    ['a range too wide', `0-${LIMITS.maxFileCount}`],
    [
      'repeated ranges adding up beyond the limit',
      Array(3)
        .fill(`0-${LIMITS.maxFileCount - 1}`)
        .join(','),
    ],
  ])('rejects %s', (_, so) => {
    expect(errorOf(`magnet:?xt=urn:btih:${HEX}&so=${so}`).field).toBe('so');
  });
});

describe('toMagnet', () => {
  it('round-trips through parseMagnet', () => {
    const input = {
      infoHash: HEX.toUpperCase(),
      name: 'Ünïcode & spaces #1 100%',
      trackers: ['udp://t.example:6969/announce', 'wss://w.example?a=1&b=2'],
      webSeeds: ['https://seed.example/path with space/'],
    };
    const uri = toMagnet(input);
    expect(uri).toMatch(new RegExp(`^magnet:\\?xt=urn:btih:${HEX}&dn=`));
    expect(uri).not.toMatch(/[ #]/);
    expect(parseMagnet(uri)).toEqual({
      infoHash: HEX,
      name: input.name,
      trackers: input.trackers,
      webSeeds: input.webSeeds,
      exactSources: [],
    });
  });

  it('is read the same by parse-torrent', async () => {
    // Not with a '+' in the name: magnet-uri turns a decoded %2B into a space.
    const uri = toMagnet({ infoHash: HEX, name: 'a b&c=d', trackers: ['wss://w.example'] });
    const theirs = await parseTorrent(uri);
    expect(theirs.infoHash).toBe(HEX);
    expect(theirs.name).toBe('a b&c=d');
    expect(theirs.announce).toEqual(['wss://w.example']);
  });

  it('writes only xt when nothing else is given, and survives lone surrogates', () => {
    expect(toMagnet({ infoHash: HEX })).toBe(`magnet:?xt=urn:btih:${HEX}`);
    expect(parseMagnet(toMagnet({ infoHash: HEX, name: 'a\uD800b' })).name).toBe('a\uFFFDb');
  });

  it('rejects an infohash that is not 40 hex digits', () => {
    expect(() => toMagnet({ infoHash: 'abc' })).toThrow(MagnetError);
  });
});

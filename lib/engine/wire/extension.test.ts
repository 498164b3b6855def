import bencode from 'bencode';
import { describe, expect, it } from 'vitest';
import { WireError } from '../errors.ts';
import { LIMITS } from '../limits.ts';
import {
  EXTENDED_HANDSHAKE_ID,
  EXTENSION_NAME,
  decodeExtendedHandshake,
  encodeExtendedHandshake,
  extendedHandshakeMessage,
  type ExtendedHandshake,
} from './extension.ts';

const b = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');

const FULL: ExtendedHandshake = {
  extensions: new Map([
    [EXTENSION_NAME.utMetadata, 1],
    [EXTENSION_NAME.utPex, 2],
    [EXTENSION_NAME.ltDonthave, 3],
  ]),
  client: 'Swarmlink 0.1.0',
  port: 6881,
  reqq: LIMITS.maxQueuedRequestsPerPeer,
  metadataSize: 31337,
  yourIp: Uint8Array.of(192, 168, 1, 2),
};

describe('extended handshake (BEP 10)', () => {
  it('encodes a sorted dictionary with only the fields given', () => {
    expect(text(encodeExtendedHandshake({ extensions: new Map([['ut_metadata', 1]]) }))).toBe(
      'd1:md11:ut_metadatai1eee',
    );
    expect(text(encodeExtendedHandshake(FULL))).toBe(
      'd1:md11:lt_donthavei3e11:ut_metadatai1e6:ut_pexi2ee13:metadata_sizei31337e' +
        '1:pi6881e4:reqqi250e1:v15:Swarmlink 0.1.06:yourip4:\xc0\xa8\x01\x02e',
    );
  });

  it('round-trips every field', () => {
    expect(decodeExtendedHandshake(encodeExtendedHandshake(FULL))).toEqual(FULL);
    const v6 = { extensions: new Map(), yourIp: new Uint8Array(16).fill(1) };
    expect(decodeExtendedHandshake(encodeExtendedHandshake(v6))).toEqual(v6);
  });

  it('is an extended message with extended id 0', () => {
    const msg = extendedHandshakeMessage(FULL);
    expect(msg).toEqual({
      type: 'extended',
      id: EXTENDED_HANDSHAKE_ID,
      payload: encodeExtendedHandshake(FULL),
    });
  });

  it('decodes what WebTorrent sends (bittorrent-protocol with its three extensions)', () => {
    const payload = bencode.encode({
      m: { ut_metadata: 1, ut_pex: 2, lt_donthave: 3 },
      metadata_size: 4242,
    });
    expect(decodeExtendedHandshake(payload)).toEqual({
      extensions: new Map([
        ['lt_donthave', 3],
        ['ut_metadata', 1],
        ['ut_pex', 2],
      ]),
      metadataSize: 4242,
    });
  });

  it('keeps id 0 (an extension being disabled) and treats a missing m as empty', () => {
    expect(decodeExtendedHandshake(b('d1:md6:ut_pexi0eee')).extensions).toEqual(
      new Map([['ut_pex', 0]]),
    );
    expect(decodeExtendedHandshake(b('d1:pi1ee'))).toEqual({ extensions: new Map(), port: 1 });
  });

  it('ignores unknown keys and drops optional fields of the wrong type or range', () => {
    const payload = bencode.encode({
      m: {},
      v: 5,
      p: 70000,
      reqq: 0,
      metadata_size: LIMITS.maxMetadataSize + 1,
      yourip: Uint8Array.of(1, 2, 3),
      upload_only: 1,
      complete_ago: -1,
      e: 'x',
    });
    expect(decodeExtendedHandshake(payload)).toEqual({ extensions: new Map() });
    expect(decodeExtendedHandshake(b('d13:metadata_size1:1e'))).toEqual({ extensions: new Map() });
  });

  it.each([
    ['i1e', 'not a dictionary'],
    ['le', 'a list'],
    ['d1:mi1ee', 'm is not a dictionary'],
    ['d1:md1:a1:xee', 'an id is not an integer'],
    ['d1:md1:ai256eee', 'an id over 255'],
    ['d1:md1:ai-1eee', 'a negative id'],
    ['d1:md1:ai1eeeXX', 'trailing data'],
    ['d1:md1:ai1e', 'truncated'],
  ])('rejects %j (%s) with a WireError', (input) => {
    expect(() => decodeExtendedHandshake(b(input))).toThrow(WireError);
  });

  it('rejects a payload over LIMITS.maxExtendedMessageLength before parsing it', () => {
    const big = new Uint8Array(LIMITS.maxExtendedMessageLength + 1);
    expect(() => decodeExtendedHandshake(big)).toThrow(/over/);
  });

  it('refuses to encode values out of range', () => {
    const bad: ExtendedHandshake[] = [
      { extensions: new Map([['x', 256]]) },
      { extensions: new Map(), port: 0 },
      { extensions: new Map(), reqq: 0 },
      { extensions: new Map(), metadataSize: LIMITS.maxMetadataSize + 1 },
      { extensions: new Map(), yourIp: new Uint8Array(5) },
    ];
    for (const h of bad) expect(() => encodeExtendedHandshake(h)).toThrow(WireError);
  });
});

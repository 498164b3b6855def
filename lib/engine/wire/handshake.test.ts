import { describe, expect, it } from 'vitest';
import { WireError } from '../errors.ts';
import { HANDSHAKE } from './fixtures/samples.ts';
import {
  HANDSHAKE_LENGTH,
  decodeHandshake,
  encodeHandshake,
  hasReservedBit,
  makeReserved,
  reservedFlags,
} from './handshake.ts';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('reserved bits', () => {
  it('places extension at reserved[5] & 0x10, fast at [7] & 0x04, DHT at [7] & 0x01', () => {
    expect(hex(makeReserved({ extension: true }))).toBe('0000000000100000');
    expect(hex(makeReserved({ fast: true }))).toBe('0000000000000004');
    expect(hex(makeReserved({ dht: true }))).toBe('0000000000000001');
    expect(hex(makeReserved({ extension: true, fast: true, dht: true }))).toBe('0000000000100005');
    expect(hex(makeReserved({}))).toBe('0000000000000000');
  });

  it('reads each flag alone, ignoring other bits', () => {
    const reserved = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xef, 0xff, 0xfa);
    expect(reservedFlags(reserved)).toEqual({ extension: false, fast: false, dht: false });
    expect(hasReservedBit(Uint8Array.of(0, 0, 0, 0, 0, 0x10, 0, 0), 'extension')).toBe(true);
    expect(reservedFlags(makeReserved({ fast: true, dht: true }))).toEqual({
      extension: false,
      fast: true,
      dht: true,
    });
  });
});

describe('handshake', () => {
  it('encodes pstrlen 19, "BitTorrent protocol", reserved, info_hash, peer_id', () => {
    const bytes = encodeHandshake(HANDSHAKE);
    expect(bytes.length).toBe(HANDSHAKE_LENGTH);
    expect(bytes[0]).toBe(19);
    expect(new TextDecoder().decode(bytes.subarray(1, 20))).toBe('BitTorrent protocol');
    expect(bytes.subarray(20, 28)).toEqual(HANDSHAKE.reserved);
    expect(bytes.subarray(28, 48)).toEqual(HANDSHAKE.infoHash);
    expect(bytes.subarray(48)).toEqual(HANDSHAKE.peerId);
  });

  it('round-trips, with fields that do not alias the input', () => {
    const bytes = encodeHandshake(HANDSHAKE);
    const decoded = decodeHandshake(bytes);
    expect(decoded).toEqual(HANDSHAKE);
    bytes.fill(0);
    expect(decoded).toEqual(HANDSHAKE);
  });

  it('refuses fields of the wrong size', () => {
    expect(() => encodeHandshake({ ...HANDSHAKE, infoHash: new Uint8Array(32) })).toThrow(
      WireError,
    );
    expect(() => encodeHandshake({ ...HANDSHAKE, peerId: new Uint8Array(19) })).toThrow(WireError);
    expect(() => encodeHandshake({ ...HANDSHAKE, reserved: new Uint8Array(7) })).toThrow(WireError);
  });

  it('rejects a wrong length, pstrlen or protocol name', () => {
    const good = encodeHandshake(HANDSHAKE);
    expect(() => decodeHandshake(good.subarray(0, 67))).toThrow(/68/);
    const pstrlen = good.slice();
    pstrlen[0] = 18;
    expect(() => decodeHandshake(pstrlen)).toThrow(WireError);
    const name = good.slice();
    name[5]! ^= 0x20; // "bitTorrent"
    expect(() => decodeHandshake(name)).toThrow(/BitTorrent protocol/);
  });
});

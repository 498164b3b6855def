import { describe, expect, it } from 'vitest';
import { WireError } from '../errors.ts';
import { LIMITS } from '../limits.ts';
import { mulberry32 } from '../random.ts';
import { WireDecoder, type Decoded, type WireDecoderOptions } from './decoder.ts';
import { decodeExtendedHandshake, encodeExtendedHandshake } from './extension.ts';
import { HANDSHAKE, SAMPLE_MESSAGES, concat, randomCut, sameMessages } from './fixtures/samples.ts';
import { encodeHandshake } from './handshake.ts';
import { decodeDontHave } from './lt-donthave.ts';
import { MESSAGE_ID, encodeMessage, writeUint32, type WireMessage } from './messages.ts';
import { decodeUtMetadata, encodeUtMetadata } from './ut-metadata.ts';

/**
 * Seeded fuzzing: random bytes, random frames and random mutations of valid streams, cut
 * into random chunks. Whatever the input, only WireError may be thrown; what decodes must
 * re-encode to exactly the bytes it came from; and the outcome must not depend on chunking.
 */

type Random = () => number;
const int = (random: Random, n: number): number => Math.floor(random() * n);
const bytes = (random: Random, n: number): Uint8Array =>
  Uint8Array.from({ length: n }, () => int(random, 256));

function reencode(messages: readonly Decoded[]): Uint8Array {
  return concat(
    messages.map((m) => (m.type === 'handshake' ? encodeHandshake(m) : encodeMessage(m))),
  );
}

interface Outcome {
  readonly messages: Decoded[];
  readonly error: WireError | null;
}

/** Decodes `input` in `chunks`; anything thrown other than a WireError fails the test. */
function run(
  input: Uint8Array,
  chunks: readonly Uint8Array[],
  options: WireDecoderOptions,
): Outcome {
  const decoder = new WireDecoder(options);
  const messages: Decoded[] = [];
  for (const chunk of chunks) {
    try {
      messages.push(...decoder.push(chunk));
    } catch (err) {
      if (!(err instanceof WireError)) throw err;
      expect(() => decoder.push(Uint8Array.of(0))).toThrow(err);
      return { messages, error: err };
    }
  }
  // Exact codec: what was decoded is a prefix of the input, byte for byte.
  const again = reencode(messages);
  expect(Buffer.from(input.subarray(0, again.length)).equals(Buffer.from(again))).toBe(true);
  for (const m of messages) {
    if (m.type === 'piece') expect(m.block.length).toBeLessThanOrEqual(LIMITS.maxBlockLength);
  }
  return { messages, error: null };
}

/** Runs `input` in one chunk and in random chunks: both must agree. */
function check(random: Random, input: Uint8Array, options: WireDecoderOptions): Outcome {
  const whole = run(input, [input], options);
  const pieces = run(input, randomCut(input, random, 1 + int(random, 64)), options);
  if (whole.error === null) {
    expect(sameMessages(pieces.messages, whole.messages)).toBe(true);
    expect(pieces.error).toBeNull();
  } else {
    // Chunked, messages completed in earlier chunks survive the error: a superset.
    expect(pieces.error?.message).toBe(whole.error.message);
    expect(sameMessages(pieces.messages.slice(0, whole.messages.length), whole.messages)).toBe(
      true,
    );
  }
  return whole;
}

/** The right payload length of each fixed-size message, by id. */
const FIXED: Partial<Record<number, number>> = { 0: 0, 1: 0, 2: 0, 3: 0, 4: 4, 6: 12, 8: 12, 9: 2 };
Object.assign(FIXED, { 13: 4, 14: 0, 15: 0, 16: 12, 17: 4 });

/** A frame with a length prefix, an id and a payload chosen to probe the checks. */
function randomFrame(random: Random): Uint8Array {
  if (random() < 0.05) return new Uint8Array(4); // keep-alive
  const ids = [...Object.values(MESSAGE_ID), 21, 0xff];
  const id = random() < 0.9 ? ids[int(random, ids.length)]! : int(random, 256);
  const roll = random();
  const payload =
    roll < 0.6
      ? (FIXED[id] ?? int(random, 16))
      : roll < 0.8
        ? int(random, 16)
        : roll < 0.95
          ? int(random, 200)
          : LIMITS.maxBlockLength + int(random, 20) - 10;
  const out = new Uint8Array(5 + payload);
  writeUint32(out, 0, random() < 0.97 ? payload + 1 : int(random, 2 ** 32));
  out[4] = id;
  out.set(bytes(random, payload), 5);
  if (random() < 0.7 && payload >= 12) writeUint32(out, 13, int(random, LIMITS.maxBlockLength + 2));
  if (random() < 0.7 && payload >= 4) writeUint32(out, 5, int(random, 80));
  return out;
}

function randomValidMessage(random: Random): WireMessage {
  const u32 = (): number => (random() < 0.5 ? int(random, 100) : int(random, 2 ** 32));
  const length = (): number => 1 + int(random, LIMITS.maxBlockLength);
  switch (int(random, 8)) {
    case 0:
      return { type: 'have', index: u32() };
    case 1:
      return { type: 'request', index: u32(), begin: u32(), length: length() };
    case 2:
      return {
        type: 'piece',
        index: u32(),
        begin: u32(),
        block: bytes(random, 1 + int(random, 300)),
      };
    case 3:
      return { type: 'bitfield', bytes: bytes(random, int(random, 50)) };
    case 4:
      return { type: 'extended', id: int(random, 256), payload: bytes(random, int(random, 60)) };
    case 5:
      return { type: 'port', port: int(random, 65536) };
    case 6:
      return { type: 'reject', index: u32(), begin: u32(), length: length() };
    default:
      return SAMPLE_MESSAGES[int(random, SAMPLE_MESSAGES.length)]!;
  }
}

function mutate(random: Random, input: Uint8Array): Uint8Array {
  let out: Uint8Array = input.slice();
  for (let k = 1 + int(random, 4); k > 0; k--) {
    const at = int(random, out.length + 1);
    switch (int(random, 6)) {
      case 0: // flip a bit
        if (at < out.length) out[at]! ^= 1 << int(random, 8);
        break;
      case 1: // a random byte
        if (at < out.length) out[at] = int(random, 256);
        break;
      case 2: // insert bytes
        out = concat([out.subarray(0, at), bytes(random, 1 + int(random, 8)), out.subarray(at)]);
        break;
      case 3: // delete bytes
        out = concat([out.subarray(0, at), out.subarray(at + 1 + int(random, 8))]);
        break;
      case 4: // duplicate a range
        out = concat([
          out.subarray(0, at),
          out.subarray(at, at + int(random, 40)),
          out.subarray(at),
        ]);
        break;
      default: // truncate
        out = out.slice(0, at);
    }
  }
  return out;
}

describe('fuzz: WireDecoder', () => {
  it('throws nothing but WireError on random bytes', () => {
    const random = mulberry32(11);
    for (let i = 0; i < 3000; i++) {
      const input = bytes(random, int(random, 300));
      if (i % 2 === 0 && input.length > 0) input[0] = 19; // get past pstrlen sometimes
      check(random, input, { handshake: i % 3 !== 0 });
    }
  });

  it('throws nothing but WireError on random frames, with and without a piece count', () => {
    const random = mulberry32(12);
    const decodedTypes = new Set<string>();
    const errors = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const frames = Array.from({ length: 1 + int(random, 8) }, () => randomFrame(random));
      const options =
        i % 2 === 0 ? { handshake: false } : { handshake: false, pieceCount: int(random, 64) };
      const outcome = check(random, concat(frames), options);
      for (const m of outcome.messages) decodedTypes.add(m.type);
      if (outcome.error) errors.add(outcome.error.what);
    }
    // The generator reaches both sides of the checks: every type decodes, every check fails.
    expect(decodedTypes).toEqual(new Set(SAMPLE_MESSAGES.map((m) => m.type)));
    const checked = SAMPLE_MESSAGES.map((m) => m.type).filter(
      (t) => t !== 'keep-alive' && t !== 'unknown',
    );
    expect(errors).toEqual(new Set([...checked, 'message']));
  });

  it('throws nothing but WireError on mutated valid streams', () => {
    const random = mulberry32(13);
    for (let i = 0; i < 1500; i++) {
      const messages = Array.from({ length: 1 + int(random, 12) }, () =>
        randomValidMessage(random),
      );
      const valid = concat([encodeHandshake(HANDSHAKE), ...messages.map(encodeMessage)]);
      check(random, mutate(random, valid), i % 4 === 0 ? { pieceCount: 1 + int(random, 100) } : {});
    }
  });

  it('round-trips random valid messages in random chunks', () => {
    const random = mulberry32(14);
    for (let i = 0; i < 300; i++) {
      const messages = Array.from({ length: 1 + int(random, 30) }, () =>
        randomValidMessage(random),
      );
      const input = concat(messages.map(encodeMessage));
      const outcome = check(random, input, { handshake: false });
      expect(outcome.error).toBeNull();
      expect(sameMessages(outcome.messages, messages)).toBe(true);
    }
  });
});

describe('fuzz: extension payload decoders', () => {
  const decoders: [string, (payload: Uint8Array) => unknown][] = [
    ['extended handshake', decodeExtendedHandshake],
    ['ut_metadata', decodeUtMetadata],
    ['lt_donthave', decodeDontHave],
  ];
  const seeds = [
    encodeExtendedHandshake({
      extensions: new Map([
        ['ut_metadata', 1],
        ['ut_pex', 2],
      ]),
      client: 'x',
      metadataSize: 20000,
      reqq: 250,
      yourIp: Uint8Array.of(1, 2, 3, 4),
    }),
    encodeUtMetadata({ type: 'request', piece: 1 }),
    encodeUtMetadata({ type: 'data', piece: 1, totalSize: 16400, data: new Uint8Array(16) }),
    new TextEncoder().encode('d1:ald1:bli1eeeee'),
  ];

  it('throw nothing but WireError on random and mutated payloads', () => {
    const random = mulberry32(15);
    for (let i = 0; i < 4000; i++) {
      const input =
        i % 3 === 0
          ? bytes(random, int(random, 64))
          : mutate(random, seeds[int(random, seeds.length)]!);
      for (const [, decode] of decoders) {
        try {
          decode(input);
        } catch (err) {
          if (!(err instanceof WireError)) throw err;
        }
      }
    }
  });
});

/**
 * Minimal types for `bencode` v4 (it ships none). Decoded byte strings are Uint8Arrays;
 * dictionary keys are UTF-8 text (hex when a key is not valid UTF-8).
 */
declare module 'bencode' {
  export type BencodeValue =
    number | Uint8Array | BencodeValue[] | { readonly [key: string]: BencodeValue | undefined };

  /** What `encode` accepts: strings are encoded as UTF-8, booleans as 0/1, null is skipped. */
  export type BencodeInput =
    | number
    | boolean
    | string
    | Uint8Array
    | null
    | undefined
    | readonly BencodeInput[]
    | ReadonlyMap<string | Uint8Array, BencodeInput>
    | { readonly [key: string]: BencodeInput };

  interface Bencode {
    encode(data: BencodeInput): Uint8Array;
    /** Returns null for empty input; throws (or worse) on malformed input: validate first. */
    decode(data: Uint8Array): BencodeValue | null;
    byteLength(data: BencodeInput): number;
    encodingLength(data: BencodeInput): number;
  }

  const bencode: Bencode;
  export default bencode;
}

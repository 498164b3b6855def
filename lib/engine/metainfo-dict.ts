import type { BencodeTree } from './bencode-span.ts';

/** Reading a decoded `.torrent` (bencode-span.ts): dictionaries by exact key bytes. */

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** UTF-8 text of a byte string; invalid sequences become U+FFFD. */
export const decodeUtf8 = (bytes: Uint8Array): string => utf8.decode(bytes);

/** A dictionary of a decoded tree, its values looked up by exact key bytes. */
export class Dict {
  constructor(
    readonly tree: BencodeTree,
    readonly node: number,
  ) {}

  /** The value of key `key` (a binary string: one char per byte), or undefined. */
  get(key: string): number | undefined {
    return this.tree.get(this.node, key);
  }
}

export const dictOf = (tree: BencodeTree, node: number | undefined): Dict | undefined =>
  tree.isDict(node) ? new Dict(tree, node) : undefined;

export const bytesAt = (dict: Dict, key: string): Uint8Array | undefined =>
  dict.tree.bytesOf(dict.get(key));

export const intAt = (dict: Dict, key: string): number | undefined => dict.tree.int(dict.get(key));

/** `<key>.utf-8` when it is a non-empty byte string, else `<key>`. */
export function preferUtf8(dict: Dict, key: string): Uint8Array | undefined {
  const utf = bytesAt(dict, `${key}.utf-8`);
  return utf && utf.length > 0 ? utf : bytesAt(dict, key);
}

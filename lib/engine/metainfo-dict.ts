import type { BencodeTree } from './bencode-span.ts';

/** Reading a decoded `.torrent` (bencode-span.ts): dictionaries by exact key bytes. */

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** UTF-8 text of a byte string; invalid sequences become U+FFFD. */
export const decodeUtf8 = (bytes: Uint8Array): string => utf8.decode(bytes);

/** A dictionary's entries (key bytes as a binary string → node) over its tree. */
export interface Dict {
  readonly tree: BencodeTree;
  readonly entries: ReadonlyMap<string, number>;
}

export const dictOf = (tree: BencodeTree, node: number | undefined): Dict | undefined =>
  tree.isDict(node) ? { tree, entries: tree.entries(node) } : undefined;

export const bytesAt = (dict: Dict, key: string): Uint8Array | undefined =>
  dict.tree.bytesOf(dict.entries.get(key));

export const intAt = (dict: Dict, key: string): number | undefined =>
  dict.tree.int(dict.entries.get(key));

/** `<key>.utf-8` when it is a non-empty byte string, else `<key>`. */
export function preferUtf8(dict: Dict, key: string): Uint8Array | undefined {
  const utf = bytesAt(dict, `${key}.utf-8`);
  return utf && utf.length > 0 ? utf : bytesAt(dict, key);
}

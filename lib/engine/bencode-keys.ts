/**
 * Bencode dictionary keys as bytes, and as other clients read them: the binary string of a
 * span, byte order, and the identity of a key as the `bencode` package (WebTorrent,
 * parse-torrent) decodes it, so that two keys of one dictionary which would read as the same
 * text elsewhere can be refused (bencode-span.ts).
 */

/** The bytes `[start, end)` as a binary string (one UTF-16 unit per byte). */
export function binaryString(bytes: Uint8Array, start: number, end: number): string {
  let out = '';
  if (end - start < 13) {
    // Short (most keys): faster than a subarray, and under 13 characters V8 concatenates
    // into a flat string rather than a chain of cons strings.
    for (let i = start; i < end; i++) out += String.fromCharCode(bytes[i]!);
    return out;
  }
  for (let i = start; i < end; i += 0x2000) {
    const chunk = bytes.subarray(i, Math.min(end, i + 0x2000));
    out += String.fromCharCode.apply(null, chunk as unknown as number[]);
  }
  return out;
}

/** Byte order of `[a, aEnd)` against `[b, bEnd)` (negative: a sorts first). */
export function compareSpans(bytes: Uint8Array, a: number, aEnd: number, b: number, bEnd: number) {
  for (; a < aEnd && b < bEnd; a++, b++) if (bytes[a] !== bytes[b]) return bytes[a]! - bytes[b]!;
  return aEnd - a - (bEnd - b);
}

const HEX = '0123456789abcdef';

/** Whether `bytes[start, end)` is UTF-8 that TextDecoder decodes without a U+FFFD. */
function isCleanUtf8(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end;) {
    const b = bytes[i]!;
    let n: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) [n, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [n, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [n, min] = [3, 0x10000];
    else return false;
    if (i + n >= end) return false;
    let cp = b & (0x3f >> n);
    for (let j = 1; j <= n; j++) {
      const c = bytes[i + j]!;
      if ((c & 0xc0) !== 0x80) return false;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp === 0xfffd) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

/**
 * What a key reads as elsewhere, as a binary string: the `bencode` package (WebTorrent,
 * parse-torrent) decodes keys with TextDecoder, which drops a leading BOM, and uses the hex
 * of the bytes when the text holds a U+FFFD (bad UTF-8). Two keys with the same identity
 * read as the same text there. (UTF-8 is one-to-one, so the bytes stand for the text.)
 */
export function keyIdentity(bytes: Uint8Array, start: number, end: number, raw: string): string {
  let ascii = true;
  for (let i = start; i < end && ascii; i++) ascii = bytes[i]! < 0x80;
  if (ascii) return raw;
  if (isCleanUtf8(bytes, start, end)) {
    const bom = bytes[start] === 0xef && bytes[start + 1] === 0xbb && bytes[start + 2] === 0xbf;
    return bom ? raw.slice(3) : raw;
  }
  let hex = '';
  for (let i = start; i < end; i++) hex += HEX[bytes[i]! >> 4]! + HEX[bytes[i]! & 15]!;
  return hex;
}

/** Whether a key reads as its own bytes elsewhere (ASCII, or UTF-8 without a BOM). */
export function isPlainKey(bytes: Uint8Array, start: number, end: number): boolean {
  let ascii = true;
  for (let i = start; i < end && ascii; i++) ascii = bytes[i]! < 0x80;
  if (ascii) return true;
  const bom = bytes[start] === 0xef && bytes[start + 1] === 0xbb && bytes[start + 2] === 0xbf;
  return !bom && isCleanUtf8(bytes, start, end);
}

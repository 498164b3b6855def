import { toHex } from './bytes.ts';
import { MagnetError } from './errors.ts';
import { LIMITS } from './limits.ts';
import { acceptUrl, decodeUtf8, TRACKER_PROTOCOLS, WEB_SEED_PROTOCOLS } from './metainfo.ts';

/**
 * Magnet links (BEP 9, BEP 53 `so`, BEP 52 `urn:btmh`). Pure: a string in, a Magnet out,
 * or a MagnetError naming the parameter and the reason. Unusable tracker or source URLs
 * are dropped rather than failing the whole link.
 */

export interface Magnet {
  /** Lowercase hex v1 infohash. */
  infoHash: string;
  /** Lowercase hex SHA-256 from `xt=urn:btmh:1220…`. */
  infoHashV2?: string;
  /** `dn`. */
  name?: string;
  /** `tr`: http(s), ws(s) and udp only. */
  trackers: string[];
  /** `ws`: http(s) web seeds. */
  webSeeds: string[];
  /** `xs`: http(s) URLs of the `.torrent` file. */
  exactSources: string[];
  /** `so` (BEP 53), expanded, sorted and deduplicated. */
  selectOnly?: number[];
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 (no padding, any case); undefined if a character is outside the alphabet. */
export function base32Decode(text: string): Uint8Array | undefined {
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let bits = 0;
  let value = 0;
  let n = 0;
  for (const ch of text.toUpperCase()) {
    const digit = BASE32.indexOf(ch);
    if (digit < 0) return undefined;
    value = ((value << 5) | digit) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (value >> bits) & 0xff;
    }
  }
  return out;
}

const encoder = new TextEncoder();

/**
 * Percent-decoding into UTF-8 text that never throws: a `%` not followed by two hex
 * digits stays as it is, and bytes that are not UTF-8 become U+FFFD.
 */
export function percentDecode(text: string, plusIsSpace = false): string {
  if (!text.includes('%') && !(plusIsSpace && text.includes('+'))) return text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length;) {
    const pair = text.slice(i + 1, i + 3);
    if (text[i] === '%' && /^[0-9a-f]{2}$/i.test(pair)) {
      bytes.push(parseInt(pair, 16));
      i += 3;
    } else if (text[i] === '+' && plusIsSpace) {
      bytes.push(0x20);
      i++;
    } else {
      const ch = String.fromCodePoint(text.codePointAt(i) ?? 0xfffd);
      bytes.push(...encoder.encode(ch));
      i += ch.length;
    }
  }
  return decodeUtf8(new Uint8Array(bytes));
}

/** Percent-encodes everything but RFC 3986 unreserved characters (lone surrogates → U+FFFD). */
function percentEncode(text: string): string {
  let out = '';
  for (const b of encoder.encode(text)) {
    const ch = String.fromCharCode(b);
    out += /[A-Za-z0-9\-._~]/.test(ch) ? ch : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function parseBtih(value: string): string {
  if (/^[0-9a-f]{40}$/i.test(value)) return value.toLowerCase();
  const bytes = value.length === 32 ? base32Decode(value) : undefined;
  if (!bytes) throw new MagnetError('xt', 'urn:btih needs 40 hex or 32 base32 characters');
  return toHex(bytes);
}

function parseBtmh(value: string): string {
  // Multihash: 0x12 (SHA-256), 0x20 (32 bytes), then the digest.
  if (!/^1220[0-9a-f]{64}$/i.test(value)) {
    throw new MagnetError('xt', 'urn:btmh needs a SHA-256 multihash (1220 + 64 hex digits)');
  }
  return value.slice(4).toLowerCase();
}

/** Adds the indices of a BEP 53 `so` value (`0,2,4-6`) to `into`. */
function parseSelectOnly(value: string, into: Set<number>, budget: { left: number }): void {
  for (const part of value.split(',')) {
    if (part === '') continue;
    const m = /^(\d{1,9})(?:-(\d{1,9}))?$/.exec(part);
    if (!m) throw new MagnetError('so', `"${part}" is not an index or a range`);
    const first = Number(m[1]);
    const last = m[2] === undefined ? first : Number(m[2]);
    if (last < first) throw new MagnetError('so', `range "${part}" is reversed`);
    if (last >= LIMITS.maxFileCount) {
      throw new MagnetError('so', `index ${last} is beyond ${LIMITS.maxFileCount} files`);
    }
    budget.left -= last - first + 1;
    if (budget.left < 0) throw new MagnetError('so', `selects more than ${LIMITS.maxFileCount}`);
    for (let i = first; i <= last; i++) into.add(i);
  }
}

function addUrl(list: string[], raw: string, protocols: readonly string[], max: number): void {
  const url = acceptUrl(percentDecode(raw), protocols);
  if (url !== undefined && list.length < max && !list.includes(url)) list.push(url);
}

/** Parses a magnet URI; at least one `xt=urn:btih:` is required. */
export function parseMagnet(uri: string): Magnet {
  if (uri.length > LIMITS.maxMagnetLength) {
    throw new MagnetError('uri', `longer than ${LIMITS.maxMagnetLength} characters`);
  }
  const text = uri.trim();
  if (!/^magnet:\?/i.test(text)) throw new MagnetError('uri', 'does not start with "magnet:?"');

  let infoHash: string | undefined;
  let infoHashV2: string | undefined;
  let name: string | undefined;
  const trackers: string[] = [];
  const webSeeds: string[] = [];
  const exactSources: string[] = [];
  const selected = new Set<number>();
  const budget = { left: LIMITS.maxFileCount };

  for (const param of text.slice('magnet:?'.length).split('&')) {
    const eq = param.indexOf('=');
    if (eq <= 0) continue;
    // `tr.1=`, `xt.2=`: BEP 9 numbered keys mean the same as the plain ones.
    const key = param
      .slice(0, eq)
      .toLowerCase()
      .replace(/\.\d+$/, '');
    const raw = param.slice(eq + 1);
    if (key === 'xt') {
      const value = percentDecode(raw).trim();
      const scheme = value.slice(0, 9).toLowerCase();
      if (scheme === 'urn:btih:') {
        const hash = parseBtih(value.slice(9));
        if (infoHash !== undefined && infoHash !== hash) {
          throw new MagnetError('xt', 'two different urn:btih infohashes');
        }
        infoHash = hash;
      } else if (scheme === 'urn:btmh:') {
        infoHashV2 ??= parseBtmh(value.slice(9));
      }
    } else if (key === 'dn') {
      name ??= percentDecode(raw, true) || undefined;
    } else if (key === 'tr') {
      addUrl(trackers, raw, TRACKER_PROTOCOLS, LIMITS.maxTrackers);
    } else if (key === 'ws') {
      addUrl(webSeeds, raw, WEB_SEED_PROTOCOLS, LIMITS.maxWebSeeds);
    } else if (key === 'xs') {
      addUrl(exactSources, raw, WEB_SEED_PROTOCOLS, LIMITS.maxWebSeeds);
    } else if (key === 'so') {
      parseSelectOnly(percentDecode(raw), selected, budget);
    }
  }

  if (infoHash === undefined) {
    if (infoHashV2 !== undefined) {
      throw new MagnetError(
        'xt',
        'this is a BitTorrent v2-only link (urn:btmh only), which no WebTorrent peer can ' +
          'share: Swarmlink opens v1 and hybrid v1/v2 torrents',
      );
    }
    throw new MagnetError('xt', 'missing urn:btih infohash');
  }
  const magnet: Magnet = { infoHash, trackers, webSeeds, exactSources };
  if (infoHashV2 !== undefined) magnet.infoHashV2 = infoHashV2;
  if (name !== undefined) magnet.name = name;
  if (selected.size > 0) magnet.selectOnly = [...selected].sort((a, b) => a - b);
  return magnet;
}

/** Builds a magnet URI (`xt`, then `dn`, `tr`, `ws`), every value percent-encoded. */
export function toMagnet(m: {
  infoHash: string;
  name?: string;
  trackers?: string[];
  webSeeds?: string[];
}): string {
  if (!/^[0-9a-f]{40}$/i.test(m.infoHash)) {
    throw new MagnetError('infoHash', 'needs 40 hex characters');
  }
  const params = [`xt=urn:btih:${m.infoHash.toLowerCase()}`];
  if (m.name) params.push(`dn=${percentEncode(m.name)}`);
  for (const url of m.trackers ?? []) params.push(`tr=${percentEncode(url)}`);
  for (const url of m.webSeeds ?? []) params.push(`ws=${percentEncode(url)}`);
  return `magnet:?${params.join('&')}`;
}

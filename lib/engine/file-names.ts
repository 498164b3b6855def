/**
 * One path component made into a name Chromium's downloads API accepts (design.md, "Facts
 * about Chromium's downloads API" and "Saving"); save-paths.ts puts them together.
 *
 * Chromium's check (net::IsSafePortablePathComponent and base::i18n::IsFilenameLegal)
 * refuses, in any component:
 * - the characters `" * / : < > ? \ |`, controls (Cc: C0, DEL, C1), format characters
 *   (Cf: zero-width, bidi controls, soft hyphen, BOM, tag characters…) and the Unicode
 *   non-characters; lone surrogates are not text at all;
 * - white space, `.` or `~` at either end (so also `.`, `..`, hidden names);
 * - Windows device names, bare or followed by `.` (`CON`, `con.txt`, `AUX.tar.gz`),
 *   and `desktop.ini`, `thumbs.db`;
 * - the extensions `.lnk`, `.local` and `.{CLSID}`;
 * - on Windows, a name of at most 12 characters with a `~` that could be an 8.3 short
 *   name (`PROGRA~1`, `FOO~1.TXT`).
 * Names over about 244 bytes are accepted by the call and then fail.
 *
 * Everything here is a pure function of its input: the same torrent always saves under the
 * same paths, on every platform.
 */

/** Longest component written, in UTF-8 bytes (Chromium fails above ~244, see design.md). */
export const MAX_COMPONENT_BYTES = 200;
/** Longest extension kept when a component is shortened, in UTF-8 bytes, dot included. */
export const MAX_EXTENSION_BYTES = 16;
/**
 * The shortest a component is ever cut to (deep in a long path): room for a stem, a
 * ` (99999)` and the longest extension kept.
 */
export const MIN_COMPONENT_BYTES = 64;

/** What replaces every refused character, and what is added to refused names. */
const REPLACEMENT = '_';

/**
 * Characters Chromium refuses anywhere: `"*:<>?|`, both slashes, Cc, Cf, non-characters,
 * plus lone surrogates (the `u` flag matches an unpaired surrogate as `\p{Cs}`).
 * The zero-width and bidi controls of design.md (U+200B–U+200F, U+202A–U+202E,
 * U+2066–U+2069, U+FEFF, U+061C, U+180E) are all Cf. U+2060–U+206F is refused whole: its
 * unassigned code points (U+2065) are not Cf to this engine's Unicode but sit among the
 * invisible operators and bidi controls, and a Chromium with other Unicode data may refuse
 * them (found by npm run fuzz, fixtures/reproducers.ts).
 */
const REFUSED_CHARS = /["*/:<>?\\|\p{Cc}\p{Cf}\p{Cs}\p{Noncharacter_Code_Point}\u2060-\u206f]/gu;
/** Characters Chromium refuses at either end of a component. */
const REFUSED_AT_ENDS = /[\p{White_Space}.~]/u;
/**
 * Windows device names, compared case-insensitively on the part before the first dot
 * (Windows ignores spaces before that dot). Chromium's own list is CON, PRN, AUX, NUL,
 * COM1–9, LPT1–9 and CLOCK$; Windows also reserves COM0, LPT0, the superscript-digit ports
 * and CONIN$/CONOUT$, so those are avoided too.
 */
const DEVICE_NAME = /^(?:con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$|clock\$) *$/;
/** Names the Windows shell gives a meaning to. */
const SHELL_NAMES = new Set(['desktop.ini', 'thumbs.db']);
/**
 * Characters that cannot occur in an 8.3 short name (Chromium's set, with `[` and `]`
 * left out, which only makes the check stricter).
 */
const NOT_IN_SHORT_NAME = /[\p{White_Space}"\\/:+|<>=;?,*]/u;
/** Last parts of a two-part extension, as Chromium's FilePath treats them (`.tar.gz`). */
const DOUBLE_EXTENSION_SUFFIXES = new Set(['.gz', '.xz', '.bz2', '.z', '.bz', '.zst']);
const WHITE_SPACE = /\p{White_Space}/u;
/** Printable ASCII, where case folding is toLowerCase and normalization does nothing. */
const ASCII = /^[ -~]*$/;
/** Enough for every rule to settle; reaching it would be a bug. */
const MAX_PASSES = 8;

/** UTF-8 length of `s` (a lone surrogate counts 3, as WTF-8 would write it). */
export function utf8Length(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (isHighSurrogate(c) && isLowSurrogate(s.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** The longest prefix of `s` of at most `maxBytes` UTF-8 bytes, cut between code points. */
function truncateUtf8(s: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const ch of s) {
    const n = utf8Length(ch);
    if (bytes + n > maxBytes) break;
    bytes += n;
    end += ch.length;
  }
  return s.slice(0, end);
}

/**
 * Splits `name` into stem and extension (dot included), the extension being the last
 * `.xxx`, or a two-part one such as `.tar.gz`, when it has no white space and is at most
 * MAX_EXTENSION_BYTES. A name starting with its only dot, or ending with a dot, has none.
 */
export function splitExtension(name: string): [stem: string, ext: string] {
  const last = name.lastIndexOf('.');
  if (last <= 0 || last === name.length - 1) return [name, ''];
  const ext = name.slice(last);
  if (WHITE_SPACE.test(ext) || utf8Length(ext) > MAX_EXTENSION_BYTES) return [name, ''];
  const double = doubleExtensionStart(name, last);
  if (double >= 0) return [name.slice(0, double), name.slice(double)];
  return [name.slice(0, last), ext];
}

/** Where a two-part extension (`.tar.gz`) ending at dot `last` starts, or -1. */
function doubleExtensionStart(name: string, last: number): number {
  if (!DOUBLE_EXTENSION_SUFFIXES.has(name.slice(last).toLowerCase())) return -1;
  const penultimate = name.lastIndexOf('.', last - 1);
  const innerLength = last - penultimate - 1;
  if (penultimate <= 0 || innerLength < 1 || innerLength > 4) return -1;
  const ext = name.slice(penultimate);
  if (WHITE_SPACE.test(ext) || utf8Length(ext) > MAX_EXTENSION_BYTES) return -1;
  return penultimate;
}

/** Refused characters become `_`. */
function replaceRefusedChars(s: string): string {
  return s.replace(REFUSED_CHARS, REPLACEMENT);
}

/** Shortened to `max` bytes, keeping the extension. */
function shorten(s: string, max: number): string {
  if (utf8Length(s) <= max) return s;
  const [stem, ext] = splitExtension(s);
  return truncateUtf8(stem, max - utf8Length(ext)) + ext;
}

/**
 * A white space, `.` or `~` at either end is replaced by `_` (`.` → `_`, `..` → `__`).
 * All of these are single UTF-16 units, so looking at the first and last unit is enough.
 */
function fixEnds(s: string): string {
  let out = s;
  if (REFUSED_AT_ENDS.test(out.charAt(0))) out = REPLACEMENT + out.slice(1);
  if (REFUSED_AT_ENDS.test(out.charAt(out.length - 1))) out = out.slice(0, -1) + REPLACEMENT;
  return out;
}

/** Whether Windows (and Chromium) reserve `s`: a device name, or a shell file name. */
export function isReservedName(s: string): boolean {
  const lower = s.toLowerCase();
  const dot = lower.indexOf('.');
  const base = dot < 0 ? lower : lower.slice(0, dot);
  return DEVICE_NAME.test(base) || SHELL_NAMES.has(lower);
}

/** Whether the final extension is one the Windows shell acts on: `.lnk`, `.local`, `.{…}`. */
export function hasShellExtension(s: string): boolean {
  const dot = s.lastIndexOf('.');
  if (dot < 0) return false;
  const ext = s.slice(dot + 1).toLowerCase();
  return ext === 'lnk' || ext === 'local' || (ext.startsWith('{') && ext.endsWith('}'));
}

/**
 * `s` with `_` appended, the part before its final dot shortened if needed to stay within
 * MAX_COMPONENT_BYTES (an extension such as `.{…}` may be longer than shorten() keeps, and
 * cutting the `_` off again would never settle).
 */
function appendToExtension(s: string, max: number): string {
  const out = s + REPLACEMENT;
  if (utf8Length(out) <= max) return out;
  const dot = s.lastIndexOf('.');
  const ext = out.slice(dot);
  return truncateUtf8(s.slice(0, dot), max - utf8Length(ext)) + ext;
}

/** Whether `s` has a `~` and could be a Windows 8.3 short name (Chromium refuses it there). */
export function couldBeShortNameWithTilde(s: string): boolean {
  if (s.length > 12 || !s.includes('~') || NOT_IN_SHORT_NAME.test(s)) return false;
  const dot = s.indexOf('.');
  if (dot < 0) return s.length <= 8;
  if (dot !== s.lastIndexOf('.')) return false;
  return dot > 0 && dot <= 8 && dot + 4 >= s.length;
}

/**
 * ASCII letters, digits and punctuation no rule is about, not at an end where a rule looks:
 * such a name (most names) is accepted as it is, without the full rules (Unicode classes).
 * `~` and `{` `}` are left to them (short names, `.{CLSID}`).
 */
const PLAIN =
  /^[A-Za-z0-9_\-(),'+=&#!@%$;[\]^]([A-Za-z0-9_\-(),'+=&#!@%$;[\]^ .]*[A-Za-z0-9_\-(),'+=&#!@%$;[\]^])?$/;

/** First letters of the reserved names (device names, desktop.ini, thumbs.db). */
const RESERVED_FIRST = /^[acdlnpt]/i;

function isPlainName(s: string): boolean {
  if (!PLAIN.test(s)) return false;
  if (RESERVED_FIRST.test(s) && isReservedName(s)) return false;
  return !s.includes('.') || !hasShellExtension(s);
}

/** One pass of every rule; applied until nothing changes. */
function sanitizePass(input: string, max: number): string {
  let s = replaceRefusedChars(input);
  if (s === '') return REPLACEMENT;
  s = fixEnds(shorten(s, max));
  if (isReservedName(s)) s = REPLACEMENT + s;
  if (hasShellExtension(s)) s = appendToExtension(s, max);
  if (couldBeShortNameWithTilde(s)) s = s.replaceAll('~', REPLACEMENT);
  return s;
}

/**
 * One path component made into a name Chromium's downloads API accepts. A name it already
 * accepts is returned unchanged. Otherwise: refused characters become `_`; an empty name
 * becomes `_`; a white space, `.` or `~` at either end is replaced by `_` (`.` → `_`,
 * `..` → `__`, `.bashrc` → `_bashrc`); a reserved name gets a `_` prefix (`con.txt` →
 * `_con.txt`, `desktop.ini` → `_desktop.ini`); a `.lnk`, `.local` or `.{…}` extension gets
 * a `_` appended (`x.lnk` → `x.lnk_`); a possible 8.3 short name has its `~` replaced
 * (`FOO~1.TXT` → `FOO_1.TXT`); a name over MAX_COMPONENT_BYTES is cut on a code point
 * boundary, keeping its extension (`max`, at least MIN_COMPONENT_BYTES, makes it shorter).
 */
export function sanitizeComponent(s: string, max: number = MAX_COMPONENT_BYTES): string {
  if (s.length <= max && isPlainName(s)) return s;
  let current = s;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const next = sanitizePass(current, max);
    if (next === current) return next;
    current = next;
  }
  throw new Error(`sanitizeComponent did not settle on ${JSON.stringify(s)}`);
}

/**
 * The key two names share if a file system could take them for one: Windows and macOS
 * ignore case, macOS ignores normalization. Folding through upper case as well makes
 * `ΑΣ`/`ασ` (equal on NTFS) and `ß`/`SS` collide; a name too many only costs a ` (2)`.
 */
export function collisionKey(name: string): string {
  if (ASCII.test(name)) return name.toLowerCase();
  const lower = name.normalize('NFC').toLowerCase();
  return lower.toUpperCase().toLowerCase().normalize('NFC');
}

/** `name` with ` (n)` inserted before its extension, shortened to `max`, and sanitized. */
export function numberedName(name: string, n: number, max: number): string {
  const [stem, ext] = splitExtension(name);
  const suffix = ` (${n})`;
  const room = max - utf8Length(suffix) - utf8Length(ext);
  return sanitizeComponent(truncateUtf8(stem, room) + suffix + ext, max);
}

/**
 * Every limit the engine enforces on untrusted input, in one place.
 */
export const LIMITS = {
  /** Largest `.torrent` file accepted, in bytes. */
  maxTorrentFileBytes: 16 * 1024 * 1024,
  /** Largest total content size, in bytes (1 TiB). */
  maxTotalLength: 2 ** 40,
  /** Largest single file, in bytes. */
  maxFileLength: 2 ** 40,
  /** Most pieces in one torrent. */
  maxPieceCount: 4_194_304,
  /** Smallest and largest piece length (powers of two are not required by BEP 3 for v1). */
  minPieceLength: 16 * 1024,
  maxPieceLength: 64 * 1024 * 1024,
  /** Most files in one torrent (pad files included). */
  maxFileCount: 100_000,
  /** Deepest path inside a torrent (components). */
  maxPathDepth: 64,
  /** Longest single path component from a torrent, in bytes (before sanitizing). */
  maxPathComponentBytes: 1024,
  /** Most trackers and web seeds kept from one torrent or magnet. */
  maxTrackers: 200,
  maxWebSeeds: 50,
  /** Longest URL accepted for a tracker or web seed. */
  maxUrlLength: 2048,
  /**
   * Deepest nesting of bencoded lists and dictionaries. A v2 `file tree` nests one
   * dictionary per path component, so this stays well above `maxPathDepth`.
   */
  maxBencodeDepth: 128,
  /** Longest magnet URI accepted, in characters. */
  maxMagnetLength: 64 * 1024,
} as const;

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
  /**
   * Most values (dictionary keys included) in one `.torrent`, and most items in one list or
   * entries in one dictionary: what the decoder may build is bounded whatever the input
   * (16 MiB of `0:` would otherwise be 8 million values). A torrent of 100,000 files takes
   * about 10 values a file, and its `files` list 100,000 items.
   */
  maxBencodeValues: 3_000_000,
  maxBencodeItems: 200_000,
  /** Most path components over all the files of one torrent. */
  maxPathComponents: 500_000,
  /** Longest magnet URI accepted, in characters. */
  maxMagnetLength: 64 * 1024,
  /**
   * Peer wire (BEP 3, 6, 9, 10): caps on what a peer may send. See lib/engine/wire/.
   * Longest block we request, serve or accept in a `piece` (BEP 3 advises 16 KiB; every
   * WebTorrent request is 16 KiB or the tail of a piece).
   */
  maxBlockLength: 16 * 1024,
  /** Longest extended-message payload (BEP 10), after its one-byte extension id. */
  maxExtendedMessageLength: 64 * 1024,
  /** Largest info dictionary fetched with ut_metadata (BEP 9); WebTorrent takes 10 MB. */
  maxMetadataSize: 8 * 1024 * 1024,
  /**
   * Requests a peer may have queued with us, advertised as `reqq` in our extended handshake.
   * WebTorrent sends no `reqq` but honours ours (its pipeline otherwise grows with speed:
   * 2 + speed × 1 s ÷ 16 KiB requests).
   */
  maxQueuedRequestsPerPeer: 250,
  /** Deepest nesting and most values in a bencoded wire payload (extended handshake, BEP 9). */
  maxWireBencodeDepth: 8,
  maxWireBencodeItems: 1024,
  /** Longest WebSocket tracker frame accepted, in characters (bigger ones are ignored). */
  maxTrackerFrameLength: 256 * 1024,
  /** Longest SDP accepted in a relayed WebRTC offer or answer, in characters. */
  maxTrackerSdpLength: 64 * 1024,
  /** Longest tracker `failure reason`, `warning message` or `tracker id` kept, in characters. */
  maxTrackerTextLength: 1024,
  /** Most relayed offers handed to one torrent per minute by one tracker (the rest are dropped). */
  maxTrackerOffersInPerMinute: 60,
  /** Bounds on a tracker's announce `interval`: shorter or longer ones are clamped. */
  minTrackerIntervalMs: 15_000,
  maxTrackerIntervalMs: 60 * 60 * 1000,
  /**
   * WebRTC (lib/engine/rtc). Non-trickle: how long an offer or answer waits for ICE gathering
   * to complete before it goes out with the candidates found so far (simple-peer: 5 s).
   */
  rtcIceGatherTimeoutMs: 5_000,
  /** From an answer given or taken to an open data channel; past it the connection is closed. */
  rtcConnectTimeoutMs: 15_000,
  /** Backstop: an offer with no answer by then is closed (the tracker drops it after 50 s). */
  rtcOfferTimeoutMs: 60_000,
  /**
   * Largest data-channel message we send, never above the peer's `a=max-message-size`.
   * Measured (lib/engine/rtc/NOTES.md): 16 KiB ≈ 10% slower, 256 KiB within noise of 64 KiB.
   */
  rtcMaxMessageBytes: 64 * 1024,
  /** Bytes buffered (ours + the channel's) at which a transport stops being writable. */
  rtcHighWaterBytes: 1024 * 1024,
  /** Buffered bytes at or below which a transport that was not writable says `drain`. */
  rtcLowWaterBytes: 256 * 1024,
  /** Where the channel has no `bufferedamountlow` event (@roamhq/wrtc): how often to poll. */
  rtcDrainPollMs: 5,
  /** Received bytes held while nobody reads (no `ondata` yet); past it the channel is closed. */
  rtcMaxUnreadBytes: 4 * 1024 * 1024,
  /** How long closing an answer waits for a data channel the peer has already opened. */
  rtcCloseGraceMs: 1_000,
} as const;

/**
 * The WebTorrent WebSocket tracker protocol (bittorrent-tracker 11): JSON text frames in
 * which `info_hash`, `peer_id` and `offer_id` are 20-byte binary strings (one char per
 * byte). Typed encoders for what we send; strict parsing of what the (untrusted) tracker
 * sends, which never throws.
 */
import { LIMITS } from '../limits.ts';

/** A 20-byte id (info hash, peer id, offer id) as the tracker's JSON carries it. */
export type BinaryId = string;

export interface OfferDescription {
  type: 'offer';
  sdp: string;
}

export interface AnswerDescription {
  type: 'answer';
  sdp: string;
}

/** BEP 3 announce events; none is a regular (`update`) announce. */
export type AnnounceEvent = 'started' | 'stopped' | 'completed';

export interface AnnounceRequest {
  infoHash: BinaryId;
  peerId: BinaryId;
  uploaded: number;
  downloaded: number;
  /** Bytes still wanted; undefined when unknown (the tracker then counts us a leecher). */
  left?: number;
  event?: AnnounceEvent;
  trackerId?: string;
  /** Not sent with `stopped` or `completed` (WebTorrent doesn't either). */
  offers?: { offerId: BinaryId; offer: OfferDescription }[];
}

export interface AnswerRequest {
  infoHash: BinaryId;
  peerId: BinaryId;
  toPeerId: BinaryId;
  offerId: BinaryId;
  answer: AnswerDescription;
  trackerId?: string;
}

export interface ScrapeCounts {
  complete: number;
  incomplete: number;
  downloaded: number;
}

/** An `announce` frame: a response to our announce, a relayed offer or a relayed answer. */
export interface AnnounceMessage {
  action: 'announce';
  infoHash: BinaryId;
  /** The sender of a relayed offer or answer (absent in plain responses). */
  peerId?: BinaryId;
  failure?: string;
  warning?: string;
  /** Seconds. */
  interval?: number;
  minInterval?: number;
  trackerId?: string;
  complete?: number;
  incomplete?: number;
  offer?: { offerId: BinaryId; offer: OfferDescription };
  answer?: { offerId: BinaryId; answer: AnswerDescription };
}

export interface ScrapeMessage {
  action: 'scrape';
  files: Map<BinaryId, ScrapeCounts>;
  failure?: string;
  warning?: string;
}

/** A failure with no action: bittorrent-tracker's reply to a request it could not parse. */
export interface TrackerFailureMessage {
  action: undefined;
  failure: string;
}

export type TrackerMessage = AnnounceMessage | ScrapeMessage | TrackerFailureMessage;

export type ParseResult = { ok: true; message: TrackerMessage } | { ok: false; reason: string };

// --- ids ---------------------------------------------------------------------------

export function isBinaryId(value: unknown): value is BinaryId {
  if (typeof value !== 'string' || value.length !== 20) return false;
  for (let i = 0; i < 20; i++) if (value.charCodeAt(i) > 0xff) return false;
  return true;
}

/** Bytes to a binary string (one char per byte). */
export function bytesToBinary(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += String.fromCharCode(b);
  return out;
}

/** A binary string to bytes; throws RangeError on a char above 0xFF. */
export function binaryToBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) throw new RangeError(`not a binary string (char ${i} is ${c})`);
    out[i] = c;
  }
  return out;
}

/** A fresh random 20-byte id (e.g. an offer id) from a uniform [0, 1) source. */
export function randomId(random: () => number): Uint8Array {
  const out = new Uint8Array(20);
  for (let i = 0; i < 20; i++) out[i] = Math.floor(random() * 256) & 0xff;
  return out;
}

// --- encoding ----------------------------------------------------------------------

export function encodeAnnounce(r: AnnounceRequest): string {
  const offers = r.event === 'stopped' || r.event === 'completed' ? undefined : (r.offers ?? []);
  return JSON.stringify({
    action: 'announce',
    info_hash: r.infoHash,
    peer_id: r.peerId,
    // bittorrent-tracker ignores numwant and hands out one peer per offer.
    numwant: offers?.length ?? 0,
    uploaded: r.uploaded,
    downloaded: r.downloaded,
    // Omitted when unknown: the server reads a missing `left` as Infinity (a leecher).
    ...(Number.isFinite(r.left) ? { left: r.left } : {}),
    ...(r.event ? { event: r.event } : {}),
    ...(r.trackerId !== undefined ? { trackerid: r.trackerId } : {}),
    ...(offers ? { offers: offers.map((o) => ({ offer: o.offer, offer_id: o.offerId })) } : {}),
  });
}

export function encodeAnswer(r: AnswerRequest): string {
  return JSON.stringify({
    action: 'announce',
    info_hash: r.infoHash,
    peer_id: r.peerId,
    to_peer_id: r.toPeerId,
    answer: r.answer,
    offer_id: r.offerId,
    ...(r.trackerId !== undefined ? { trackerid: r.trackerId } : {}),
  });
}

/** One info hash goes as a string (as WebTorrent sends it), several as an array. */
export function encodeScrape(infoHashes: readonly BinaryId[]): string {
  return JSON.stringify({
    action: 'scrape',
    info_hash: infoHashes.length === 1 ? infoHashes[0] : infoHashes,
  });
}

// --- parsing -----------------------------------------------------------------------

class Invalid extends Error {}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `null` counts as absent: some trackers send it for fields they don't fill in. */
function get(o: Json, key: string): unknown {
  return Object.hasOwn(o, key) && o[key] !== null ? o[key] : undefined;
}

function text(o: Json, key: string): string | undefined {
  const v = get(o, key);
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new Invalid(`\`${key}\` is not a string`);
  return v.length > LIMITS.maxTrackerTextLength ? v.slice(0, LIMITS.maxTrackerTextLength) : v;
}

function count(o: Json, key: string): number | undefined {
  const v = get(o, key);
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new Invalid(`\`${key}\` is not a count`);
  }
  return v;
}

function seconds(o: Json, key: string): number | undefined {
  const v = get(o, key);
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new Invalid(`\`${key}\` is not a number of seconds`);
  }
  return v;
}

function binaryId(o: Json, key: string, required: true): BinaryId;
function binaryId(o: Json, key: string, required: false): BinaryId | undefined;
function binaryId(o: Json, key: string, required: boolean): BinaryId | undefined {
  const v = get(o, key);
  if (v === undefined && !required) return undefined;
  if (!isBinaryId(v)) throw new Invalid(`\`${key}\` is not a 20-byte binary string`);
  return v;
}

function description<T extends 'offer' | 'answer'>(v: unknown, type: T): { type: T; sdp: string } {
  if (!isObject(v) || v.type !== type || typeof v.sdp !== 'string') {
    throw new Invalid(`\`${type}\` is not an ${type} description`);
  }
  if (v.sdp.length > LIMITS.maxTrackerSdpLength) throw new Invalid(`\`${type}\` SDP is too long`);
  return { type, sdp: v.sdp };
}

function parseAnnounce(o: Json): AnnounceMessage {
  const msg: AnnounceMessage = {
    action: 'announce',
    infoHash: binaryId(o, 'info_hash', true),
    peerId: binaryId(o, 'peer_id', false),
    failure: text(o, 'failure reason'),
    warning: text(o, 'warning message'),
    interval: seconds(o, 'interval'),
    minInterval: seconds(o, 'min interval'),
    // WebTorrent reads `tracker id` (BEP 3's key); accept the request's spelling too.
    trackerId: text(o, 'tracker id') ?? text(o, 'trackerid'),
    complete: count(o, 'complete'),
    incomplete: count(o, 'incomplete'),
  };
  const offer = get(o, 'offer');
  const answer = get(o, 'answer');
  if (offer !== undefined && answer !== undefined) throw new Invalid('both `offer` and `answer`');
  if (offer !== undefined || answer !== undefined) {
    if (msg.peerId === undefined) throw new Invalid('relayed signal without `peer_id`');
    const offerId = binaryId(o, 'offer_id', true);
    if (offer !== undefined) msg.offer = { offerId, offer: description(offer, 'offer') };
    else msg.answer = { offerId, answer: description(answer, 'answer') };
  }
  return msg;
}

function parseScrape(o: Json): ScrapeMessage {
  const failure = text(o, 'failure reason');
  const msg: ScrapeMessage = {
    action: 'scrape',
    files: new Map(),
    failure,
    warning: text(o, 'warning message'),
  };
  const files = get(o, 'files') ?? {};
  if (!isObject(files)) throw new Invalid('`files` is not a dictionary');
  for (const [hash, entry] of Object.entries(files)) {
    if (!isBinaryId(hash)) throw new Invalid('`files` key is not a 20-byte binary string');
    if (!isObject(entry)) throw new Invalid('`files` entry is not a dictionary');
    msg.files.set(hash, {
      complete: count(entry, 'complete') ?? 0,
      incomplete: count(entry, 'incomplete') ?? 0,
      downloaded: count(entry, 'downloaded') ?? 0,
    });
  }
  if (msg.files.size === 0 && failure === undefined) throw new Invalid('scrape without `files`');
  return msg;
}

/** Parses one frame from the tracker. Never throws: a bad frame is `{ ok: false, reason }`. */
export function parseTrackerMessage(data: unknown): ParseResult {
  if (typeof data !== 'string') return { ok: false, reason: 'binary frame' };
  if (data.length > LIMITS.maxTrackerFrameLength) return { ok: false, reason: 'frame too long' };
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return { ok: false, reason: 'frame is not JSON' };
  }
  if (!isObject(json)) return { ok: false, reason: 'frame is not a JSON object' };
  try {
    const action = get(json, 'action');
    const failure = text(json, 'failure reason');
    // A failure without an info hash cannot be routed: it is about the whole tracker.
    const unroutable = action === undefined || get(json, 'info_hash') === undefined;
    if (action !== 'scrape' && unroutable && failure !== undefined) {
      return { ok: true, message: { action: undefined, failure } };
    }
    if (action === 'announce') return { ok: true, message: parseAnnounce(json) };
    if (action === 'scrape') return { ok: true, message: parseScrape(json) };
    return { ok: false, reason: `unknown action ${String(JSON.stringify(action)).slice(0, 40)}` };
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, reason: err.message };
    throw err;
  }
}

/**
 * A source of pieces: a web seed (BEP 19) or a wire peer. The torrent holds sources, the
 * picker decides for all of them, and every piece a source delivers is verified the same
 * way. A source emits these events; the torrent listens to each the same way.
 */
import type { Emitter } from '../emitter.ts';
import type { Problem } from '../errors.ts';
import type { Have } from '../picker.ts';

export type SourceKind = 'webseed' | 'peer';

export type SourceState =
  | 'connecting' // a peer's handshake is under way
  | 'active' // fetching (a web seed), or connected (a peer)
  | 'idle' // nothing to fetch from it now
  | 'retrying' // a web seed backing off after a failure
  | 'failed' // for good, with `error`
  | 'stopped'; // destroyed

export interface SourceView {
  id: string;
  kind: SourceKind;
  /** A web seed's URL, a peer's address or id. */
  url: string;
  state: SourceState;
  error?: string;
  /** What `error` is about, for the user's words. */
  problem?: Problem;
  /** Bytes per second received from it lately. */
  downloadRate: number;
  /** Bytes per second sent to it lately (peers). */
  uploadRate: number;
  /** Piece bytes received from it, and sent to it, since it was added. */
  downloadedBytes: number;
  uploadedBytes: number;
  /** Whether it has every piece (a web seed, a seeding peer). */
  seed: boolean;
}

export type SourceEvents = {
  state: [SourceState];
  /** Bytes of piece data received from it. */
  bytes: [number];
  /** It gave back pieces it had reserved (for other sources to take). */
  released: [count: number];
  /** What it has changed (a peer's bitfield, have, have_all). */
  have: [];
};

export interface Source extends Emitter<SourceEvents> {
  readonly id: string;
  readonly kind: SourceKind;
  /** What it has: every piece (a web seed), or a peer's bitfield. */
  readonly has: Have;
  readonly state: SourceState;
  readonly error: Error | null;
  /** Starts (again) taking work from the picker. */
  start(): void;
  /** Stops for good: gives back every reservation, releases timers and connections. */
  destroy(): void;
  view(): SourceView;
}

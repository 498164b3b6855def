/**
 * One peer wire session over any byte transport (a WebRTC data channel, or an in-memory
 * pair in tests): our handshake goes out at once (on WebRTC both sides send first, as
 * WebTorrent does), the peer's is checked against the torrent's infohash, then the BEP 10
 * extended handshakes are exchanged and every later message comes out as a typed event.
 * Keeps the connection alive (keep-alive after 60 s without sending) and drops a peer that
 * sends nothing for 2½ minutes, or breaks the protocol (a WireError), or over-long messages.
 */
import type { Clock } from '../deps.ts';
import { Emitter } from '../emitter.ts';
import { WireError, errorMessage } from '../errors.ts';
import { equalBytes } from '../bytes.ts';
import { LIMITS } from '../limits.ts';
import { WireDecoder, maxMessageLengthFor } from './decoder.ts';
import {
  EXTENDED_HANDSHAKE_ID,
  decodeExtendedHandshake,
  extendedHandshakeMessage,
  type ExtendedHandshake,
} from './extension.ts';
import { encodeHandshake, hasReservedBit, makeReserved, type Handshake } from './handshake.ts';
import { encodeMessage, encodePieceHeader, type WireMessage } from './messages.ts';

/** The byte stream under a wire (ChannelTransport fits it). */
export interface PeerTransport {
  send(bytes: Uint8Array): boolean;
  readonly writable: boolean;
  ondata: ((bytes: Uint8Array) => void) | null;
  ondrain: (() => void) | null;
  /** Checked bivariantly, so a transport whose errors are a subclass (RtcError) fits. */
  onclose: { bivariant(error: Error | null): void }['bivariant'] | null;
  close(): void;
}

export const KEEP_ALIVE_MS = 60_000;
/** Nothing received for this long: the peer is gone. */
export const IDLE_TIMEOUT_MS = 150_000;
/** The peer's handshake must come within this. */
export const HANDSHAKE_TIMEOUT_MS = 25_000;

export type PeerWireEvents = {
  /** The peer's handshake arrived and matched (its extended handshake may follow). */
  handshake: [peer: Handshake];
  /** The peer's extended handshake (BEP 10). */
  extended: [ExtendedHandshake];
  /** Any message after the handshake but the extended handshake. */
  message: [WireMessage];
  /** Writable again after `send` returned false. */
  drain: [];
  close: [error: Error | null];
};

export interface PeerWireOptions {
  infoHash: Uint8Array;
  peerId: Uint8Array;
  clock: Clock;
  /** Pieces in the torrent, when known (bounds bitfields and message lengths). */
  pieceCount?: number;
}

export class PeerWire extends Emitter<PeerWireEvents> {
  /** The peer's handshake, once it came. */
  peer: Handshake | null = null;
  /** The peer's extended handshake, once it came. */
  peerExtended: ExtendedHandshake | null = null;
  /** BEP 6 is in force: both sides set the fast bit. */
  fast = false;
  /** BEP 10 is in force. */
  extension = false;
  closed = false;
  private readonly decoder: WireDecoder;
  private keepAliveTimer: unknown = null;
  private idleTimer: unknown = null;
  private idleArmed = false;
  private lastHeardAt = 0;
  bytesReceived = 0;

  constructor(
    private readonly transport: PeerTransport,
    private readonly opts: PeerWireOptions,
  ) {
    super();
    // Blocks are views into what the transport handed us (its own bytes): WirePeer copies
    // each into its piece.
    this.decoder = new WireDecoder({
      viewBlocks: true,
      pieceCount: opts.pieceCount,
      maxMessageLength: maxMessageLengthFor(opts.pieceCount ?? LIMITS.maxPieceCount),
    });
    transport.ondata = (bytes) => this.onData(bytes);
    transport.ondrain = () => this.emit('drain');
    transport.onclose = (err) => this.finish(err);
    this.send(
      encodeHandshake({
        reserved: makeReserved({ extension: true, fast: true }),
        infoHash: opts.infoHash,
        peerId: opts.peerId,
      }),
    );
    this.idleTimer = opts.clock.setTimeout(
      () => this.destroy(new WireError('handshake', 'no handshake in time')),
      HANDSHAKE_TIMEOUT_MS,
    );
  }

  /** Once metadata arrives (magnets): bitfields are checked against the piece count. */
  setPieceCount(pieceCount: number): void {
    this.decoder.setPieceCount(pieceCount);
  }

  get writable(): boolean {
    return !this.closed && this.transport.writable;
  }

  /** Sends a message; returns whether the transport can take more now. */
  sendMessage(msg: WireMessage): boolean {
    return this.send(encodeMessage(msg));
  }

  /** Sends a block as a `piece` message: the header, then the block, nothing copied. */
  sendPiece(index: number, begin: number, block: Uint8Array): boolean {
    this.send(encodePieceHeader(index, begin, block.byteLength));
    return this.send(block);
  }

  sendExtended(handshake: ExtendedHandshake): void {
    this.sendMessage(extendedHandshakeMessage(handshake));
  }

  private send(bytes: Uint8Array): boolean {
    if (this.closed) return false;
    this.opts.clock.clearTimeout(this.keepAliveTimer);
    this.keepAliveTimer = this.opts.clock.setTimeout(() => {
      this.keepAliveTimer = null;
      this.sendMessage({ type: 'keep-alive' });
    }, KEEP_ALIVE_MS);
    return this.transport.send(bytes);
  }

  private onData(bytes: Uint8Array): void {
    if (this.closed) return;
    this.bytesReceived += bytes.byteLength;
    if (this.peer) this.touch();
    let messages;
    try {
      messages = this.decoder.push(bytes);
    } catch (err) {
      return this.destroy(err instanceof Error ? err : new WireError('stream', errorMessage(err)));
    }
    for (const m of messages) {
      if (this.closed) return;
      try {
        this.dispatch(m);
      } catch (err) {
        // A listener found the peer's message unacceptable (a WireError): drop the peer.
        return this.destroy(err instanceof Error ? err : new Error(errorMessage(err)));
      }
    }
  }

  private dispatch(m: ReturnType<WireDecoder['push']>[number]): void {
    if (m.type === 'handshake') {
      if (!equalBytes(m.infoHash, this.opts.infoHash)) {
        throw new WireError('handshake', 'the peer is on another torrent');
      }
      if (equalBytes(m.peerId, this.opts.peerId)) {
        throw new WireError('handshake', 'connected to ourselves');
      }
      this.peer = m;
      this.fast = hasReservedBit(m.reserved, 'fast');
      this.extension = hasReservedBit(m.reserved, 'extension');
      this.touch();
      this.emit('handshake', m);
      return;
    }
    if (m.type === 'keep-alive') return;
    if (m.type === 'extended' && m.id === EXTENDED_HANDSHAKE_ID) {
      if (!this.extension)
        throw new WireError('extended', 'the peer did not set the extension bit');
      this.peerExtended = decodeExtendedHandshake(m.payload);
      this.emit('extended', this.peerExtended);
      return;
    }
    this.emit('message', m);
  }

  /**
   * Heard from the peer. The idle timer is armed once and, when it fires, armed again for
   * what is left if the peer spoke meanwhile: a timer cleared and set per data channel
   * message was 0.2 of 3.2 s of the offscreen document's CPU (128 MiB, 8 seeders).
   */
  private touch(): void {
    this.lastHeardAt = this.opts.clock.now();
    if (this.idleArmed) return;
    this.idleArmed = true;
    this.opts.clock.clearTimeout(this.idleTimer); // the handshake's
    this.armIdle(IDLE_TIMEOUT_MS);
  }

  private armIdle(ms: number): void {
    this.idleTimer = this.opts.clock.setTimeout(() => {
      const quiet = this.opts.clock.now() - this.lastHeardAt;
      if (quiet >= IDLE_TIMEOUT_MS) {
        this.destroy(new WireError('peer', 'nothing received for too long'));
      } else this.armIdle(IDLE_TIMEOUT_MS - quiet);
    }, ms);
  }

  /** Closes the wire (and its transport); `error` says why, for the source's view. */
  destroy(error: Error | null = null): void {
    if (this.closed) return;
    this.finish(error);
    this.transport.close();
  }

  private finish(error: Error | null): void {
    if (this.closed) return;
    this.closed = true;
    this.opts.clock.clearTimeout(this.keepAliveTimer);
    this.opts.clock.clearTimeout(this.idleTimer);
    this.transport.ondata = null;
    this.transport.ondrain = null;
    this.transport.onclose = null;
    this.emit('close', error);
    this.removeAllListeners();
  }
}

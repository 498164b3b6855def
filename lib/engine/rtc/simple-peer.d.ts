/**
 * Minimal types for @thaunknown/simple-peer (WebTorrent's WebRTC peer; no types shipped),
 * as the rtc interop tests use it. Test-only.
 */
declare module '@thaunknown/simple-peer/lite.js' {
  interface SignalData {
    type: string;
    sdp?: string;
  }
  interface PeerOptions {
    initiator?: boolean;
    trickle?: boolean;
    config?: RTCConfiguration;
    channelConfig?: RTCDataChannelInit;
    channelName?: string;
    /** Ignored by 10.x: it takes its WebRTC from the `webrtc-polyfill` package. */
    wrtc?: unknown;
  }
  export default class Peer {
    constructor(opts?: PeerOptions);
    readonly channelName: string | null;
    readonly connected: boolean;
    readonly destroyed: boolean;
    signal(data: SignalData | string): void;
    send(chunk: Uint8Array | string): void;
    write(chunk: Uint8Array): boolean;
    destroy(err?: Error): void;
    on(event: 'signal', fn: (data: SignalData) => void): this;
    on(event: 'data', fn: (chunk: Uint8Array) => void): this;
    on(event: 'connect' | 'close' | 'end' | 'finish', fn: () => void): this;
    on(event: 'error', fn: (err: Error) => void): this;
    once(event: 'signal', fn: (data: SignalData) => void): this;
    once(event: 'connect' | 'close' | 'end' | 'finish', fn: () => void): this;
    once(event: 'error', fn: (err: Error) => void): this;
  }
}

/**
 * Builds the engine for a browser engine host: real fetch, WebCrypto, the OPFS + IndexedDB
 * piece store, IndexedDB torrent records, and the page's WebSocket and RTCPeerConnection
 * (webrtc-adapter smooths the browsers' differences) for trackers and peers.
 */
import 'webrtc-adapter';
import { Client } from '../engine/client.ts';
import { DEFAULT_ICE_SERVERS, DEFAULT_TRACKERS } from '../defaults.ts';
import { realClock, webCryptoDigest } from '../engine/deps.ts';
import { BrowserPieceStore } from '../store/browser-store.ts';
import { IdbRecordStore } from '../store/idb-records.ts';
import { EngineHost, type HostOutput } from './engine-host.ts';
import { GcNudge } from '../gc-nudge.ts';

export async function createEngineHost(out: HostOutput): Promise<EngineHost> {
  const nudge = new GcNudge();
  const client = new Client({
    fetch: (input, init) => fetch(input, init),
    digest: webCryptoDigest,
    store: new BrowserPieceStore(),
    records: new IdbRecordStore(),
    clock: realClock,
    random: Math.random,
    onBytesRead: (n) => nudge.count(n),
    createWebSocket: (url) => new WebSocket(url),
    createPeerConnection: (config) => new RTCPeerConnection(config),
    rtcConfig: { iceServers: DEFAULT_ICE_SERVERS },
    defaultTrackers: DEFAULT_TRACKERS,
  });
  const host = new EngineHost(client, out);
  await client.restore();
  return host;
}

/**
 * Builds the engine for a browser engine host: real fetch, WebCrypto, the OPFS + IndexedDB
 * piece store, IndexedDB torrent records, and the page's WebSocket and RTCPeerConnection
 * (webrtc-adapter smooths the browsers' differences) for trackers and peers.
 */
import 'webrtc-adapter';
import { Client } from '../engine/client.ts';
import { realClock, webCryptoDigest } from '../engine/deps.ts';
import { BrowserPieceStore } from '../store/browser-store.ts';
import { IdbRecordStore } from '../store/idb-records.ts';
import { clientSettings, EngineHost, type HostOutput } from './engine-host.ts';
import { GcNudge } from '../gc-nudge.ts';
import type { EngineSettings } from '../settings/schema.ts';

/** `settings`: the user's (lib/settings), read before any torrent starts. */
export async function createEngineHost(
  out: HostOutput,
  settings: EngineSettings,
): Promise<EngineHost> {
  const configured = clientSettings(settings);
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
    rtcConfig: configured.rtcConfig,
    defaultTrackers: configured.defaultTrackers,
    seedLimits: configured.seedLimits,
  });
  const host = new EngineHost(client, out);
  await client.restore();
  return host;
}

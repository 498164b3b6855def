/**
 * The client's swarms: one per torrent whose infohash is known, all sharing one hub (the
 * tracker sockets, the client's peer id, the connection count). Without WebRTC and
 * WebSocket in the deps there is no hub, and torrents use their web seeds only.
 */
import type { BufferPool } from './buffer-pool.ts';
import type { ClientDeps } from './client.ts';
import {
  DEFAULT_SEED_LIMITS,
  makePeerId,
  Swarm,
  type SeedLimits,
  type SeedingStore,
  type SwarmHub,
  type SwarmStatus,
} from './swarm.ts';
import type { Torrent } from './torrent.ts';
import { TrackerPool } from './tracker/pool.ts';

/** Peer connections of one client, all torrents together. */
export const MAX_CONNECTIONS = 55;

/** What the user can change while torrents run (the options page). */
export interface SwarmSettings {
  /** Trackers every public torrent announces to besides its own. */
  defaultTrackers: readonly string[];
  /** For peer connections made from now on. */
  rtcConfig: RTCConfiguration;
  seedLimits: SeedLimits;
}

export class Swarms {
  private readonly hub: SwarmHub | undefined;
  private readonly swarms = new Map<Torrent, Swarm>();
  private defaultTrackers: readonly string[];
  private seedLimits: SeedLimits;

  constructor(
    private readonly deps: ClientDeps,
    buffers: BufferPool,
  ) {
    this.defaultTrackers = deps.defaultTrackers ?? [];
    this.seedLimits = deps.seedLimits ?? DEFAULT_SEED_LIMITS;
    if (!deps.createWebSocket || !deps.createPeerConnection) return;
    this.hub = {
      pool: new TrackerPool({
        createWebSocket: deps.createWebSocket,
        clock: deps.clock,
        random: deps.random,
      }),
      peerId: makePeerId(deps.random),
      createPeerConnection: deps.createPeerConnection,
      rtcConfig: deps.rtcConfig ?? {},
      clock: deps.clock,
      random: deps.random,
      digest: deps.digest,
      buffers,
      connections: { open: 0 },
      maxConnections: deps.maxConnections ?? MAX_CONNECTIONS,
      rates: deps.rates,
    };
  }

  status(t: Torrent): SwarmStatus | undefined {
    return this.swarms.get(t)?.status();
  }

  /** The ws(s) trackers a torrent announces to: its own, plus the defaults unless private. */
  trackersFor(own: readonly string[], isPrivate: boolean): string[] {
    const all = isPrivate ? own : [...own, ...this.defaultTrackers];
    return [...new Set(all)];
  }

  /** Joins the torrent's swarm, or adds trackers to the one it has. */
  join(
    t: Torrent,
    infoHash: string,
    trackers: string[],
    onMetadata: (info: Uint8Array) => void,
    seeding: SeedingStore,
  ): void {
    if (!this.hub) return;
    const swarm = this.swarms.get(t);
    if (swarm) return swarm.addTrackers(trackers);
    const s = new Swarm(this.hub, t, infoHash, trackers, onMetadata, seeding, this.seedLimits);
    this.swarms.set(t, s);
  }

  /** More trackers for a torrent added again (never for a private one: BEP 27). */
  addTrackers(t: Torrent, trackers: readonly string[]): void {
    if (t.meta?.private) return;
    this.swarms.get(t)?.addTrackers(trackers);
  }

  /**
   * New settings, without a restart: new default trackers join every public torrent's swarm
   * (ones taken off the list stay with the torrents that have them until they restart), new
   * ICE servers serve the next connections, new seeding limits apply to every torrent now.
   */
  configure(s: SwarmSettings): void {
    const added = s.defaultTrackers.filter((u) => !this.defaultTrackers.includes(u));
    this.defaultTrackers = [...s.defaultTrackers];
    this.seedLimits = s.seedLimits;
    if (this.hub) this.hub.rtcConfig = s.rtcConfig;
    for (const [t, swarm] of this.swarms) {
      if (added.length > 0 && !t.meta?.private) swarm.addTrackers(added);
      swarm.setSeedLimits(s.seedLimits);
    }
  }

  leave(t: Torrent): void {
    this.swarms.get(t)?.destroy();
    this.swarms.delete(t);
  }

  destroy(): void {
    for (const s of this.swarms.values()) s.destroy();
    this.swarms.clear();
    this.hub?.pool.destroy();
  }
}

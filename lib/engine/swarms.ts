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
  /** Each torrent's own trackers (its .torrent, magnet, or an add again), defaults aside. */
  private readonly own = new Map<Torrent, Set<string>>();
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
  private trackersFor(own: readonly string[], isPrivate: boolean): string[] {
    const all = isPrivate ? own : [...own, ...this.defaultTrackers];
    return [...new Set(all)];
  }

  /**
   * Joins the torrent's swarm with its own trackers (plus the defaults unless private), or
   * adds them to the one it has.
   */
  join(
    t: Torrent,
    infoHash: string,
    own: readonly string[],
    isPrivate: boolean,
    onMetadata: (info: Uint8Array) => void,
    seeding: SeedingStore,
  ): void {
    if (!this.hub) return;
    this.noteOwn(t, own);
    const trackers = this.trackersFor(own, isPrivate);
    const swarm = this.swarms.get(t);
    if (swarm) return swarm.addTrackers(trackers);
    const s = new Swarm(this.hub, t, infoHash, trackers, onMetadata, seeding, this.seedLimits);
    this.swarms.set(t, s);
  }

  /** More trackers for a torrent added again (never for a private one: BEP 27). */
  addTrackers(t: Torrent, trackers: readonly string[]): void {
    if (t.meta?.private) return;
    this.noteOwn(t, trackers);
    this.swarms.get(t)?.addTrackers(trackers);
  }

  private noteOwn(t: Torrent, trackers: readonly string[]): void {
    const set = this.own.get(t) ?? new Set<string>();
    for (const u of trackers) set.add(u);
    this.own.set(t, set);
  }

  /**
   * New settings, without a restart: new default trackers join every public torrent's swarm
   * and ones taken off the list leave it (unless the torrent has them of its own), new ICE
   * servers serve the next connections, new seeding limits apply to every torrent now.
   */
  configure(s: SwarmSettings): void {
    const added = s.defaultTrackers.filter((u) => !this.defaultTrackers.includes(u));
    const removed = this.defaultTrackers.filter((u) => !s.defaultTrackers.includes(u));
    this.defaultTrackers = [...s.defaultTrackers];
    this.seedLimits = s.seedLimits;
    if (this.hub) this.hub.rtcConfig = s.rtcConfig;
    for (const [t, swarm] of this.swarms) {
      if (added.length > 0 && !t.meta?.private) swarm.addTrackers(added);
      const own = this.own.get(t);
      const gone = removed.filter((u) => !own?.has(u));
      if (gone.length > 0) swarm.removeTrackers(gone);
      swarm.setSeedLimits(s.seedLimits);
    }
  }

  leave(t: Torrent): void {
    this.swarms.get(t)?.destroy();
    this.swarms.delete(t);
    this.own.delete(t);
  }

  destroy(): void {
    for (const s of this.swarms.values()) s.destroy();
    this.swarms.clear();
    this.own.clear();
    this.hub?.pool.destroy();
  }
}

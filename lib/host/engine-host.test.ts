/**
 * The engine host in Node, against the real demo web server: commands in; state
 * broadcasts, save requests (blob URLs straight from storage) and notifications out.
 */
import { createHash } from 'node:crypto';
import { resolveObjectURL } from 'node:buffer';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type Demo } from '../../demo/server.mjs';
import { Client } from '../engine/client.ts';
import { realClock, webCryptoDigest } from '../engine/deps.ts';
import { MemoryPieceStore } from '../engine/memory-store.ts';
import { MemoryRecordStore } from '../engine/records.ts';
import type { EngineEvent, StateMessage } from '../protocol.ts';
import { FileServer } from '../../tests/fixtures/file-server.ts';
import { content, makeTorrent } from '../../tests/fixtures/torrents.ts';
import { EngineHost, MAX_SAVES_IN_FLIGHT } from './engine-host.ts';

let demo: Demo;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'swarmlink-host-test-'));
  demo = await startDemo({ mib: 2, dataDir });
}, 60_000);

afterAll(async () => {
  await demo?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const clients: Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.destroy();
});

function makeHost() {
  const events: EngineEvent[] = [];
  const states: StateMessage[] = [];
  const waiters: (() => void)[] = [];
  const client = new Client({
    fetch: (input, init) => fetch(input, init),
    digest: webCryptoDigest,
    store: new MemoryPieceStore(),
    records: new MemoryRecordStore(),
    clock: realClock,
    random: Math.random,
  });
  clients.push(client);
  const host = new EngineHost(client, {
    toBackground: (e) => {
      events.push(e);
      waiters.forEach((w) => w());
    },
    broadcast: (s) => {
      states.push(s);
      waiters.forEach((w) => w());
    },
  });
  /** Resolves when `cond` holds, re-checked on every event the host sends out. */
  const until = (cond: () => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (cond()) resolve();
      };
      waiters.push(check);
      check();
    });
  return { host, client, events, states, until };
}

async function sha256OfBlobUrl(url: string): Promise<string> {
  const blob = resolveObjectURL(url);
  if (!blob) throw new Error(`no blob at ${url}`);
  return createHash('sha256')
    .update(new Uint8Array(await blob.arrayBuffer()))
    .digest('hex');
}

describe('EngineHost', () => {
  it('asks the background to save every file of a multi-file torrent, then marks them saved', async () => {
    const { host, client, events, states, until } = makeHost();
    const torrent = demo.torrents.multi;
    const view = (await host.handle({
      target: 'engine',
      type: 'add',
      source: { kind: 'url', url: torrent.torrentUrl },
    })) as { id: string };
    const saves = () => events.filter((e) => e.type === 'save-file');
    // Saves are handed out a few at a time: each is answered as it comes.
    for (let n = 0; n < torrent.files.length; n++) {
      await until(() => saves().length > n);
      const e = saves()[n]!;
      if (e.type !== 'save-file') continue;
      const f = torrent.files.find((x) => x.path === e.filename);
      expect(f, e.filename).toBeDefined();
      expect(await sha256OfBlobUrl(e.url)).toBe(f!.sha256);
      await host.handle({ ...e, target: 'engine', type: 'save-done', ok: true });
      // Revoked once the background reported the save done.
      expect(resolveObjectURL(e.url)).toBeUndefined();
      expect(client.isSaved(view.id, e.fileIndex)).toBe(true);
    }
    expect(new Set(saves().map((e) => e.type === 'save-file' && e.filename)).size).toBe(
      torrent.files.length,
    );
    const notices = events
      .filter((e) => e.type === 'notify')
      .map((e) => e.type === 'notify' && e.kind);
    expect(notices).toContain('added');
    expect(notices).toContain('done');
    await until(() => states.at(-1)?.torrents[0]?.progress === 100);
    expect(states.at(-1)?.torrents[0]?.name).toBe(torrent.name);
  });

  it('reports a failed save and does not mark the file saved', async () => {
    const { host, client, events, until } = makeHost();
    const view = (await host.handle({
      target: 'engine',
      type: 'add',
      source: { kind: 'url', url: demo.torrents.single.torrentUrl },
    })) as { id: string };
    await until(() => events.some((e) => e.type === 'save-file'));
    const e = events.find((x) => x.type === 'save-file')!;
    if (e.type !== 'save-file') throw new Error('unreachable');
    await host.handle({ ...e, target: 'engine', type: 'save-done', ok: false, error: 'disk full' });
    expect(client.isSaved(view.id, e.fileIndex)).toBe(false);
    expect(
      events.some((x) => x.type === 'notify' && x.kind === 'error' && /disk full/.test(x.message)),
    ).toBe(true);
  });

  it('shows a malformed torrent as an error and an error notification', async () => {
    const { host, events, until } = makeHost();
    await host.handle({
      target: 'engine',
      type: 'add',
      source: { kind: 'url', url: demo.brokenTorrentUrl },
    });
    await until(() => events.some((e) => e.type === 'notify' && e.kind === 'error'));
    const views = (await host.handle({ target: 'engine', type: 'get-state' })) as {
      state: string;
      error?: string;
    }[];
    expect(views).toHaveLength(1);
    expect(views[0]!.state).toBe('error');
    expect(views[0]!.error).toMatch(/Invalid torrent/);
  });

  it(`queues the saves of a many-file torrent: at most ${MAX_SAVES_IN_FLIGHT} in flight`, async () => {
    const server = new FileServer();
    await server.listen();
    try {
      const files = Array.from({ length: 24 }, (_, i) => ({
        path: `f${i}.bin`,
        data: content(5000 + i, 70 + i),
      }));
      server.serveTorrent('/', 'Many', files, true);
      const bytes = await makeTorrent(files, { name: 'Many', urlList: [server.origin + '/'] });
      server.files.set('/many.torrent', bytes);
      const { host, events, states, until } = makeHost();
      await host.handle({
        target: 'engine',
        type: 'add',
        source: { kind: 'url', url: `${server.origin}/many.torrent` },
      });
      const saves = () => events.filter((e) => e.type === 'save-file');
      // Every file verified, and only the first few handed to the background.
      await until(() => states.at(-1)?.torrents[0]?.progress === 100);
      await until(() => saves().length === MAX_SAVES_IN_FLIGHT);
      await host.handle({ target: 'engine', type: 'ping' });
      expect(saves()).toHaveLength(MAX_SAVES_IN_FLIGHT);
      // Each save that ends lets the next one go.
      for (let n = 0; n < files.length; n++) {
        await until(() => saves().length > n);
        const e = saves()[n]!;
        if (e.type !== 'save-file') continue;
        expect(saves().length - n).toBeLessThanOrEqual(MAX_SAVES_IN_FLIGHT);
        await host.handle({ ...e, target: 'engine', type: 'save-done', ok: true });
      }
      const names = saves().map((e) => (e.type === 'save-file' ? e.filename : ''));
      expect(names.sort()).toEqual(files.map((f) => `Many/${f.path}`).sort());
    } finally {
      await server.close();
    }
  });
});

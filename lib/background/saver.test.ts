import { describe, expect, it } from 'vitest';
import type { EngineCommand } from '../protocol.ts';
import { Saver, type PendingSave, type SaverApis } from './saver.ts';

const HASH = 'ab'.repeat(20);

/** The downloads API and storage.session, in memory, with slow storage writes. */
function fakeApis() {
  const downloads = new Map<number, { url: string; state: string; error?: string }>();
  /** Sets a download's state, as the browser would. */
  const states = {
    set(id: number, state: string, error?: string) {
      downloads.get(id)!.state = state;
      downloads.get(id)!.error = error;
    },
  };
  let session: Record<string, PendingSave> = {};
  let nextId = 1;
  const apis: SaverApis = {
    download: async ({ url }) => {
      const id = nextId++;
      downloads.set(id, { url, state: 'in_progress' });
      return id;
    },
    item: async (id) => {
      const d = downloads.get(id);
      return d && { ...d };
    },
    byUrl: async (url) => [...downloads.values()].filter((d) => d.url === url),
    loadSession: async () => structuredClone(session),
    storeSession: async (all) => {
      // A real storage write takes a moment: concurrent read-modify-write would lose entries.
      await new Promise((r) => setTimeout(r, 5));
      session = structuredClone(all);
    },
    interrupted: async () =>
      [...downloads]
        .filter(([, d]) => d.state === 'interrupted')
        .map(([id, d]) => ({ id, url: d.url })),
    discard: async (id) => {
      downloads.delete(id);
    },
  };
  return { apis, states, downloads, session: () => session };
}

const save = (fileIndex: number) => ({
  torrentId: 'x-t1',
  infoHash: HASH,
  fileIndex,
  url: `blob:chrome-extension://id/${fileIndex}`,
  filename: `Album/${fileIndex}.bin`,
});

describe('Saver', () => {
  it('reports every save of files finishing together (no entry lost)', async () => {
    const { apis, states } = fakeApis();
    const sent: EngineCommand[] = [];
    const saver = new Saver(apis, (c) => sent.push(c));
    await Promise.all([0, 1, 2, 3].map((i) => saver.save(save(i))));
    for (const id of [1, 2, 3, 4]) {
      states.set(id, 'complete');
      await saver.changed(id, 'complete');
    }
    expect(sent.map((c) => c.type === 'save-done' && [c.fileIndex, c.ok]).sort()).toEqual([
      [0, true],
      [1, true],
      [2, true],
      [3, true],
    ]);
  });

  it('catches a download that completed before it was recorded', async () => {
    const { apis, states } = fakeApis();
    const sent: EngineCommand[] = [];
    const download = apis.download;
    apis.download = async (opts) => {
      const id = await download(opts);
      states.set(id, 'complete');
      // Its onChanged event fires now, before the saver knows the id.
      await saver.changed(id, 'complete');
      return id;
    };
    const saver = new Saver(apis, (c) => sent.push(c));
    await saver.save(save(0));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ type: 'save-done', ok: true, infoHash: HASH, fileIndex: 0 });
  });

  it('reports an interrupted download and a refused one as failed', async () => {
    const { apis, states } = fakeApis();
    const sent: EngineCommand[] = [];
    const saver = new Saver(apis, (c) => sent.push(c));
    await saver.save(save(0));
    states.set(1, 'interrupted', 'FILE_NO_SPACE');
    await saver.changed(1, 'interrupted');
    apis.download = async () => {
      throw new Error('Invalid filename');
    };
    await saver.save(save(1));
    expect(sent).toEqual([
      expect.objectContaining({
        ok: false,
        fileIndex: 0,
        error: expect.stringMatching(/FILE_NO_SPACE/),
      }),
      expect.objectContaining({
        ok: false,
        fileIndex: 1,
        error: expect.stringMatching(/Invalid filename/),
      }),
    ]);
  });

  it('a new saver (service worker restarted) still knows the pending saves', async () => {
    const { apis, states } = fakeApis();
    const first = new Saver(apis, () => {});
    await first.save(save(0));
    const sent: EngineCommand[] = [];
    const second = new Saver(apis, (c) => sent.push(c));
    states.set(1, 'complete');
    await second.changed(1, 'complete');
    expect(sent).toEqual([expect.objectContaining({ ok: true, fileIndex: 0 })]);
  });

  it('recovers after a restart: ended while stopped, never started, still going', async () => {
    const { apis, states, session } = fakeApis();
    const first = new Saver(apis, () => {});
    await first.save(save(0)); // download 1: completes while no worker listens
    await first.save(save(1)); // download 2: still going at the restart
    // Save 2 was recorded, then the worker stopped before downloads.download was called.
    const download = apis.download;
    apis.download = () => new Promise<number>(() => {});
    void first.save(save(2));
    await expect.poll(() => Object.keys(session())).toHaveLength(3);
    apis.download = download;
    states.set(1, 'complete');

    const sent: EngineCommand[] = [];
    const second = new Saver(apis, (c) => sent.push(c));
    await second.recover();
    expect(sent).toEqual([
      expect.objectContaining({ ok: true, fileIndex: 0 }),
      expect.objectContaining({ ok: false, fileIndex: 2, error: 'the download did not start' }),
    ]);
    expect(Object.values(session()).map((p) => p.fileIndex)).toEqual([1]);
    states.set(2, 'complete');
    await second.changed(2, 'complete');
    expect(sent).toHaveLength(3);
    expect(sent[2]).toMatchObject({ ok: true, fileIndex: 1 });
  });

  it("does not write storage for other downloads' ends", async () => {
    const { apis, downloads } = fakeApis();
    let writes = 0;
    const store = apis.storeSession;
    apis.storeSession = async (all) => {
      writes++;
      await store(all);
    };
    const saver = new Saver(apis, () => {});
    downloads.set(7, { url: 'https://example.com/a.zip', state: 'complete' });
    await saver.changed(7, 'complete');
    expect(writes).toBe(0);
  });

  it('ignores progress and unknown downloads', async () => {
    const { apis } = fakeApis();
    const sent: EngineCommand[] = [];
    const saver = new Saver(apis, (c) => sent.push(c));
    await saver.save(save(0));
    await saver.changed(1, 'in_progress');
    await saver.changed(99, 'complete');
    expect(sent).toEqual([]);
  });

  it('leaves no partial file: interrupted saves from before a restart, and its own, are discarded', async () => {
    const { apis, states, downloads } = fakeApis();
    const sent: EngineCommand[] = [];
    // A save the browser was killed in the middle of: its partial file is still there, and
    // nobody remembers it (storage.session was cleared with the browser).
    const old = await apis.download({ url: 'blob:chrome-extension://id/old', filename: 'a.bin' });
    states.set(old, 'interrupted', 'CRASH');
    const saver = new Saver(apis, (c) => sent.push(c));
    await saver.recover();
    expect(downloads.has(old)).toBe(false);
    expect(sent).toEqual([]);

    // One of ours that fails now: reported to the engine (it saves again later), then discarded.
    await saver.save(save(5));
    const [id] = [...downloads.keys()];
    states.set(id!, 'interrupted', 'FILE_NO_SPACE');
    await saver.changed(id!, 'interrupted');
    expect(sent.map((c) => c.type === 'save-done' && [c.fileIndex, c.ok])).toEqual([[5, false]]);
    expect(downloads.has(id!)).toBe(false);
  });

  it('discards a save from before a crash that the browser gives up on only later', async () => {
    const { apis, states, downloads } = fakeApis();
    const sent: EngineCommand[] = [];
    // Restarting, the browser tries to resume it: in progress when recover() looks…
    const old = await apis.download({ url: 'blob:chrome-extension://id/old', filename: 'a.bin' });
    const saver = new Saver(apis, (c) => sent.push(c));
    await saver.recover();
    expect(downloads.has(old)).toBe(true);
    // …interrupted a while later (a blob URL does not outlive its document).
    states.set(old, 'interrupted', 'NETWORK_FAILED');
    await saver.changed(old, 'interrupted');
    expect(downloads.has(old)).toBe(false);
    expect(sent).toEqual([]);
  });
});

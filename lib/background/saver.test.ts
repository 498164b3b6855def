import { describe, expect, it } from 'vitest';
import type { EngineCommand } from '../protocol.ts';
import { Saver, type PendingSave, type SaverApis } from './saver.ts';

const HASH = 'ab'.repeat(20);

/** The downloads API and storage.session, in memory, with slow storage writes. */
function fakeApis() {
  const states = new Map<number, string>();
  let session: Record<string, PendingSave> = {};
  let nextId = 1;
  const apis: SaverApis = {
    download: async () => {
      const id = nextId++;
      states.set(id, 'in_progress');
      return id;
    },
    state: async (id) => (states.has(id) ? { state: states.get(id)! } : undefined),
    loadSession: async () => structuredClone(session),
    storeSession: async (all) => {
      // A real storage write takes a moment: concurrent read-modify-write would lose entries.
      await new Promise((r) => setTimeout(r, 5));
      session = structuredClone(all);
    },
  };
  return { apis, states, session: () => session };
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
    const { apis } = fakeApis();
    const sent: EngineCommand[] = [];
    const saver = new Saver(apis, (c) => sent.push(c));
    await saver.save(save(0));
    await saver.changed(1, 'interrupted', 'FILE_NO_SPACE');
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
    const { apis } = fakeApis();
    const first = new Saver(apis, () => {});
    await first.save(save(0));
    const sent: EngineCommand[] = [];
    const second = new Saver(apis, (c) => sent.push(c));
    await second.changed(1, 'complete');
    expect(sent).toEqual([expect.objectContaining({ ok: true, fileIndex: 0 })]);
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
});

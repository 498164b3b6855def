import { deleteDB } from 'idb';
import { afterAll } from 'vitest';
import { describePieceStoreContract } from '../../tests/piece-store-contract.ts';
import { BrowserPieceStore } from './browser-store.ts';

// A database and an OPFS folder of this run only, removed at the end.
const run = `test-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
const options = { dbName: `swarmlink-${run}`, opfsRoot: `swarmlink-${run}` };
const stores: BrowserPieceStore[] = [];

function makeStore(): BrowserPieceStore {
  const store = new BrowserPieceStore(options);
  stores.push(store);
  return store;
}

afterAll(async () => {
  for (const store of stores) await store.dispose();
  await deleteDB(options.dbName);
  const root = await navigator.storage.getDirectory();
  await root.removeEntry(options.opfsRoot, { recursive: true }).catch(() => undefined);
});

describePieceStoreContract('BrowserPieceStore', makeStore, makeStore);

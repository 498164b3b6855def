// One offload-scene reader (reader.ts) in a process of its own, as each real reader is a
// browser of its own: its JavaScript, WebRTC and tracker socket share nothing with the other
// readers (all in one process, one main thread did every reader's work: the scene measured
// that thread, not the swarm). jiti runs the TypeScript (see scripts/bench/ts.mjs).
// IPC: argv[2] is the ReaderSpec (JSON, torrentFile base64); sends { done: ReaderDone } or
// { error }, then waits for 'close' (it shares until every reader is done).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createJiti } from 'jiti';

const here = path.dirname(fileURLToPath(import.meta.url));
const { startReader } = await createJiti(import.meta.url).import(path.join(here, 'reader.ts'));
const spec = JSON.parse(process.argv[2] ?? '{}');
const reader = startReader({ ...spec, torrentFile: Buffer.from(spec.torrentFile, 'base64') });
const close = async () => {
  await reader.close();
  process.exit(0);
};
process.on('message', (msg) => msg === 'close' && void close());
process.on('disconnect', () => void close());
reader.done.then(
  (done) => process.send?.({ done }),
  (err) => process.send?.({ error: String(err?.message ?? err) }),
);

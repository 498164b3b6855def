// One offload-scene reader (reader.ts) in a process of its own, as each real reader is a
// browser of its own: its JavaScript, WebRTC and tracker socket share nothing with the other
// readers (all in one process, one main thread did every reader's work: the scene measured
// that thread, not the swarm). jiti runs the TypeScript (see scripts/bench/ts.mjs).
// IPC: sends { ready } once the engine is loaded (compiling it takes a second or two of
// CPU, which must not overlap the scene: a browser has its extension loaded already); then
// { start: ReaderSpec } (torrentFile base64) starts the reader; it sends { done: ReaderDone }
// or { error }, and shares until 'close'.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createJiti } from 'jiti';

const here = path.dirname(fileURLToPath(import.meta.url));
const { startReader } = await createJiti(import.meta.url).import(path.join(here, 'reader.ts'));
/** @type {{ done: Promise<unknown>, close(): Promise<void> } | null} */
let reader = null;
const close = async () => {
  await reader?.close();
  process.exit(0);
};
process.on('disconnect', () => void close());
process.on('message', (msg) => {
  if (msg === 'close') return void close();
  if (!msg || typeof msg !== 'object' || !('start' in msg) || reader) return;
  const spec = msg.start;
  reader = startReader({ ...spec, torrentFile: Buffer.from(spec.torrentFile, 'base64') });
  reader.done.then(
    (done) => process.send?.({ done }),
    (err) => process.send?.({ error: String(err?.message ?? err) }),
  );
});
process.send?.({ ready: true });

// Where a Node process that stopped answering is stuck: started as
// `node --experimental-websocket stack-dump.mjs <pid>` (Node 20 has WebSocket behind that flag)
// after SIGUSR1 opened the process's inspector on 127.0.0.1:9229. Pauses its main thread
// (a V8 interrupt: works inside a busy loop), prints the stack, resumes. Used by offload.mjs
// before it kills a scene that did not end.
/* global fetch, WebSocket */
import { setTimeout } from 'node:timers';

const fail = (/** @type {string} */ why) => {
  console.log(`  (no stack: ${why})`);
  process.exit(0);
};
setTimeout(() => fail('the inspector did not answer'), 10_000).unref();

/** @type {{ webSocketDebuggerUrl: string }[]} */
let targets = [];
for (let i = 0; i < 20 && !targets.length; i++) {
  targets = await fetch('http://127.0.0.1:9229/json/list')
    .then((r) => r.json())
    .catch(() => []);
  if (!targets.length) await new Promise((resolve) => setTimeout(resolve, 100));
}
if (!targets[0]) fail('no inspector on 127.0.0.1:9229');
const ws = new WebSocket(/** @type {any} */ (targets[0]).webSocketDebuggerUrl);
let id = 0;
const send = (/** @type {string} */ method) => ws.send(JSON.stringify({ id: ++id, method }));
ws.onopen = () => {
  send('Debugger.enable');
  send('Debugger.pause');
};
ws.onmessage = (/** @type {{ data: string }} */ ev) => {
  const msg = JSON.parse(ev.data);
  if (msg.method !== 'Debugger.paused') return;
  for (const f of msg.params.callFrames.slice(0, 20)) {
    // Code jiti compiled has no URL (its line numbers follow the .ts source closely).
    console.log(
      `  at ${f.functionName || '(anonymous)'} (${f.url || 'no URL'}:${f.location.lineNumber + 1})`,
    );
  }
  send('Debugger.resume');
  send('Debugger.disable');
  setTimeout(() => process.exit(0), 100);
};

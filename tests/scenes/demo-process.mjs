// The offload scene's web server (demo/server.mjs: web seed with its upload limit, and the
// tracker) in a process of its own, as a real server is: in the readers' process its rate
// limiter shared their event loop, and when WebRTC traffic kept that loop busy for a few
// hundred ms at a time, the limiter's 50 ms bucket capped the server far below its rate
// (measured: 8 readers, 8 MiB/s limit, the server sent 1.3 MiB/s for 25 s).
// Protocol over IPC: argv[2] is startDemo's options (JSON); it sends
// { ready: { torrents } }, then answers { stats } to 'stats', resets on 'reset', exits on 'close'.
import { startDemo } from '../../demo/server.mjs';

const demo = await startDemo(JSON.parse(process.argv[2] ?? '{}'));
process.on('message', async (msg) => {
  if (msg === 'stats') process.send?.({ stats: demo.stats() });
  else if (msg === 'reset') {
    demo.resetStats();
    process.send?.({ reset: true });
  } else if (msg === 'close') {
    await demo.close();
    process.exit(0);
  }
});
// The scene's process went away without closing us.
process.on('disconnect', () => void demo.close().finally(() => process.exit(0)));
process.send?.({ ready: { torrents: demo.torrents } });

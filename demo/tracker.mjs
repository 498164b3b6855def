// The WebSocket tracker both demo torrents announce to.
import { Server as TrackerServer } from 'bittorrent-tracker';

/** @param {string} host @param {(m: string) => void} log */
export async function startTracker(host, log) {
  const tracker = new TrackerServer({ udp: false, http: false, ws: true, stats: false });
  /** @type {Set<{ terminate(): void }>} */
  const sockets = new Set();
  tracker.ws.on('connection', (/** @type {{ terminate(): void, on: Function }} */ socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  tracker.on('warning', (/** @type {Error} */ err) => log(`tracker warning: ${err.message}`));
  await new Promise((resolve, reject) => {
    tracker.once('error', reject);
    tracker.listen(0, host, () => {
      tracker.off('error', reject);
      resolve(undefined);
    });
  });
  tracker.on('error', (/** @type {Error} */ err) => log(`tracker error: ${err.message}`));
  const port = tracker.http.address().port;
  return {
    url: `ws://${host}:${port}`,
    close() {
      // ws does not close live connections on close(), and http.close() waits for them.
      sockets.forEach((s) => s.terminate());
      tracker.http.closeAllConnections?.();
      return new Promise((resolve) => tracker.close(() => resolve(undefined)));
    },
  };
}

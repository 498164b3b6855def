// The demo blog page: one post whose links cover every kind of download the extension handles.
import { LIVE_STATS_PATH, MEMBERS_LOGIN_PATH, MEMBERS_TORRENT_PATH } from './http.mjs';
import { formatSize } from './units.mjs';

/** @typedef {import('./server.mjs').DemoTorrent} DemoTorrent */

/** @param {string} text */
function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Who else is in the swarm: the demo's own WebTorrent peer (npm start), or only other readers. */
function whatRunsHere(peer) {
  if (peer) {
    return `<p>Everything here runs on this machine: this web server, which is the web seed; a
WebSocket tracker, where browsers find each other; and one more peer, a WebTorrent client running
in Node.js that already has the files of both torrents, the way a reader who downloaded them
earlier and kept sharing would. When you click a torrent link, your browser finds that peer through
the tracker and connects to it over WebRTC. Until the connection is up (a second or two) it
downloads from this server; from then on it gets the pieces from the peer, and from this server
only what the peer cannot deliver soon enough. Other browsers with Swarmlink that open a torrent
from this page at the same time share with you too.</p>`;
  }
  return `<p>Everything here runs on this machine: this web server, which is the web seed, and a
WebSocket tracker, where browsers find each other. The other peers are whoever else opens a
torrent from this page in a browser with Swarmlink at the same time; alone, you simply download
from this server.</p>`;
}

/** Fills #server-stats from ${LIVE_STATS_PATH} every second. */
const LIVE_STATS_SCRIPT = `<script>
(() => {
  const el = document.getElementById('server-stats');
  const size = (n) =>
    n >= 1048576 ? +(n / 1048576).toFixed(1) + ' MiB' : n >= 1024 ? +(n / 1024).toFixed(1) + ' KiB' : n + ' bytes';
  async function update() {
    try {
      const s = await (await fetch('${LIVE_STATS_PATH}', { cache: 'no-store' })).json();
      let text = 'Since it started, this server has sent ' + size(s.seedBytes) + ' from its web seed';
      if (s.rateLimit > 0) text += ' (limited to ' + size(s.rateLimit) + '/s)';
      if (s.peer) {
        const c = s.peer.connections;
        text += '; the WebTorrent peer has sent ' + size(s.peer.uploadedBytes) + ' to readers';
        text += ' and has ' + c + (c === 1 ? ' connection' : ' connections') + ' to readers now';
      }
      el.textContent = text + '.';
    } catch {
      el.textContent = 'The demo server is not answering.';
    }
  }
  update();
  setInterval(update, 1000);
})();
</script>`;

/**
 * @param {{ single: DemoTorrent, multi: DemoTorrent }} torrents @param {string} brokenTorrentUrl
 * @param {{ peer?: boolean }} [opts] peer: the demo runs its WebTorrent peer (demo/peer.mjs)
 */
export function blogHtml(torrents, brokenTorrentUrl, opts = {}) {
  const { single, multi } = torrents;
  const total = (/** @type {DemoTorrent} */ t) =>
    formatSize(t.files.reduce((s, f) => s + f.length, 0));
  const a = (id, href, text) => `<a id="${id}" href="${escapeHtml(href)}">${escapeHtml(text)}</a>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sharing big files without melting the server — Swarmlink demo blog</title>
<style>
body { font: 17px/1.6 Georgia, serif; max-width: 42rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
header p, footer { color: #666; font-size: 0.9rem; }
a { color: #0b57d0; }
li { margin: 0.4rem 0; }
</style>
</head>
<body>
<header>
<h1>Sharing big files without melting the server</h1>
<p>Posted by the Swarmlink team · 5 minute read</p>
</header>
<main>
<article>
<p>Every time a post with a large download lands on the front page of a news site, the same
thing happens: a thousand readers ask the server for the same bytes at the same minute, and the
server gives up. BitTorrent solved this long ago, but nobody wants to install a client to fetch one
file from a blog.</p>
<p>With the Swarmlink extension the links below download right in the browser. Each reader gets
pieces from this web server, which acts as a <em>web seed</em>, and from the other readers who
are downloading at the same time, and shares what it already has. The server ends up sending each
byte about once, however many of you arrive together.</p>
<h2>Try it</h2>
<ul>
<li>${a('link-single', single.torrentUrl, `Download the sample file (${total(single)}) as a torrent`)}</li>
<li>${a('link-multi', multi.torrentUrl, `Download the “${multi.name}” folder (${multi.files.length} files, ${total(multi)})`)}</li>
<li>${a('link-rest', single.restUrl, 'The same sample through a download URL without .torrent')}</li>
<li>${a('link-magnet', single.magnetUri, 'The same sample as a magnet link')}</li>
<li>${a('link-broken', brokenTorrentUrl, 'A damaged torrent file (to see how errors look)')}</li>
<li>${a('link-direct', single.files[0]?.url ?? '', 'Or skip the swarm and download the file directly')}</li>
<li>${a('link-members', MEMBERS_TORRENT_PATH, 'Members only: the sample, for logged-in readers')} (<a id="link-login" href="${MEMBERS_LOGIN_PATH}">log in</a>)</li>
</ul>
<p>Without the extension, the torrent links just save a small <code>.torrent</code> file, which any
BitTorrent client can open. Hold Ctrl or Shift while clicking to get that file even with the
extension installed.</p>
<h2>On this demo server</h2>
${whatRunsHere(!!opts.peer)}
<p id="server-stats" aria-live="polite">This server's figures appear here (the page needs
JavaScript for them).</p>
<h2>Why it works</h2>
<p>A torrent describes the file as a list of pieces, each with its SHA-1 hash. Whoever sends a
piece, the server or another reader, the browser checks it against that hash before keeping it, so
a file is only saved when every piece of it is verified.</p>
</article>
</main>
<footer><p>Swarmlink demo server. Sample files are pseudo-random bytes generated on this machine.</p></footer>
${LIVE_STATS_SCRIPT}
</body>
</html>
`;
}

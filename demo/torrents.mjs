// The .torrent files, magnet URIs and DemoTorrent descriptions built from the cached info dicts.
import crypto from 'node:crypto';
import bencode from 'bencode';
import { diskPathOf, relPath } from './content.mjs';

/**
 * @typedef {import('./server.mjs').DemoTorrent} DemoTorrent
 * @typedef {import('./content.mjs').PreparedContent} PreparedContent
 */

/** @param {Uint8Array} infoBytes */
function infoHashOf(infoBytes) {
  return crypto.createHash('sha1').update(infoBytes).digest('hex');
}

/** Announce and url-list live outside the info dict: re-wrapping keeps the infohash. */
function wrapTorrent(infoBytes, trackerUrl, webSeedUrl) {
  return Buffer.from(
    bencode.encode({
      announce: trackerUrl,
      'announce-list': [[trackerUrl]],
      'url-list': [webSeedUrl],
      'created by': 'Swarmlink demo',
      'creation date': 1_700_000_000,
      info: bencode.decode(infoBytes),
    }),
  );
}

/** @param {string} rel a/b/c, not encoded */
function seedPath(rel) {
  return '/seed/' + rel.split('/').map(encodeURIComponent).join('/');
}

function magnetUri({ infoHash, name, trackerUrl, webSeedUrl, torrentUrl }) {
  const params = [
    `xt=urn:btih:${infoHash}`,
    `dn=${encodeURIComponent(name)}`,
    `tr=${encodeURIComponent(trackerUrl)}`,
    `ws=${encodeURIComponent(webSeedUrl)}`,
    `xs=${encodeURIComponent(torrentUrl)}`,
  ];
  return `magnet:?${params.join('&')}`;
}

/**
 * @param {PreparedContent} content
 * @param {{ origin: string, trackerUrl: string }} where
 */
export function buildTorrent(content, { origin, trackerUrl }) {
  const { spec, dir, files, infoBytes } = content;
  const webSeedUrl = `${origin}/seed/`;
  const torrentUrl = `${origin}/torrents/${spec.torrentFile}`;
  const infoHash = infoHashOf(infoBytes);
  /** @type {DemoTorrent} */
  const demoTorrent = {
    name: spec.name,
    infoHash,
    torrentUrl,
    restUrl: `${origin}/get?id=${spec.id}`,
    magnetUri: magnetUri({ infoHash, name: spec.name, trackerUrl, webSeedUrl, torrentUrl }),
    files: spec.files.map((file, i) => ({
      path: relPath(spec, file),
      length: file.length,
      sha256: files[i]?.sha256 ?? '',
      url: origin + seedPath(relPath(spec, file)),
      diskPath: diskPathOf(dir, spec, file),
    })),
  };
  return { demoTorrent, bytes: wrapTorrent(infoBytes, trackerUrl, webSeedUrl) };
}

// Valid start, then a string length that runs past the end: every bencode parser must refuse it.
export const BROKEN_TORRENT = Buffer.from('d8:announce30:ws://127.0.0.1/4:infod4:name999:oops');

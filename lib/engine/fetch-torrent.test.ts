/**
 * fetchTorrent against a real HTTP server on 127.0.0.1: what the user is told depends on
 * what came back (an error status, a web page, some other file), each a typed failure.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FetchTorrentError, problemOf } from './errors.ts';
import { fetchTorrent } from './fetch-torrent.ts';

const ROUTES: Record<string, { status: number; type: string; body: string | Buffer }> = {
  '/ok.torrent': { status: 200, type: 'application/x-bittorrent', body: 'd4:infod4:name1:aee' },
  '/login.torrent': {
    status: 200,
    type: 'text/html; charset=utf-8',
    body: '\n  <!doctype html><title>Log in</title>',
  },
  '/untyped-page': { status: 200, type: '', body: '<html></html>' },
  '/gone.torrent': { status: 404, type: 'text/plain', body: 'not found' },
  '/video.mp4': { status: 200, type: 'video/mp4', body: Buffer.alloc(300_000, 7) },
  '/empty.torrent': { status: 200, type: 'application/x-bittorrent', body: '' },
};

let server: http.Server;
let origin: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const route = ROUTES[req.url ?? ''];
    if (!route) return res.writeHead(500).end();
    res.writeHead(route.status, route.type ? { 'content-type': route.type } : {});
    res.end(route.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function failure(path: string): Promise<FetchTorrentError> {
  const err: unknown = await fetchTorrent(fetch, origin + path).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FetchTorrentError);
  return err as FetchTorrentError;
}

describe('fetchTorrent', () => {
  it('returns the bytes of a torrent file', async () => {
    const bytes = await fetchTorrent(fetch, origin + '/ok.torrent');
    expect(new TextDecoder().decode(bytes)).toBe('d4:infod4:name1:aee');
  });

  it('says an HTTP error with its status', async () => {
    const err = await failure('/gone.torrent');
    expect(err.failure).toBe('http');
    expect(err.status).toBe(404);
    expect(problemOf(err)).toMatchObject({ code: 'http', status: 404 });
  });

  it('tells a web page (a login page served with 200) from a torrent file', async () => {
    const err = await failure('/login.torrent');
    expect(err.failure).toBe('web-page');
    expect(err.message).toContain('text/html');
    // Without a content type, the leading `<` says it.
    expect((await failure('/untyped-page')).failure).toBe('web-page');
  });

  it('says "not a torrent" for some other file, and an empty body', async () => {
    const err = await failure('/video.mp4');
    expect(err.failure).toBe('not-torrent');
    expect(err.message).toMatch(/video\/mp4; starts with byte 0x07/);
    expect((await failure('/empty.torrent')).message).toMatch(/empty/);
  });

  it('says a network failure as such', async () => {
    const err: unknown = await fetchTorrent(fetch, 'http://127.0.0.1:1/x.torrent').catch(
      (e: unknown) => e,
    );
    expect(problemOf(err)).toMatchObject({ code: 'network' });
  });
});

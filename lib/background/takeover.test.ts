import { describe, expect, it } from 'vitest';
import { CLICK_WINDOW_MS, ClickLog, isOwnDownload, isTorrentDownload } from './takeover.ts';

const page = 'https://blog.example/post';
const url = 'https://blog.example/get?id=1';

describe('ClickLog', () => {
  it('matches a download to a click on the same URL from the same page, once', () => {
    const log = new ClickLog();
    log.record(url, [page], 1000);
    expect(log.take({ url, referrer: page }, 2000)).not.toBeNull();
    expect(log.take({ url, referrer: page }, 2000)).toBeNull();
  });

  it('matches a referrer without the page fragment, or only the origin (cross-origin link)', () => {
    const log = new ClickLog();
    log.record(url, ['https://blog.example/post#comments'], 1000);
    expect(log.take({ url, referrer: page }, 1100)).not.toBeNull();
    log.record('https://cdn.example/t?id=2', ['https://blog.example/post#x'], 1000);
    expect(
      log.take({ url: 'https://cdn.example/t?id=2', referrer: 'https://blog.example/' }, 1100),
    ).not.toBeNull();
  });

  it('matches on finalUrl after a redirect', () => {
    const log = new ClickLog();
    log.record(url, [page], 1000);
    expect(
      log.take({ url: 'https://cdn.example/x', finalUrl: url, referrer: page }, 1500),
    ).not.toBeNull();
  });

  it('does not match after the 5 s window', () => {
    const log = new ClickLog();
    log.record(url, [page], 1000);
    expect(log.take({ url, referrer: page }, 1000 + CLICK_WINDOW_MS + 1)).toBeNull();
  });

  it('does not match another URL or another referring page', () => {
    const log = new ClickLog();
    log.record(url, [page], 1000);
    expect(log.take({ url: url + '2', referrer: page }, 1100)).toBeNull();
    expect(log.take({ url, referrer: 'https://evil.example/' }, 1100)).toBeNull();
  });

  it('takeSoon waits for a click message that arrives after the download started', async () => {
    const log = new ClickLog();
    const pending = log.takeSoon({ url, referrer: page }, 1000, () => 1000);
    log.record(url, [page], 1000);
    await expect(pending).resolves.not.toBeNull();
  });

  it('takeSoon gives up when no click comes', async () => {
    const log = new ClickLog();
    await expect(log.takeSoon({ url, referrer: page }, 20, () => 1000)).resolves.toBeNull();
  });
});

describe('isTorrentDownload', () => {
  it('by type, file name or URL path', () => {
    expect(isTorrentDownload({ url, mime: 'application/x-bittorrent' })).toBe(true);
    expect(isTorrentDownload({ url, mime: 'Application/X-BitTorrent; charset=binary' })).toBe(true);
    expect(isTorrentDownload({ url, filename: '/home/u/Downloads/a.TORRENT' })).toBe(true);
    expect(isTorrentDownload({ url: 'https://a.example/b.torrent?x' })).toBe(true);
    expect(isTorrentDownload({ url, mime: 'application/zip', filename: 'a.zip' })).toBe(false);
  });
});

describe('isOwnDownload', () => {
  it('recognises the extension’s own blob URLs', () => {
    const origin = 'chrome-extension://abcdef';
    expect(isOwnDownload({ url: `blob:${origin}/1234` }, origin)).toBe(true);
    expect(isOwnDownload({ url: 'blob:https://evil.example/1234' }, origin)).toBe(false);
  });
});

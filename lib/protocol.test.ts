import { describe, expect, it } from 'vitest';
import {
  addRequestFor,
  isAcceptedUrl,
  isTorrentLink,
  parseBackgroundMessage,
  parseEngineCommand,
} from './protocol.ts';
import { DEFAULT_SETTINGS, engineSettings } from './settings/schema.ts';

describe('isTorrentLink', () => {
  it.each([
    ['magnet:?xt=urn:btih:' + 'a'.repeat(40), true],
    ['https://example.com/files/big.torrent', true],
    ['http://example.com/files/BIG.TORRENT', true],
    ['https://example.com/files/big.torrent?x=1#y', true],
    ['https://example.com/get?id=1', false],
    ['https://example.com/big.torrent.html', false],
    ['ftp://example.com/big.torrent', false],
    ['javascript:alert(1)//.torrent', false],
    ['not a url', false],
  ])('%s → %s', (url, expected) => {
    expect(isTorrentLink(url)).toBe(expected);
  });
});

describe('isAcceptedUrl', () => {
  it('accepts http(s) and magnet, nothing else, of sane length', () => {
    expect(isAcceptedUrl('https://a.example/x')).toBe(true);
    expect(isAcceptedUrl('magnet:?xt=urn:btih:abc')).toBe(true);
    expect(isAcceptedUrl('file:///etc/passwd')).toBe(false);
    expect(isAcceptedUrl('chrome://settings')).toBe(false);
    expect(isAcceptedUrl(42)).toBe(false);
    expect(isAcceptedUrl('https://a.example/' + 'x'.repeat(9000))).toBe(false);
  });
});

describe('parseBackgroundMessage', () => {
  it('keeps valid messages and rebuilds them without extra fields', () => {
    expect(
      parseBackgroundMessage({
        target: 'background',
        type: 'link-click',
        url: 'https://a.example/x.torrent',
        torrent: true,
        extra: 'dropped',
      }),
    ).toEqual({
      target: 'background',
      type: 'link-click',
      url: 'https://a.example/x.torrent',
      torrent: true,
    });
    expect(
      parseBackgroundMessage({ target: 'background', type: 'remove', id: 't1', deleteData: true }),
    ).toEqual({ target: 'background', type: 'remove', id: 't1', deleteData: true });
  });

  it('rejects malformed and foreign messages', () => {
    const bad: unknown[] = [
      null,
      'link-click',
      { target: 'engine', type: 'get-state' },
      { target: 'background', type: 'link-click', url: 'file:///x', torrent: true },
      { target: 'background', type: 'link-click', url: 'https://a.example/' },
      { target: 'background', type: 'pause' },
      { target: 'background', type: 'pause', id: 'x'.repeat(200) },
      { target: 'background', type: 'remove', id: 't1' },
      {
        target: 'background',
        type: 'save-file',
        torrentId: 't1',
        fileIndex: 0,
        url: 'https://evil',
        filename: 'a',
      },
      { target: 'background', type: 'notify', kind: 'other', title: 'noticeAdded', message: 'b' },
      // Titles are message names of the catalogue, never free text.
      {
        target: 'background',
        type: 'notify',
        kind: 'added',
        title: 'Added',
        titleArgs: [],
        message: 'b',
      },
      {
        target: 'background',
        type: 'notify',
        kind: 'added',
        title: 'noticeAdded',
        titleArgs: [1],
        message: 'b',
      },
      { target: 'background', type: 'unknown' },
    ];
    for (const msg of bad) expect(parseBackgroundMessage(msg), JSON.stringify(msg)).toBeNull();
  });

  it('caps notification text', () => {
    const msg = parseBackgroundMessage({
      target: 'background',
      type: 'notify',
      kind: 'error',
      title: 'noticeTorrentFailed',
      titleArgs: ['t'.repeat(1000)],
      message: 'm'.repeat(5000),
    });
    expect(msg && msg.type === 'notify' && msg.title).toBe('noticeTorrentFailed');
    expect(msg && msg.type === 'notify' && msg.titleArgs[0]!.length).toBe(200);
    expect(msg && msg.type === 'notify' && msg.message.length).toBe(500);
  });
});

describe('parseEngineCommand', () => {
  it('accepts add by url or magnet, and no other kind', () => {
    expect(
      parseEngineCommand({
        target: 'engine',
        type: 'add',
        source: addRequestFor('https://a.example/t'),
      }),
    ).toEqual({
      target: 'engine',
      type: 'add',
      source: { kind: 'url', url: 'https://a.example/t' },
    });
    const magnet = 'magnet:?xt=urn:btih:' + 'a'.repeat(40);
    expect(
      parseEngineCommand({ target: 'engine', type: 'add', source: addRequestFor(magnet) }),
    ).toEqual({ target: 'engine', type: 'add', source: { kind: 'magnet', uri: magnet } });
    expect(
      parseEngineCommand({ target: 'engine', type: 'add', source: { kind: 'url', url: magnet } }),
    ).toBeNull();
    expect(
      parseEngineCommand({ target: 'engine', type: 'add', source: { kind: 'file', bytes: [1] } }),
    ).toBeNull();
  });

  it('configure: carries validated engine settings, or is dropped', () => {
    const settings = engineSettings(DEFAULT_SETTINGS);
    expect(parseEngineCommand({ target: 'engine', type: 'configure', settings })).toEqual({
      target: 'engine',
      type: 'configure',
      settings,
    });
    const bad = { ...settings, trackers: ['javascript:alert(1)'] };
    expect(parseEngineCommand({ target: 'engine', type: 'configure', settings: bad })).toBeNull();
    expect(parseBackgroundMessage({ target: 'background', type: 'get-engine-settings' })).toEqual({
      target: 'background',
      type: 'get-engine-settings',
    });
  });

  it('rejects messages for other targets', () => {
    expect(parseEngineCommand({ target: 'background', type: 'get-state' })).toBeNull();
    expect(parseEngineCommand({ target: 'engine', type: 'get-state' })).toEqual({
      target: 'engine',
      type: 'get-state',
    });
  });
});

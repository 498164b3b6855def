/**
 * Chrome's engine host: an offscreen document (reason WEB_RTC), because WebRTC needs a
 * document and a service worker has none. Wiring only: runtime messages in and out.
 */
import { browser } from 'wxt/browser';
import { createEngineHost } from '@/lib/host/create-engine';
import { parseEngineCommand, type EngineReply } from '@/lib/protocol';
import {
  DEFAULT_SETTINGS,
  engineSettings,
  parseEngineSettings,
  type EngineSettings,
} from '@/lib/settings/schema';

const send = (msg: unknown) => {
  browser.runtime.sendMessage(msg).catch(() => {
    // Nobody listening (popup closed, service worker asleep): state is re-sent on change.
  });
};

/** The user's settings, from the background (this document has no extension storage). */
async function askSettings(): Promise<EngineSettings> {
  const answer: unknown = await browser.runtime
    .sendMessage({ target: 'background', type: 'get-engine-settings' })
    .catch(() => null);
  return parseEngineSettings(answer) ?? engineSettings(DEFAULT_SETTINGS);
}

const ready = askSettings().then((settings) =>
  createEngineHost({ toBackground: send, broadcast: send }, settings),
);
const ownOrigin = browser.runtime.getURL('/');

ready.catch((err: unknown) => {
  // Nothing works without the host (e.g. IndexedDB would not open): say why, and close this
  // document, so that the next command or the keep-alive alarm makes a new one that tries
  // again. (window.close() closes an offscreen document: measured in Chromium 156.)
  void browser.runtime
    .sendMessage({
      target: 'background',
      type: 'notify',
      kind: 'error',
      title: 'noticeEngineFailedToStart',
      titleArgs: [],
      message: err instanceof Error ? err.message : String(err),
    })
    .catch(() => {})
    .finally(() => window.close());
});

browser.runtime.onMessage.addListener((raw, sender) => {
  // Commands come from the background only: our own origin, not a tab's content script.
  if (sender.id !== browser.runtime.id || sender.tab || !sender.url?.startsWith(ownOrigin)) {
    return undefined;
  }
  const cmd = parseEngineCommand(raw);
  if (!cmd) return undefined;
  return ready
    .then((host) => host.handle(cmd))
    .then((value): EngineReply => ({ engine: true, value }));
});

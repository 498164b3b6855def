/**
 * Keeps one engine host alive and talks to it. Chrome: an offscreen document (reason
 * WEB_RTC), recreated when gone. Firefox: the background page itself hosts the engine.
 */
import { browser } from 'wxt/browser';
import {
  isEngineReply,
  type EngineCommand,
  type EngineEvent,
  type StateMessage,
} from '../protocol.ts';
import type { EngineSettings } from '../settings/schema.ts';

interface OffscreenApi {
  createDocument(p: { url: string; reasons: string[]; justification: string }): Promise<void>;
}
interface ChromeApis {
  offscreen: OffscreenApi;
  runtime: { getContexts(filter: { contextTypes: string[] }): Promise<unknown[]> };
}
/** Chrome-only APIs that webextension-polyfill does not type. */
const chromeApis = () => (globalThis as unknown as { chrome: ChromeApis }).chrome;

const OFFSCREEN_URL = 'offscreen.html';
let creating: Promise<void> | null = null;

async function hasOffscreen(): Promise<boolean> {
  const contexts = await chromeApis().runtime.getContexts({ contextTypes: ['OFFSCREEN_DOCUMENT'] });
  return contexts.length > 0;
}

export async function ensureOffscreen(): Promise<void> {
  if (await hasOffscreen()) return;
  creating ??= chromeApis()
    .offscreen.createDocument({
      url: OFFSCREEN_URL,
      reasons: ['WEB_RTC'],
      justification: 'Torrent engine: WebRTC peers, web seeds and piece storage',
    })
    .catch(async (err: unknown) => {
      // Another caller created it first.
      if (!(await hasOffscreen())) throw err;
    })
    .finally(() => {
      creating = null;
    });
  await creating;
}

type Local = { handle(cmd: EngineCommand): Promise<unknown> };
let local: Promise<Local> | null = null;

/**
 * Firefox: the engine runs here. `onEvent` receives what the host would have sent to the
 * background over runtime messaging.
 */
export function useLocalEngine(
  onEvent: (e: EngineEvent) => void,
  onState: (s: StateMessage) => void,
  settings: Promise<EngineSettings>,
): void {
  local = Promise.all([import('../host/create-engine.ts'), settings]).then(
    ([{ createEngineHost }, s]) =>
      createEngineHost(
        {
          toBackground: onEvent,
          broadcast: (m) => {
            // A page does not receive its own runtime messages: the badge is updated here.
            onState(m);
            void browser.runtime.sendMessage(m).catch(() => {});
          },
        },
        s,
      ),
  );
}

/** Sends a command to the engine host and returns its answer. */
export async function sendToEngine(cmd: EngineCommand): Promise<unknown> {
  if (local) return (await local).handle(cmd);
  await ensureOffscreen();
  // The document may still be loading its script, and other extension pages (the popup)
  // receive the message too: retry while no answer came from the engine itself.
  for (let attempt = 1; ; attempt++) {
    let reply: unknown;
    let failure: unknown = null;
    try {
      reply = await browser.runtime.sendMessage(cmd);
    } catch (err) {
      failure = err;
    }
    if (isEngineReply(reply)) return reply.value;
    const retryable =
      failure === null || /Receiving end does not exist|port closed/i.test(String(failure));
    if (attempt >= MAX_ATTEMPTS || !retryable) {
      throw failure ?? new Error('The engine did not answer');
    }
    await new Promise((r) => setTimeout(r, 50 * attempt));
    await ensureOffscreen();
  }
}

/** About 5 s in all (50 ms, 100 ms, … between attempts). */
const MAX_ATTEMPTS = 14;

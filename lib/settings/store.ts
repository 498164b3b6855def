/**
 * Where the settings live: two typed, versioned WXT storage items. What follows the user
 * to their other browsers is in storage.sync; what belongs to this device (speed limits,
 * the site list) in storage.local. Read back through normalize*, so a bad or old stored
 * value loses only itself. Usable wherever extension storage is (background, options
 * page, popup, content scripts); not in Chrome's offscreen document, which gets the
 * engine's part from the background.
 */
import { storage } from 'wxt/utils/storage';
import {
  DEFAULT_DEVICE,
  DEFAULT_SYNCED,
  normalizeDevice,
  normalizeSynced,
  type DeviceSettings,
  type Settings,
  type SyncedSettings,
} from './schema.ts';

export const syncedItem = storage.defineItem<SyncedSettings>('sync:settings', {
  fallback: DEFAULT_SYNCED,
  version: 1,
});

export const deviceItem = storage.defineItem<DeviceSettings>('local:settings', {
  fallback: DEFAULT_DEVICE,
  version: 1,
});

export async function loadSettings(): Promise<Settings> {
  const [synced, device] = await Promise.all([syncedItem.getValue(), deviceItem.getValue()]);
  return { ...normalizeSynced(synced), ...normalizeDevice(device) };
}

/** Stores a complete, validated settings object: each half in its own area. */
export async function saveSettings(s: Settings): Promise<void> {
  const synced: SyncedSettings = {
    trackers: s.trackers,
    stunServers: s.stunServers,
    seedRatio: s.seedRatio,
    seedMinutes: s.seedMinutes,
    interceptLinks: s.interceptLinks,
    notifications: s.notifications,
  };
  const device: DeviceSettings = {
    downloadLimitKiB: s.downloadLimitKiB,
    uploadLimitKiB: s.uploadLimitKiB,
    neverTakeSites: s.neverTakeSites,
  };
  await Promise.all([syncedItem.setValue(synced), deviceItem.setValue(device)]);
}

/** Calls `cb` with the whole settings whenever either half changes. Returns the unwatch. */
export function watchSettings(cb: (s: Settings) => void): () => void {
  const reload = () => void loadSettings().then(cb, () => {});
  const a = syncedItem.watch(reload);
  const b = deviceItem.watch(reload);
  return () => {
    a();
    b();
  };
}

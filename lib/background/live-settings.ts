/** The settings as the background sees them: loaded once, kept current, changes announced. */
import { loadSettings, watchSettings } from '../settings/store.ts';
import { DEFAULT_SETTINGS, type Settings } from '../settings/schema.ts';

export class LiveSettings {
  private value: Promise<Settings>;

  constructor(onChange: (s: Settings) => void) {
    this.value = loadSettings().catch(() => DEFAULT_SETTINGS);
    watchSettings((s) => {
      this.value = Promise.resolve(s);
      onChange(s);
    });
  }

  /** The settings now (the first read may still be on its way at a worker's start). */
  current(): Promise<Settings> {
    return this.value;
  }
}

import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../settings/schema.ts';
import { formOf, settingsOf } from './options-form.ts';

describe('options form', () => {
  it('round-trips the settings through the form text', () => {
    const s = { ...DEFAULT_SETTINGS, neverTakeSites: ['a.example', 'b.example'], seedRatio: 0.5 };
    expect(settingsOf(formOf(s))).toEqual({ settings: s });
  });

  it('every bad field is reported at once, each with its own error', () => {
    const f = {
      ...formOf(DEFAULT_SETTINGS),
      seedRatio: 'two',
      uploadLimitKiB: '-5',
      neverTakeSites: 'good.example\nbad site',
    };
    const r = settingsOf(f);
    expect('errors' in r && Object.keys(r.errors).sort()).toEqual([
      'neverTakeSites',
      'seedRatio',
      'uploadLimitKiB',
    ]);
    expect('errors' in r && r.errors.neverTakeSites?.entry).toBe('bad site');
  });
});

// Reading the benchmark's settings from the environment, with errors that name the variable.

/**
 * A number from the environment, or the fallback when unset or empty.
 * @param {string} name @param {number} fallback
 * @param {{ min?: number, integer?: boolean }} [o] min: smallest allowed (default: above 0)
 */
export function numberEnv(name, fallback, o = {}) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  const tooSmall = o.min === undefined ? n <= 0 : n < o.min;
  if (!Number.isFinite(n) || tooSmall || (o.integer && !Number.isInteger(n))) {
    const what = o.integer ? 'an integer' : 'a number';
    const range = o.min === undefined ? 'above 0' : `≥ ${o.min}`;
    throw new Error(`${name} must be ${what} ${range}, got "${raw}"`);
  }
  return n;
}

/**
 * A comma-separated list of words from a fixed set, or the fallback when unset or empty.
 * 'none' (alone) is the empty list.
 * @template {string} T
 * @param {string} name @param {readonly T[]} allowed @param {readonly T[]} fallback
 * @returns {T[]}
 */
export function listEnv(name, allowed, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return [...fallback];
  if (raw.trim() === 'none') return [];
  const items = raw.split(',').map((s) => s.trim());
  const bad = items.filter((s) => !allowed.includes(/** @type {T} */ (s)));
  if (bad.length || !items.length) {
    throw new Error(`${name}: unknown ${bad.join(', ')}; choose from ${allowed.join(', ')}`);
  }
  return /** @type {T[]} */ ([...new Set(items)]);
}

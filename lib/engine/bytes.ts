/** Byte-array helpers shared across the engine. */

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The ArrayBuffer behind `data` when `data` covers all of it (so it can be moved or reused). */
export function wholeBuffer(data: Uint8Array): ArrayBuffer | undefined {
  const buf = data.buffer;
  return buf instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === buf.byteLength
    ? buf
    : undefined;
}

/** Lowercase hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

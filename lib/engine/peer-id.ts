/** Peer ids and infohashes as bytes. */

/** Bytes of a hex string (an infohash). */
export function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** A peer id for a client: Azureus style `-SL0001-` and 12 random characters. */
export function makePeerId(random: () => number): Uint8Array {
  const chars = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  let id = '-SL0001-';
  while (id.length < 20) id += chars[Math.floor(random() * chars.length)];
  return new TextEncoder().encode(id);
}

// Sizes, and how the demo prints them.

export const KiB = 1024;
export const MiB = 1024 * KiB;

/** @param {number} bytes */
export function formatSize(bytes) {
  if (bytes >= MiB) return `${+(bytes / MiB).toFixed(1)} MiB`;
  if (bytes >= KiB) return `${+(bytes / KiB).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

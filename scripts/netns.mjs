// A network namespace that has only loopback (shared/e2e-recipe.md), for `npm test` and
// `npm run bench`: no test traffic (DNS look-ups of public trackers included) leaves the machine.
import { spawnSync } from 'node:child_process';

/**
 * The `unshare` command that makes a new network namespace: root uses a plain one, others a user
 * namespace too; null when neither works here.
 * @returns {string[] | null}
 */
export function netnsPrefix() {
  const probe = (/** @type {string[]} */ args) =>
    spawnSync('unshare', [...args, 'true'], { stdio: 'ignore' }).status === 0;
  if (process.getuid?.() === 0 && probe(['--net'])) return ['unshare', '--net'];
  if (probe(['--user', '--map-root-user', '--net'])) {
    return ['unshare', '--user', '--map-root-user', '--net'];
  }
  return null;
}

/**
 * Runs `command ...args` (no shell parsing of them) in a new loopback-only namespace, lo up, and
 * waits for it; null when no namespace can be made.
 * @param {string} command @param {string[]} args
 * @param {import('node:child_process').SpawnSyncOptions} [options]
 */
export function spawnInLoopbackNamespace(command, args, options = {}) {
  const prefix = netnsPrefix();
  if (!prefix) return null;
  const [unshare = 'unshare', ...opts] = prefix;
  return spawnSync(
    unshare,
    [...opts, 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', command, ...args],
    options,
  );
}

export const NO_NETNS_MESSAGE =
  'Cannot create a loopback-only network namespace (unshare --net); refusing to run.';

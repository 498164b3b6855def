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
 * Firefox offers only the address of its default route as an ICE candidate unless the page
 * captures a camera or microphone (nICEr's "default local addresses only"), and finds that
 * address by a UDP connect to 8.8.8.8 (no packet sent). A namespace with only loopback has no
 * route there, so Firefox gathers no candidate at all and never connects to a peer. This route
 * sends that one address to loopback with source 127.0.0.1: the probe then answers 127.0.0.1,
 * as a real machine's answers its LAN address; nothing is reachable through it (nobody here
 * has 8.8.8.8, and packets to it never leave lo). Chromium and libwebrtc probe the same way.
 */
export const DEFAULT_ADDRESS_ROUTE = ['8.8.8.8/32', 'dev', 'lo', 'src', '127.0.0.1'];
const SETUP = `ip link set lo up && ip route add ${DEFAULT_ADDRESS_ROUTE.join(' ')}`;

/**
 * Adds DEFAULT_ADDRESS_ROUTE if this process is in a loopback-only namespace that lacks it
 * (tests started with a plain `unshare --net` instead of npm test); never touches a network
 * namespace that has any interface but lo. True when the route is there.
 */
export function ensureDefaultAddressRoute() {
  const ip = (/** @type {string[]} */ args) =>
    spawnSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  if (ip(['route', 'get', '8.8.8.8']).status === 0) return true;
  const links = ip(['-o', 'link', 'show']).stdout ?? '';
  const names = links
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(':')[1]?.trim());
  if (names.length !== 1 || names[0] !== 'lo') return false;
  return ip(['route', 'add', ...DEFAULT_ADDRESS_ROUTE]).status === 0;
}

/**
 * Runs `command ...args` (no shell parsing of them) in a new loopback-only namespace, lo up
 * with DEFAULT_ADDRESS_ROUTE, and waits for it; null when no namespace can be made.
 * @param {string} command @param {string[]} args
 * @param {import('node:child_process').SpawnSyncOptions} [options]
 */
export function spawnInLoopbackNamespace(command, args, options = {}) {
  const prefix = netnsPrefix();
  if (!prefix) return null;
  const [unshare = 'unshare', ...opts] = prefix;
  return spawnSync(
    unshare,
    [...opts, 'sh', '-c', `${SETUP} && exec "$0" "$@"`, command, ...args],
    options,
  );
}

export const NO_NETNS_MESSAGE =
  'Cannot create a loopback-only network namespace (unshare --net); refusing to run.';

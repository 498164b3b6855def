// Types for scripts/netns.mjs (the parts TypeScript code imports).
export const DEFAULT_ADDRESS_ROUTE: string[];
export function ensureDefaultAddressRoute(): boolean;
export function netnsPrefix(): string[] | null;
export const NO_NETNS_MESSAGE: string;

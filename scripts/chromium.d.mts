export const CHROMIUM_BASE_ARGS: string[];
export function findChromium(): string | undefined;

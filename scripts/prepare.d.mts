// Types for prepare.mjs, which stays plain JavaScript because it runs before node_modules exists.
type Log = (line: string) => void;
export const REPO_ROOT: string;
export const WASM_PATH: string;
export class PrepareError extends Error {}
export function ensureNodeModules(options?: { log?: Log }): void;
export function ensureFilterBuilt(options?: { log?: Log }): string;

// Types for install-envoy.mjs, which stays plain JavaScript because it runs before node_modules exists.
export const ENVOY_VERSION: string;
export const ENVOY_DIR: string;
export const ENVOY_BIN: string;
export class EnvoyInstallError extends Error {}
export function installedVersion(bin?: string): string | undefined;
export function ensureEnvoy(options?: { force?: boolean; log?: (line: string) => void }): string;

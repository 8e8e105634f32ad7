// Types for pull.mjs, which stays plain JavaScript because it runs before anything is compiled.
export const REPO_ROOT: string;
export const MANIFEST_PATH: string;
export const DEFAULT_CACHE: string;
export class PullError extends Error {
  readonly code: string;
  constructor(code: string, message: string);
}
export interface ModelSpec {
  description?: string;
  maven: string;
  jarSha256: string;
  files: Record<string, { entry: string; sha256: string }>;
}
/** An encoder that runs another entry's files: its heads were trained on that model's first layers. */
export interface VariantSpec {
  description?: string;
  files_of: string;
  /** Tuned weights put into that entry's model when it is loaded (path from the repository root). */
  weights?: { file: string; sha256: string };
}
export function loadManifest(path?: string): { default: string; models: Record<string, ModelSpec | VariantSpec> };
export function filesOf(name: string, manifest?: { models: Record<string, ModelSpec | VariantSpec> }): string;
export function sha256(buf: Uint8Array): string;
export function readZipEntries(zip: Buffer, wanted: readonly string[]): Map<string, Buffer>;
export function pullModel(options?: {
  name?: string;
  cacheDir?: string;
  fromDir?: string;
  fromJar?: string;
  force?: boolean;
  log?: (line: string) => void;
}): { dir: string; fetched: boolean };

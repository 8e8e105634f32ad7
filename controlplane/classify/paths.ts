// Resolves project-local artifacts relative to this file, so the classifier works from any cwd.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_MODEL = 'bge-small-en-v1.5-q';

/** The directory `scripts/models/pull.mjs` fills; SWITCHYARD_MODEL_DIR overrides it. */
export function defaultModelDir(): string {
  return process.env.SWITCHYARD_MODEL_DIR ?? join(REPO_ROOT, '.cache', 'models', DEFAULT_MODEL);
}

export const HEADS_DIR = join(REPO_ROOT, 'models', 'heads');

/** The files an encoder model directory must hold (what `scripts/models/pull.mjs` writes). */
export const MODEL_FILES = ['model.onnx', 'tokenizer.json'] as const;

export class ModelMissingError extends Error {
  readonly code = 'model_missing';
  constructor(readonly path: string) {
    super(
      `encoder model not found: ${path} is missing. Fetch it with \`npm run models:pull\` (or \`switchyard models pull\`), ` +
        'point inference.model_dir at a directory holding model.onnx and tokenizer.json, or set classifier.encoder: false to route by rules only',
    );
    this.name = 'ModelMissingError';
  }
}

/** Checked before anything is loaded, so a missing download is reported as such, with the fix. */
export function assertModelFiles(modelDir: string): void {
  for (const file of MODEL_FILES) {
    const path = join(modelDir, file);
    if (!existsSync(path)) throw new ModelMissingError(path);
  }
}

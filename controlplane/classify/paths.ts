// Resolves project-local artifacts relative to this file, so the classifier works from any cwd.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_MODEL = 'bge-small-en-v1.5-q';

/** The directory `scripts/models/pull.mjs` fills; SWITCHYARD_MODEL_DIR overrides it. */
export function defaultModelDir(): string {
  return process.env.SWITCHYARD_MODEL_DIR ?? join(REPO_ROOT, '.cache', 'models', DEFAULT_MODEL);
}

export const HEADS_DIR = join(REPO_ROOT, 'models', 'heads');

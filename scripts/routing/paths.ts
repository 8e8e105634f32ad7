// Where the routing scripts read and write by default. The MMLU-Pro data sits outside the repo and is
// resolved relative to the repo root, so no machine-specific path is ever written into the project.
import { join, resolve } from 'node:path';
import { knownEncoders, REPO_ROOT } from '../../controlplane/classify/paths.ts';

export { REPO_ROOT };
export const DEFAULT_PRICES = join(REPO_ROOT, 'models', 'routing', 'prices.yaml');
export const DEFAULT_TABLE = join(REPO_ROOT, 'models', 'routing', 'category-scores.json');
/** `--encoder`'s value, checked: an encoder this build has heads for. */
export function routingEncoder(name: string): string {
  if (!knownEncoders().includes(name)) throw new Error(`--encoder: no encoder ${name}; one of ${knownEncoders().join(', ')}`);
  return name;
}

/**
 * Where embed-questions.ts caches `encoder`'s question embeddings (.f32 vectors + .json ids and the
 * sha256 of the model bytes it ran), one directory per encoder so switching encoders keeps both.
 */
export function embeddingsPrefix(encoder: string): string {
  return join(REPO_ROOT, '.cache', 'routing', encoder, 'questions.emb');
}

/** `--data` wins, then MMLU_PRO_DIR (the same variable scripts/train/prep_mmlu.py reads), then the shared checkout. */
export function dataDir(flag?: string): string {
  return resolve(REPO_ROOT, flag ?? process.env.MMLU_PRO_DIR ?? join('..', 'shared', 'data', 'mmlu-pro'));
}

// Where the routing scripts read and write by default. The MMLU-Pro data sits outside the repo and is
// resolved relative to the repo root, so no machine-specific path is ever written into the project.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_PRICES = join(REPO_ROOT, 'models', 'routing', 'prices.yaml');
export const DEFAULT_TABLE = join(REPO_ROOT, 'models', 'routing', 'category-scores.json');
/**
 * The encoder the replay classifies and embeds with: bge small, which docs/ROUTING-QUALITY.md's
 * figures were measured with (the default encoder then). Named here rather than taken from the
 * manifest's default, which now runs MiniLM's pinned file with tuned weights put in place: these
 * scripts read a model file as it is.
 */
export const ROUTING_ENCODER = 'bge-small-en-v1.5-q';
/** Cached question embeddings from embed-questions.ts (.f32 vectors + .json ids and encoder sha). */
export const EMB_PREFIX = join(REPO_ROOT, '.cache', 'routing', 'questions.emb');

/** `--data` wins, then MMLU_PRO_DIR (the same variable scripts/train/prep_mmlu.py reads), then the shared checkout. */
export function dataDir(flag?: string): string {
  return resolve(REPO_ROOT, flag ?? process.env.MMLU_PRO_DIR ?? join('..', 'shared', 'data', 'mmlu-pro'));
}

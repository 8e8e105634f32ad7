// Resolves project-local artifacts relative to this file, so the classifier works from any cwd.
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_CACHE, filesOf, loadManifest, REPO_ROOT } from '../../scripts/models/pull.mjs';

export { REPO_ROOT };

const manifest = loadManifest();

/** The encoder used when the config names none (scripts/models/manifest.json, "default"). */
export const DEFAULT_MODEL = manifest.default;

/** The directory `switchyard models pull` fills for encoder `name` (a variant's: the files it runs). */
export function modelDirOf(name: string = DEFAULT_MODEL): string {
  return join(DEFAULT_CACHE, filesOf(name, manifest));
}

/**
 * A tuned encoder's weights (scripts/train/distill.py): the file that replaces some of its model's
 * initializers, and that file's pinned sha256. Undefined for an encoder that runs its files as pulled.
 */
export function weightsOf(name: string = DEFAULT_MODEL): { path: string; sha256: string } | undefined {
  const spec = manifest.models[name];
  const w = spec !== undefined && 'weights' in spec ? spec.weights : undefined;
  return w === undefined ? undefined : { path: resolve(REPO_ROOT, w.file), sha256: w.sha256 };
}

/** Trained heads live in one directory per encoder, named like the encoder. */
export const HEADS_ROOT = resolve(REPO_ROOT, 'models', 'heads');

export function headsDirOf(name: string = DEFAULT_MODEL): string {
  return join(HEADS_ROOT, name);
}

let encoders: string[] | undefined;

/** Encoders this build can run: those with trained heads (read once; every config validation asks). */
export function knownEncoders(): string[] {
  encoders ??= readdirSync(HEADS_ROOT, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  return encoders;
}

/** The files an encoder model directory must hold (what `scripts/models/pull.mjs` writes). */
export const MODEL_FILES = ['model.onnx', 'tokenizer.json'] as const;

export class ModelMissingError extends Error {
  readonly code = 'model_missing';
  constructor(readonly path: string) {
    super(
      `encoder model not found: ${path} is missing. Fetch it with \`npm run models:pull\` (or \`switchyard models pull\`, ` +
        'with `--model NAME` for an encoder other than the default), point inference.model_dir at a directory holding ' +
        'model.onnx and tokenizer.json, or set classifier.encoder: false to route by rules only',
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

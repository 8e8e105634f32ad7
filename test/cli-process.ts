// `switchyard <command>` as a separate process, for tests that signal or kill it.

import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../bin/switchyard.js', import.meta.url));

export interface Running {
  readonly child: ChildProcessWithoutNullStreams;
  /** Everything printed so far, stdout and stderr together. */
  output(): string;
}

/** Starts `switchyard controlplane ...args` and resolves once it says where it listens. */
export async function startControlPlaneProcess(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Running> {
  const child = spawn(process.execPath, [BIN, 'controlplane', ...args], { env: { ...process.env, ...env } });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const deadline = Date.now() + 60_000;
  while (!out.includes('control plane on')) {
    assert.equal(child.exitCode, null, `exited early: ${out}`);
    assert.ok(Date.now() < deadline, `no start-up line: ${out}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, output: () => out };
}

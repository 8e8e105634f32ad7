// `switchyard up`: the whole local stack on fixed ports, until Ctrl-C or SIGTERM.

import { DEFAULT_CONFIG_PATH, loadConfig } from '../controlplane/config/load.ts';
import { ensureEnvoy } from '../scripts/install-envoy.mjs';
import { ensureFilterBuilt } from '../scripts/prepare.mjs';
import { EXIT_OK, parseFlags, portFlag, runUntilStopped, UsageError } from './command.ts';
import { withLogTail } from './envoy.ts';
import { ensureEncoderModel } from './models.ts';
import { holdPort } from './ports.ts';
import { startStack } from './stack.ts';

export const USAGE = 'switchyard up [--port 8080] [--admin-port 8081] [--config FILE]';

export async function up(args: string[]): Promise<number> {
  const flags = parseFlags('up', args, { port: { type: 'string' }, 'admin-port': { type: 'string' }, config: { type: 'string' } });
  const port = portFlag('up', '--port', flags.port, 8080);
  const adminPort = portFlag('up', '--admin-port', flags['admin-port'], 8081);
  if (port === adminPort) throw new UsageError(`switchyard up: --port and --admin-port are both ${port}; they must differ`);
  // Checked before the (slow) build and install, and held until Envoy binds them (ports.ts).
  const held = [await holdPort(port, '--port')];
  let stack;
  try {
    held.push(await holdPort(adminPort, '--admin-port'));
    const configPath = flags.config ?? DEFAULT_CONFIG_PATH;
    ensureEncoderModel(loadConfig(configPath));
    const wasmPath = ensureFilterBuilt();
    const envoyPath = ensureEnvoy();
    stack = await startStack({ envoyPath, wasmPath, port, adminPort, configPath, heldPorts: held });
  } finally {
    await Promise.all(held.map((h) => h.release()));
  }

  const models = stack.config.models.map((m) => m.name).join(',');
  console.log(`switchyard: ready on ${stack.url} (admin :${stack.envoy.adminPort}, control plane :${stack.controlPlanePort}, models: ${models})`);

  const envoyDied = stack.envoy.exited.then(
    ({ code, signal }) => new Error(withLogTail(`Envoy exited unexpectedly (${signal ?? `exit code ${code}`})`, stack.envoy.logTail())),
  );
  await runUntilStopped(() => stack.close(), envoyDied);
  console.log('switchyard: stopped');
  return EXIT_OK;
}

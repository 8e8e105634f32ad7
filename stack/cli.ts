// `switchyard <command>`: the command table and the top-level error reporting.

import { ConfigError } from '../controlplane/config/load.ts';
import { readAdminToken } from '../controlplane/admin/auth.ts';
import { createLogger, LOG_LEVELS, type LogLevel } from '../controlplane/log.ts';
import { startControlPlane } from '../controlplane/server.ts';
import { createTracing } from '../controlplane/telemetry/tracing.ts';
import { openStore } from './store-flags.ts';
import { startDemoLLM } from '../demo/llm.ts';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, parseFlags, portFlag, runUntilStopped, UsageError, type Command } from './command.ts';
import { gpu, USAGE as GPU_USAGE } from './gpu.ts';
import { models, USAGE as MODELS_USAGE } from './models.ts';
import { up, USAGE as UP_USAGE } from './up.ts';

const CONTROLPLANE_USAGE =
  'switchyard controlplane --port N [--host 127.0.0.1] [--admin-port N] [--config FILE] [--state-dir DIR | --store kubernetes:NAMESPACE/CONFIGMAP] [--admin-token-file FILE] [--wasm FILE] [--log-level info|debug] [--log-prompts] [--otlp-endpoint URL]';
const DEMO_LLM_USAGE = 'switchyard demo-llm --port N --models a,b [--host 127.0.0.1]';

// Further commands register here.
const COMMANDS: Record<string, Command> = {
  up: { usage: UP_USAGE, run: up },
  controlplane: {
    usage: CONTROLPLANE_USAGE,
    async run(args) {
      const flags = parseFlags('controlplane', args, {
        port: { type: 'string' },
        host: { type: 'string' },
        'admin-port': { type: 'string' },
        config: { type: 'string' },
        'state-dir': { type: 'string' },
        store: { type: 'string' },
        'admin-token-file': { type: 'string' },
        wasm: { type: 'string' },
        'log-level': { type: 'string' },
        'log-prompts': { type: 'boolean' },
        'otlp-endpoint': { type: 'string' },
      });
      const level = flags['log-level'] ?? 'info';
      if (!(LOG_LEVELS as readonly string[]).includes(level)) {
        throw new UsageError(`switchyard controlplane: --log-level must be one of ${LOG_LEVELS.join(', ')}, got "${level}"`);
      }
      const host = flags.host ?? '127.0.0.1';
      const port = portFlag('controlplane', '--port', flags.port);
      const adminPort = flags['admin-port'] === undefined ? undefined : portFlag('controlplane', '--admin-port', flags['admin-port']);
      if (adminPort === port) throw new UsageError('switchyard controlplane: --admin-port must differ from --port (leave it out to serve the admin API on --port)');
      const store = await openStore(flags['state-dir'], flags.store);
      const server = await startControlPlane({
        port,
        host,
        adminPort,
        configPath: flags.config,
        store,
        adminToken: readAdminToken(flags['admin-token-file']),
        wasmFile: flags.wasm,
        logger: createLogger({ level: level as LogLevel, logPrompts: flags['log-prompts'] === true }),
        // The standard OpenTelemetry variable works too; the flag wins.
        tracing: createTracing({ endpoint: flags['otlp-endpoint'] ?? process.env.OTEL_EXPORTER_OTLP_ENDPOINT }),
      });
      console.log(`switchyard: control plane on http://${host}:${server.port}${adminPort === undefined ? '' : `, admin API on http://${host}:${server.adminPort}`} (config store: ${store.description})`);
      // A classifier that cannot load (no GPU for device: cuda, a broken model) never becomes
      // ready; exiting with the cause beats an unready process that an orchestrator keeps probing.
      const loadFailed = server.ready.then(() => new Promise<Error>(() => {}), (err: Error) => err);
      await runUntilStopped(() => server.close(), loadFailed);
      return EXIT_OK;
    },
  },
  models: { usage: MODELS_USAGE, run: models },
  gpu: { usage: GPU_USAGE, run: gpu },
  'demo-llm': {
    usage: DEMO_LLM_USAGE,
    async run(args) {
      const flags = parseFlags('demo-llm', args, { port: { type: 'string' }, host: { type: 'string' }, models: { type: 'string' } });
      const models = (flags.models ?? '').split(',').map((m) => m.trim()).filter(Boolean);
      if (models.length === 0) throw new UsageError('switchyard demo-llm: --models needs at least one model name (e.g. --models math-model,general)');
      const host = flags.host ?? '127.0.0.1';
      const server = await startDemoLLM({ port: portFlag('demo-llm', '--port', flags.port), host, models });
      console.log(`switchyard: demo LLM on http://${host}:${server.port} (models: ${models.join(',')})`);
      await runUntilStopped(() => server.close());
      return EXIT_OK;
    },
  },
};

function usage(): string {
  return ['usage:', ...Object.values(COMMANDS).map((c) => `  ${c.usage}`)].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    console.log(usage());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const command = COMMANDS[name];
  try {
    if (!command) throw new UsageError(`switchyard: unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(', ')})`);
    if (args.includes('--help') || args.includes('-h')) {
      console.log(`usage: ${command.usage}`);
      return EXIT_OK;
    }
    return await command.run(args);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n${command ? `usage: ${command.usage}` : usage()}`);
      return EXIT_USAGE;
    }
    console.error(err instanceof ConfigError ? `switchyard: ${err.message}` : `switchyard ${name}: ${(err as Error).message}`);
    return EXIT_FAILURE;
  }
}

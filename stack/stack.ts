// The local stack: control plane, one demo LLM per demo model, and Envoy running the filter in front
// of them. Used by `switchyard up`, the integration tests and the benchmark, so all three run the
// same wiring.

import { DEFAULT_CONFIG_PATH, loadConfig, type Config } from '../controlplane/config/load.ts';
import { startControlPlane } from '../controlplane/server.ts';
import { startDemoLLM } from '../demo/llm.ts';
import { fallbackChains } from '../controlplane/policy/chains.ts';
import { buildBootstrap, type FilterConfig } from './bootstrap.ts';
import { startEnvoy, type Envoy, type EnvoyOptions } from './envoy.ts';
import type { PortHold } from './ports.ts';
import { demoModels, resolveUpstreams } from './upstreams.ts';

// Loading a classifier model from disk can take a while on a cold cache.
const CONTROL_PLANE_READY_TIMEOUT_MS = 120_000;

interface Closable {
  close(): Promise<void>;
}

export interface StackOptions {
  envoyPath: string;
  wasmPath: string;
  /** 0 (the default) lets the OS pick; the bound port is reported on the Stack. */
  port?: number;
  adminPort?: number;
  /** Holds on port and adminPort (ports.ts holdPort), released just before Envoy binds them. */
  heldPorts?: PortHold[];
  configPath?: string;
  /** Merged over what the routing config implies; `false` runs Envoy without the filter. */
  filter?: FilterConfig | false;
  concurrency?: number;
  logLevel?: EnvoyOptions['logLevel'];
}

export interface Stack {
  readonly config: Config;
  readonly envoy: Envoy;
  readonly url: string;
  readonly adminUrl: string;
  readonly controlPlanePort: number;
  /** Demo model name -> its demo LLM's port. */
  readonly demoPorts: ReadonlyMap<string, number>;
  /** Stops only the control plane (to exercise the filter's failure mode). Idempotent. */
  stopControlPlane(): Promise<void>;
  /** Stops one demo model's backend (to exercise fallbacks). Idempotent. */
  stopModel(name: string): Promise<void>;
  /** Stops Envoy, then the servers; idempotent, and it always tries every part. */
  close(): Promise<void>;
}

/**
 * The filter config for a routing config: its trigger models; explicit model names routed by header
 * (every configured model has a route in this stack, so a client naming one reaches it); then the
 * caller's overrides.
 */
export function filterConfigFor(config: Config, overrides: FilterConfig = {}): FilterConfig {
  return { trigger_models: config.trigger_models, route_explicit_models: true, ...overrides };
}

function closeOnce(server: Closable): Closable {
  let closing: Promise<void> | undefined;
  return { close: () => (closing ??= server.close()) };
}

async function closeAll(parts: readonly Closable[]): Promise<void> {
  const results = await Promise.allSettled(parts.map((p) => p.close()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * The control plane answers at once but refuses decisions until its classifier has loaded; a stack
 * reported ready before that would fail (or fail open) its first requests. A classifier that fails
 * to load fails the start with its cause.
 */
async function waitForReadiness(ready: Promise<void>, timeoutMs = CONTROL_PLANE_READY_TIMEOUT_MS): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`control plane not ready after ${timeoutMs} ms: classifier is still loading`)), timeoutMs);
  });
  try {
    await Promise.race([ready, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const configPath = opts.configPath ?? DEFAULT_CONFIG_PATH;
  const config = loadConfig(configPath);
  // Started parts in start order; on a failure they are closed before the error propagates.
  const servers: Closable[] = [];
  try {
    const started = await startControlPlane({ port: 0, configPath });
    const controlPlane = closeOnce(started);
    servers.push(controlPlane);
    const controlPlanePort = started.port;
    const demoPorts = new Map<string, number>();
    const demos = new Map<string, Closable>();
    for (const model of demoModels(config)) {
      const demo = await startDemoLLM({ port: 0, models: [model] });
      const closable = closeOnce(demo);
      servers.push(closable);
      demos.set(model, closable);
      demoPorts.set(model, demo.port);
    }
    await waitForReadiness(started.ready);

    const { models, caBundlePath } = resolveUpstreams(config, demoPorts);
    const fallbackChainsOfConfig = await fallbackChains(config);
    const bootstrap = buildBootstrap({
      port: opts.port ?? 0,
      adminPort: opts.adminPort ?? 0,
      controlPlanePort,
      models,
      defaultModel: config.default_model,
      filter: opts.filter === false ? undefined : { wasmPath: opts.wasmPath, config: filterConfigFor(config, opts.filter) },
      caBundlePath,
      fallbackChains: fallbackChainsOfConfig,
    });
    await Promise.all((opts.heldPorts ?? []).map((h) => h.release()));
    const envoy = await startEnvoy({ envoyPath: opts.envoyPath, bootstrap, concurrency: opts.concurrency, logLevel: opts.logLevel });

    let closing: Promise<void> | undefined;
    return {
      config,
      envoy,
      url: envoy.url,
      adminUrl: envoy.adminUrl,
      controlPlanePort,
      demoPorts,
      stopControlPlane: () => controlPlane.close(),
      stopModel: async (name) => {
        const demo = demos.get(name);
        if (demo === undefined) throw new Error(`no demo backend serves "${name}"`);
        await demo.close();
      },
      close: () =>
        (closing ??= (async () => {
          // Envoy first, so no request reaches a server that is already gone.
          await envoy.stop();
          await closeAll(servers);
        })()),
    };
  } catch (err) {
    await closeAll(servers).catch(() => {});
    throw err;
  }
}

// The Envoy bootstrap of the local stack: one listener whose HTTP connection manager runs the
// Switchyard wasm filter before the router, one cluster per model, one for the control plane.
// A pure function of its options, so it is unit-tested without starting anything.

import { FALLBACKS_HEADER } from '../controlplane/decide.ts';

/** The filter's plugin configuration (docs/filter-config.md); every field optional. */
export interface FilterConfig {
  cluster?: string;
  authority?: string;
  path?: string;
  timeout_ms?: number;
  trigger_models?: readonly string[];
  paths?: readonly string[];
  max_body_bytes?: number;
  context_bytes?: number;
  failure_mode?: 'open' | 'closed';
  selected_model_header?: string;
  forward_headers?: readonly string[];
  route_explicit_models?: boolean;
  breaker_failures?: number;
  breaker_cooldown_ms?: number;
  report_usage?: boolean;
  usage_path?: string;
  usage_flush_ms?: number;
  usage_max_body_bytes?: number;
}

/** The filter's own defaults for the fields the bootstrap must agree with. */
export const FILTER_DEFAULTS = {
  cluster: 'switchyard_controlplane',
  max_body_bytes: 1_048_576,
  failure_mode: 'open',
  selected_model_header: 'x-selected-model',
} as const;

export type Upstream =
  /** Served on loopback (a demo LLM). */
  | { kind: 'local'; port: number }
  /**
   * An OpenAI-compatible provider. `baseUrl` ends in the provider's API root (usually `/v1`); the
   * client's `/v1/...` path is re-rooted there. `apiKey` is sent as a bearer token when present.
   */
  | { kind: 'external'; baseUrl: string; apiKey?: string };

export interface BootstrapModel {
  name: string;
  upstream: Upstream;
}

export interface BootstrapOptions {
  port: number;
  adminPort: number;
  controlPlanePort: number;
  models: readonly BootstrapModel[];
  defaultModel: string;
  /** Absent: Envoy without the Switchyard filter (the benchmark's baseline). */
  filter?: { wasmPath: string; config: FilterConfig };
  /** CA bundle to verify external providers with; required when one is reached over https. */
  caBundlePath?: string;
  /** Model and ordered fallbacks a decision can name: each gets a route that retries down the chain. */
  fallbackChains?: readonly { model: string; fallbacks: readonly string[] }[];
}


const LOOPBACK = '127.0.0.1';
const MAX_DOWNSTREAM_CONNECTIONS = 10_000;
/** Envoy's `per_connection_buffer_limit_bytes` default; our floor. */
const ENVOY_DEFAULT_BUFFER = 1_048_576;

export function clusterName(model: string): string {
  return `model_${model}`;
}

function socketAddress(address: string, port: number) {
  return { socket_address: { address, port_value: port } };
}

/**
 * The filter buffers a request body up to `max_body_bytes` and must see it grow past the cap to
 * apply its body_too_large rule; Envoy answers 413 itself once a buffering filter exceeds the
 * connection's limit. So the limit sits one default-sized window above the cap.
 */
export function bufferLimitBytes(maxBodyBytes: number): number {
  return maxBodyBytes + ENVOY_DEFAULT_BUFFER;
}

function staticCluster(name: string, port: number, bufferLimit: number) {
  return {
    name,
    type: 'STATIC',
    connect_timeout: '2s',
    per_connection_buffer_limit_bytes: bufferLimit,
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(LOOPBACK, port) } }] }] },
  };
}

function externalCluster(name: string, baseUrl: URL, bufferLimit: number, caBundlePath: string | undefined) {
  const tls = baseUrl.protocol === 'https:';
  const port = baseUrl.port ? Number(baseUrl.port) : tls ? 443 : 80;
  if (tls && !caBundlePath) throw new Error(`model cluster ${name}: an https backend needs a CA bundle to verify ${baseUrl.hostname}`);
  return {
    name,
    type: 'LOGICAL_DNS',
    dns_lookup_family: 'V4_PREFERRED',
    connect_timeout: '5s',
    per_connection_buffer_limit_bytes: bufferLimit,
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(baseUrl.hostname, port) } }] }] },
    ...(tls && {
      transport_socket: {
        name: 'envoy.transport_sockets.tls',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
          sni: baseUrl.hostname,
          common_tls_context: {
            validation_context: {
              trusted_ca: { filename: caBundlePath },
              match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: baseUrl.hostname } }],
            },
          },
        },
      },
    }),
  };
}

function modelCluster(model: BootstrapModel, bufferLimit: number, caBundlePath: string | undefined) {
  const name = clusterName(model.name);
  return model.upstream.kind === 'local'
    ? staticCluster(name, model.upstream.port, bufferLimit)
    : externalCluster(name, new URL(model.upstream.baseUrl), bufferLimit, caBundlePath);
}

/** Route action plus per-route request headers that send a request to `model`'s cluster. */
function routeTo(model: BootstrapModel) {
  // LLM responses stream for minutes; Envoy's 15 s default route timeout would cut them off.
  const route: Record<string, unknown> = { cluster: clusterName(model.name), timeout: '0s' };
  if (model.upstream.kind === 'local') return { route };

  const url = new URL(model.upstream.baseUrl);
  const basePath = url.pathname.replace(/\/+$/, '');
  route.host_rewrite_literal = url.host;
  // Clients speak `/v1/...` to Switchyard; the provider's API root may be elsewhere (`/openai/v1`).
  if (basePath !== '/v1') route.regex_rewrite = { pattern: { regex: '^/v1/' }, substitution: `${basePath}/` };
  const apiKey = model.upstream.apiKey;
  return {
    route,
    ...(apiKey !== undefined && {
      request_headers_to_add: [{ header: { key: 'authorization', value: `Bearer ${apiKey}` }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }],
    }),
  };
}

function wasmFilter(wasmPath: string, config: FilterConfig) {
  return {
    name: 'envoy.filters.http.wasm',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm',
      config: {
        name: 'switchyard',
        vm_config: { vm_id: 'switchyard', runtime: 'envoy.wasm.runtime.v8', code: { local: { filename: wasmPath } } },
        configuration: { '@type': 'type.googleapis.com/google.protobuf.StringValue', value: JSON.stringify(config) },
        // The filter holds the headers (StopIteration) while it reads the body to decide the route.
        // Without this Envoy turns that into StopAllIteration, which never delivers the body to it.
        allow_on_headers_stop_iteration: true,
        // A filter that cannot run (VM crash) follows the same rule as an unreachable control plane.
        failure_policy: (config.failure_mode ?? FILTER_DEFAULTS.failure_mode) === 'open' ? 'FAIL_OPEN' : 'FAIL_CLOSED',
      },
    },
  };
}

// Retries walk an aggregate cluster's children in order: each child is one priority level, and the
// previous_priorities plugin steers every retry away from the levels already tried. Only chains of
// loopback models: external providers need per-target host and path rewrites and credentials, which
// one route cannot vary per retry (Envoy AI Gateway's priority failover does that in a cluster).
function fallbackRoutes(opts: BootstrapOptions, header: string, byName: ReadonlyMap<string, BootstrapModel>) {
  const chains = (opts.fallbackChains ?? []).filter((c) => [c.model, ...c.fallbacks].every((m) => byName.get(m)?.upstream.kind === 'local'));
  const clusters = chains.map((c) => ({
    name: `fallback:${[c.model, ...c.fallbacks].join('>')}`,
    connect_timeout: '1s',
    lb_policy: 'CLUSTER_PROVIDED',
    cluster_type: {
      name: 'envoy.clusters.aggregate',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.clusters.aggregate.v3.ClusterConfig',
        clusters: [c.model, ...c.fallbacks].map(clusterName),
      },
    },
  }));
  const routes = chains.map((c, i) => ({
    name: (clusters[i] as { name: string }).name,
    match: {
      prefix: '/',
      headers: [
        { name: header, string_match: { exact: c.model } },
        { name: FALLBACKS_HEADER, string_match: { exact: c.fallbacks.join(',') } },
      ],
    },
    route: {
      cluster: (clusters[i] as { name: string }).name,
      timeout: '0s',
      retry_policy: {
        retry_on: 'connect-failure,refused-stream,reset,5xx',
        num_retries: c.fallbacks.length,
        retry_priority: {
          name: 'envoy.retry_priorities.previous_priorities',
          typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig', update_frequency: 1 },
        },
      },
    },
  }));
  return { clusters, routes };
}

export function buildBootstrap(opts: BootstrapOptions): object {
  const byName = new Map(opts.models.map((m) => [m.name, m]));
  const defaultModel = byName.get(opts.defaultModel);
  if (!defaultModel) throw new Error(`default model "${opts.defaultModel}" is not among the models (${[...byName.keys()].join(', ')})`);

  const filterConfig = opts.filter?.config ?? {};
  const bufferLimit = bufferLimitBytes(filterConfig.max_body_bytes ?? FILTER_DEFAULTS.max_body_bytes);
  const header = filterConfig.selected_model_header ?? FILTER_DEFAULTS.selected_model_header;
  const fallback = fallbackRoutes(opts, header, byName);
  const controlPlane = filterConfig.cluster ?? FILTER_DEFAULTS.cluster;
  const routes = [
    // The model list a client reads (chat UIs fill their model menu from it), and one model by id,
    // hold the trigger names and every configured model, which only the control plane knows.
    { name: 'model-list', match: { path_separated_prefix: '/v1/models', headers: [{ name: ':method', string_match: { exact: 'GET' } }] }, route: { cluster: controlPlane } },
    // More specific than a model's own route, so first.
    ...fallback.routes,
    ...opts.models.map((m) => ({
      name: m.name,
      match: { prefix: '/', headers: [{ name: header, string_match: { exact: m.name } }] },
      ...routeTo(m),
    })),
    { name: 'default', match: { prefix: '/' }, ...routeTo(defaultModel) },
  ];

  const httpFilters = [
    ...(opts.filter ? [wasmFilter(opts.filter.wasmPath, filterConfig)] : []),
    { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } },
  ];

  return {
    admin: { address: socketAddress(LOOPBACK, opts.adminPort) },
    // A bound on open client connections; without one Envoy warns at every start.
    overload_manager: {
      resource_monitors: [
        {
          name: 'envoy.resource_monitors.global_downstream_max_connections',
          typed_config: {
            '@type': 'type.googleapis.com/envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig',
            max_active_downstream_connections: MAX_DOWNSTREAM_CONNECTIONS,
          },
        },
      ],
    },
    static_resources: {
      listeners: [
        {
          name: 'switchyard',
          address: socketAddress(LOOPBACK, opts.port),
          per_connection_buffer_limit_bytes: bufferLimit,
          filter_chains: [
            {
              filters: [
                {
                  name: 'envoy.filters.network.http_connection_manager',
                  typed_config: {
                    '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
                    stat_prefix: 'switchyard',
                    codec_type: 'AUTO',
                    route_config: { name: 'models', virtual_hosts: [{ name: 'all', domains: ['*'], routes }] },
                    http_filters: httpFilters,
                  },
                },
              ],
            },
          ],
        },
      ],
      clusters: [
        ...opts.models.map((m) => modelCluster(m, bufferLimit, opts.caBundlePath)),
        ...fallback.clusters,
        staticCluster(controlPlane, opts.controlPlanePort, ENVOY_DEFAULT_BUFFER),
      ],
    },
  };
}

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ensureEnvoy } from '../../scripts/install-envoy.mjs';
import { buildBootstrap, bufferLimitBytes, type BootstrapOptions } from '../../stack/bootstrap.ts';
import { findCaBundle } from '../../stack/upstreams.ts';

// The bootstrap is plain data; these views pick out the parts the tests look at.
type Json = any;
const hcm = (b: Json) => b.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
const routes = (b: Json) => hcm(b).route_config.virtual_hosts[0].routes;
const cluster = (b: Json, name: string) => b.static_resources.clusters.find((c: Json) => c.name === name);

const base: BootstrapOptions = {
  port: 8080,
  adminPort: 8081,
  controlPlanePort: 9000,
  models: [
    { name: 'math-model', upstream: { kind: 'local', port: 9001 } },
    { name: 'general', upstream: { kind: 'local', port: 9002 } },
  ],
  defaultModel: 'general',
  filter: { wasmPath: '/x/switchyard.wasm', config: { trigger_models: ['MoM'], max_body_bytes: 4096, failure_mode: 'closed' } },
};

describe('buildBootstrap', () => {
  it('runs the wasm filter, configured with the filter JSON, before the router', () => {
    const filters = hcm(buildBootstrap(base)).http_filters;
    assert.deepEqual(filters.map((f: Json) => f.name), ['envoy.filters.http.wasm', 'envoy.filters.http.router']);
    const plugin = filters[0].typed_config.config;
    assert.equal(plugin.vm_config.runtime, 'envoy.wasm.runtime.v8');
    assert.equal(plugin.vm_config.code.local.filename, '/x/switchyard.wasm');
    assert.equal(plugin.configuration['@type'], 'type.googleapis.com/google.protobuf.StringValue');
    assert.deepEqual(JSON.parse(plugin.configuration.value), base.filter!.config);
    assert.equal(plugin.failure_policy, 'FAIL_CLOSED');
    assert.equal(plugin.allow_on_headers_stop_iteration, true, 'the filter reads the body while holding the headers');
  });

  it('fails open at the VM level when the filter fails open', () => {
    const b = buildBootstrap({ ...base, filter: { wasmPath: 'w', config: {} } });
    assert.equal(hcm(b).http_filters[0].typed_config.config.failure_policy, 'FAIL_OPEN');
  });

  it('leaves the filter out when asked (the benchmark baseline)', () => {
    const b = buildBootstrap({ ...base, filter: undefined });
    assert.deepEqual(hcm(b).http_filters.map((f: Json) => f.name), ['envoy.filters.http.router']);
  });

  it('routes each model by the selected-model header, then everything else to the default model', () => {
    const r = routes(buildBootstrap(base));
    assert.deepEqual(
      r.map((x: Json) => [x.match.headers?.[0].name, x.match.headers?.[0].string_match.exact, x.route.cluster]),
      [
        [':method', 'GET', 'switchyard_controlplane'],
        ['x-selected-model', 'math-model', 'model_math-model'],
        ['x-selected-model', 'general', 'model_general'],
        [undefined, undefined, 'model_general'],
      ],
    );
    for (const x of r.slice(1)) assert.equal(x.route.timeout, '0s', 'streamed answers are not cut off');
  });

  it('sends GET /v1/models and /v1/models/<id>, and nothing else, to the control plane, on the filter\'s cluster', () => {
    const [list] = routes(buildBootstrap(base));
    assert.deepEqual(list.match, { path_separated_prefix: '/v1/models', headers: [{ name: ':method', string_match: { exact: 'GET' } }] });
    const renamed = buildBootstrap({ ...base, filter: { wasmPath: 'w', config: { cluster: 'decisions' } } }) as Json;
    assert.equal(routes(renamed)[0].route.cluster, 'decisions');
    assert.ok(cluster(renamed, 'decisions'));
  });

  it('follows a renamed selected-model header', () => {
    const b = buildBootstrap({ ...base, filter: { wasmPath: 'w', config: { selected_model_header: 'x-model' } } });
    assert.equal(routes(b)[1].match.headers[0].name, 'x-model');
  });

  it('points demo clusters and the control plane cluster at loopback ports', () => {
    const b = buildBootstrap(base) as Json;
    const address = (name: string) => cluster(b, name).load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address;
    assert.deepEqual(address('model_math-model'), { address: '127.0.0.1', port_value: 9001 });
    assert.deepEqual(address('switchyard_controlplane'), { address: '127.0.0.1', port_value: 9000 });
    assert.deepEqual(b.admin.address.socket_address, { address: '127.0.0.1', port_value: 8081 });
    assert.deepEqual((b as Json).static_resources.listeners[0].address.socket_address, { address: '127.0.0.1', port_value: 8080 });
  });

  it('names the control plane cluster after the filter config', () => {
    const b = buildBootstrap({ ...base, filter: { wasmPath: 'w', config: { cluster: 'decisions' } } });
    assert.ok(cluster(b, 'decisions'));
  });

  it('lets buffered bodies grow past the filter cap, so the filter (not Envoy) decides', () => {
    const b = buildBootstrap(base);
    const limit = (b as Json).static_resources.listeners[0].per_connection_buffer_limit_bytes;
    assert.equal(limit, bufferLimitBytes(4096));
    assert.ok(limit > 4096);
    assert.ok(bufferLimitBytes(64 * 1024 * 1024) > 64 * 1024 * 1024);
  });

  it('reaches an https provider over TLS with host rewrite, path re-rooting and the API key', () => {
    const b = buildBootstrap({
      ...base,
      models: [...base.models, { name: 'gpt', upstream: { kind: 'external', baseUrl: 'https://llm.example/openai/v1/', apiKey: 'sk-test' } }],
      caBundlePath: '/ca.pem',
    });
    const c = cluster(b, 'model_gpt');
    assert.equal(c.type, 'LOGICAL_DNS');
    assert.deepEqual(c.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address, { address: 'llm.example', port_value: 443 });
    const tls = c.transport_socket.typed_config;
    assert.equal(tls.sni, 'llm.example');
    assert.equal(tls.common_tls_context.validation_context.trusted_ca.filename, '/ca.pem');
    const route = routes(b).find((x: Json) => x.route.cluster === 'model_gpt');
    assert.equal(route.route.host_rewrite_literal, 'llm.example');
    assert.deepEqual(route.route.regex_rewrite, { pattern: { regex: '^/v1/' }, substitution: '/openai/v1/' });
    assert.deepEqual(route.request_headers_to_add, [
      { header: { key: 'authorization', value: 'Bearer sk-test' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
    ]);
  });

  it('keeps a /v1 provider path as is, and plain http without TLS or key', () => {
    const b = buildBootstrap({ ...base, models: [...base.models, { name: 'local-vllm', upstream: { kind: 'external', baseUrl: 'http://gpu-box:8000/v1' } }] });
    const c = cluster(b, 'model_local-vllm');
    assert.equal(c.transport_socket, undefined);
    assert.equal(c.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value, 8000);
    const route = routes(b).find((x: Json) => x.route.cluster === 'model_local-vllm');
    assert.equal(route.route.regex_rewrite, undefined);
    assert.equal(route.route.host_rewrite_literal, 'gpu-box:8000');
    assert.equal(route.request_headers_to_add, undefined);
  });

  it('refuses an https provider without a CA bundle, and an unknown default model', () => {
    const https = { name: 'gpt', upstream: { kind: 'external' as const, baseUrl: 'https://llm.example/v1' } };
    assert.throws(() => buildBootstrap({ ...base, models: [https], defaultModel: 'gpt' }), /needs a CA bundle/);
    assert.throws(() => buildBootstrap({ ...base, defaultModel: 'nope' }), /default model "nope" is not among the models \(math-model, general\)/);
  });

  it('is accepted by Envoy itself', () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-bootstrap-test-'));
    try {
      const path = join(dir, 'bootstrap.json');
      const b = buildBootstrap({
        ...base,
        filter: undefined,
        models: [...base.models, { name: 'gpt', upstream: { kind: 'external', baseUrl: 'https://llm.example/openai/v1', apiKey: 'k' } }],
        caBundlePath: findCaBundle(),
      });
      writeFileSync(path, JSON.stringify(b));
      const run = spawnSync(ensureEnvoy(), ['--mode', 'validate', '-c', path, '--disable-hot-restart', '--log-level', 'error'], { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stdout + run.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// Cross-checks between the gateway resources, the filter's plugin config (docs/filter-config.md)
// and the control plane's config, without any tool besides kustomize: names that must agree across
// files are the usual way such a deployment breaks silently.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { configModels, find, manifestsDir, parse, render, repoRoot } from './helpers.ts';

const eg = parse(render('envoy-gateway'));
const ai = parse(render('ai-gateway'));
const models = configModels(readFileSync(join(manifestsDir, 'base', 'config.yaml'), 'utf8'));
const policy = find(eg, 'EnvoyExtensionPolicy', 'switchyard-filter');
const wasm = policy.spec.wasm[0];
const config = wasm.config as Record<string, unknown>;

/** Parses a Kubernetes quantity like 4Mi into bytes (binary and decimal suffixes). */
function bytes(q: string): number {
  const m = /^(\d+)(Ki|Mi|Gi|k|M|G)?$/.exec(q);
  assert.ok(m, `bad quantity ${q}`);
  const mult: Record<string, number> = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, k: 1e3, M: 1e6, G: 1e9 };
  return Number(m[1]) * (m[2] ? mult[m[2]] : 1);
}

describe('filter config (EnvoyExtensionPolicy wasm[].config)', () => {
  it('uses only documented fields with valid types and ranges', () => {
    const allowed = ['cluster', 'authority', 'path', 'timeout_ms', 'trigger_models', 'paths', 'max_body_bytes', 'failure_mode', 'selected_model_header', 'forward_headers'];
    for (const k of Object.keys(config)) assert.ok(allowed.includes(k), `unknown filter config field ${k} (the filter refuses it)`);
    const str = (k: string) => config[k] === undefined || (typeof config[k] === 'string' && (config[k] as string).length > 0);
    const strs = (k: string) => config[k] === undefined || (Array.isArray(config[k]) && (config[k] as unknown[]).every((x) => typeof x === 'string'));
    const int = (k: string, lo: number, hi: number) => config[k] === undefined || (Number.isInteger(config[k]) && (config[k] as number) >= lo && (config[k] as number) <= hi);
    for (const k of ['cluster', 'authority', 'path', 'selected_model_header']) assert.ok(str(k), k);
    for (const k of ['trigger_models', 'paths', 'forward_headers']) assert.ok(strs(k), k);
    assert.ok(int('timeout_ms', 1, 60000), 'timeout_ms');
    assert.ok(int('max_body_bytes', 1, 67108864), 'max_body_bytes');
    assert.ok(config.failure_mode === undefined || ['open', 'closed'].includes(config.failure_mode as string));
    assert.ok((config.trigger_models as string[]).includes('MoM'), 'the install guide sends "model": "MoM"');
  });

  it('is loaded over HTTP from the control plane admin port with a pinned sha256 and failOpen', () => {
    assert.equal(wasm.code.type, 'HTTP');
    assert.equal(wasm.code.http.url, 'http://switchyard-controlplane.switchyard-system.svc.cluster.local:8081/filter/switchyard.wasm');
    assert.match(wasm.code.http.sha256, /^[0-9a-f]{64}$/);
    assert.equal(typeof wasm.failOpen, 'boolean');
    assert.deepEqual(policy.spec.targetRefs, [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'switchyard' }]);
  });

  it('names the cluster that the EnvoyPatchPolicy adds, pointing at the decision port', () => {
    const epp = find(eg, 'EnvoyPatchPolicy');
    const patch = epp.spec.jsonPatches.find((p: { type: string }) => p.type === 'type.googleapis.com/envoy.config.cluster.v3.Cluster');
    assert.equal(patch.operation.value.name, config.cluster);
    assert.equal(patch.name, config.cluster);
    const addr = patch.operation.value.loadAssignment.endpoints[0].lbEndpoints[0].endpoint.address.socketAddress;
    assert.equal(addr.address, 'switchyard-decision.switchyard-system.svc.cluster.local');
    assert.equal(addr.portValue, 8080);
    const base = parse(render('base'));
    const headless = find(base, 'Service', 'switchyard-decision');
    assert.equal(headless.spec.clusterIP, 'None', 'STRICT_DNS needs the headless Service to see every replica');
  });

  it('buffer limit (ClientTrafficPolicy) is above max_body_bytes and the default 32 KiB', () => {
    const ctp = find(eg, 'ClientTrafficPolicy');
    const limit = bytes(ctp.spec.connection.bufferLimit);
    assert.ok(limit > (config.max_body_bytes as number ?? 1048576), `bufferLimit ${limit} <= max_body_bytes`);
    assert.ok(limit > 32 * 1024);
    assert.deepEqual(ctp.spec.targetRefs, policy.spec.targetRefs);
  });
});

describe('model routing', () => {
  const header = (config.selected_model_header as string | undefined) ?? 'x-selected-model';

  it('HTTPRoutes: one rule per configured model on the selected-model header, a default, and the model list', () => {
    const route = find(eg, 'HTTPRoute', 'switchyard-models');
    const routed: string[] = [];
    let defaults = 0;
    let lists = 0;
    for (const r of route.spec.rules) {
      if (r.matches[0].path.value === '/v1/models') {
        // The model list goes to the control plane, which knows the trigger names and the models.
        assert.deepEqual([r.matches[0].path.type, r.matches[0].method, r.backendRefs[0].name, r.backendRefs[0].port], ['PathPrefix', 'GET', 'switchyard-controlplane', 8080]);
        lists++;
        continue;
      }
      const headers = r.matches.flatMap((m: { headers?: { name: string; value: string; type: string }[] }) => m.headers ?? []);
      if (headers.length === 0) { defaults++; continue; }
      for (const h of headers) {
        assert.equal(h.name, header);
        assert.equal(h.type, 'Exact');
        routed.push(h.value);
        assert.equal(r.backendRefs[0].name, h.value, `x-selected-model ${h.value} goes to ${r.backendRefs[0].name}`);
      }
      assert.ok(r.timeouts?.request, 'LLM routes need a request timeout above Envoy\'s 15 s default');
    }
    assert.deepEqual(routed.sort(), models);
    assert.equal(defaults, 1);
    assert.equal(lists, 1);
  });

  it('AIGatewayRoute: matches the selected-model header for every model and overrides model names', () => {
    const route = find(ai, 'AIGatewayRoute');
    const routed = route.spec.rules.flatMap((r: { matches: { headers: { name: string; value: string }[] }[] }) =>
      r.matches.flatMap((m) => m.headers.map((h) => { assert.equal(h.name, header); return h.value; })));
    assert.deepEqual(routed.sort(), models);
    for (const r of route.spec.rules) for (const b of r.backendRefs) assert.ok(b.modelNameOverride, `${b.name} lacks modelNameOverride`);
    assert.deepEqual(route.spec.llmRequestCosts.map((c: { type: string }) => c.type).sort(), ['InputToken', 'OutputToken', 'TotalToken']);
  });

  it('AI Gateway: providers, credentials, failover, canary, limits, mirroring are all present', () => {
    const backends = ai.filter((o) => o.kind === 'AIServiceBackend').map((o) => [o.metadata.name, o.spec.schema.name]);
    assert.ok(backends.some(([, s]) => s === 'Anthropic'));
    assert.ok(backends.some(([n, s]) => n === 'openai' && s === 'OpenAI'));
    assert.ok(backends.some(([n]) => n.startsWith('vllm-')));
    const bsp = ai.filter((o) => o.kind === 'BackendSecurityPolicy').map((o) => o.spec.type).sort();
    assert.deepEqual(bsp, ['APIKey', 'AnthropicAPIKey']);
    const route = find(ai, 'AIGatewayRoute');
    const rule = (m: string) => route.spec.rules.find((r: { matches: { headers: { value: string }[] }[] }) => r.matches[0].headers[0].value === m);
    assert.deepEqual(rule('general').backendRefs.map((b: { priority: number }) => b.priority), [0, 1, 2]);
    assert.equal(rule('code-model').backendRefs.reduce((s: number, b: { weight: number }) => s + b.weight, 0), 100);
    const btp = find(ai, 'BackendTrafficPolicy');
    assert.equal(btp.spec.targetRefs[0].name, route.metadata.name, 'must target the HTTPRoute AI Gateway generates (same name)');
    assert.equal(btp.spec.retry.numAttemptsPerPriority, 1);
    const units = btp.spec.rateLimit.global.rules.map((r: { limit: { unit: string }; clientSelectors: { headers: { name: string }[] }[]; cost: { response: { metadata: { key: string } } } }) => {
      assert.equal(r.clientSelectors[0].headers[0].name, 'x-switchyard-tenant');
      assert.equal(r.cost.response.metadata.key, 'llm_total_token');
      return r.limit.unit;
    });
    assert.deepEqual(units.sort(), ['Hour', 'Minute']);
    const shadow = find(ai, 'HTTPRoute', 'switchyard-shadow');
    assert.equal(shadow.spec.rules[0].filters[0].type, 'RequestMirror');
  });
});

describe('control-plane config in the ConfigMap', () => {
  const text = readFileSync(join(manifestsDir, 'base', 'config.yaml'), 'utf8');
  const doc = parseYaml(text) as Record<string, unknown>;
  const { inference, ...routing } = doc;

  it('routing part equals controlplane/config/default.yaml and passes the control plane validator', async () => {
    const { parseConfig } = await import('../../controlplane/config/load.ts');
    const defaults = parseYaml(readFileSync(join(repoRoot, 'controlplane', 'config', 'default.yaml'), 'utf8'));
    assert.deepEqual(routing, defaults, 'manifests/base/config.yaml drifted from controlplane/config/default.yaml');
    parseConfig(stringifyYaml(routing), 'yaml', 'manifests/base/config.yaml');
    assert.deepEqual(inference, { device: 'cpu', model: 'all-minilm-l6-v2-q-3-tuned' });
  });

  // The deployment contract asks for inference.device (cpu in base, cuda in the gpu overlay).
  it('the control plane accepts the whole file, inference.device included', async () => {
    const { parseConfig } = await import('../../controlplane/config/load.ts');
    assert.equal(parseConfig(text, 'yaml', 'manifests/base/config.yaml').inference.device, 'cpu');
  });
});

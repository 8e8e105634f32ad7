// Validates every rendered resource with kubectl-validate against the real CRDs of Gateway API,
// Envoy Gateway and Envoy AI Gateway at the pinned versions (OpenAPI schemas and CEL rules), and
// core resources against Kubernetes' own schemas. Tools and CRDs come from scripts/k8s/setup.mjs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { versions } from '../../scripts/k8s/versions.mjs';
import { kubectlValidate, kustomizations, parse, render, setupState, skipTools, writeTemp, type K8sObject } from './helpers.ts';

const { state, why } = setupState();
// A missing setup fails (the suite must not pass without its tools); only an explicit opt-out skips.
const skip = skipTools;
const aiGatewayCrds = state?.crds?.aiGateway?.dir ? null : (state?.crds?.aiGateway?.missing ?? 'AI Gateway CRDs not fetched');

type Result = { status: string; message?: string; details?: { kind?: string; name?: string } };

function validate(objs: K8sObject[], label: string): { ok: boolean; failures: string[]; count: number } {
  const file = writeTemp('validate', `${label.replace(/\W+/g, '-')}.yaml`, objs.map((o) => stringify(o)).join('---\n'));
  const r = kubectlValidate(state!, [file], versions.kubernetes);
  const jsonStart = r.output.indexOf('{');
  let results: Result[] = [];
  try {
    results = (Object.values(JSON.parse(r.output.slice(jsonStart, r.output.lastIndexOf('}') + 1))) as Result[][]).flat();
  } catch {
    return { ok: false, failures: [r.output.trim()], count: 0 };
  }
  const failures = results.filter((x) => x.status !== 'Success').map((x) => x.message ?? JSON.stringify(x));
  return { ok: r.status === 0 && failures.length === 0 && results.length === objs.length, failures, count: results.length };
}

/** Without the AI Gateway CRDs its resources cannot be checked; they are dropped and the test says so. */
function checkable(objs: K8sObject[]): K8sObject[] {
  return aiGatewayCrds ? objs.filter((o) => !o.apiVersion.startsWith('aigateway.envoyproxy.io/')) : objs;
}

describe('kubectl-validate against the real CRDs', { skip }, () => {
  if (!state) {
    it('has its tools (scripts/k8s/setup.mjs)', () => assert.fail(why));
    return;
  }
  for (const k of kustomizations()) {
    it(`${k}: every resource is valid`, () => {
      const objs = checkable(parse(render(k)));
      const r = validate(objs, k);
      assert.ok(r.ok, `kubectl-validate rejected manifests/${k}:\n${r.failures.join('\n')}`);
      assert.equal(r.count, objs.length);
    });
  }

  it('AI Gateway resources are validated too', { skip: aiGatewayCrds ?? false }, () => {
    const objs = parse(render('ai-gateway')).filter((o) => o.apiVersion.startsWith('aigateway.envoyproxy.io/'));
    assert.ok(objs.length >= 6);
  });

  // The validator must be able to say no, or the tests above prove nothing. Each case breaks one
  // rendered object the way a careless edit would, and expects the real schema to refuse it.
  const broken: { name: string; from: string; kind: string; apiPrefix?: string; mutate: (o: K8sObject) => void; expect: RegExp }[] = [
    { name: 'sha256 written as a bare number (YAML integer)', from: 'envoy-gateway', kind: 'EnvoyExtensionPolicy',
      mutate: (o) => { o.spec.wasm[0].code.http.sha256 = 0; }, expect: /sha256/ },
    { name: 'wasm code type with no matching source (CEL)', from: 'envoy-gateway', kind: 'EnvoyExtensionPolicy',
      mutate: (o) => { o.spec.wasm[0].code.type = 'Image'; }, expect: /image|Image/ },
    { name: 'HTTPRoute header match with an unknown type', from: 'envoy-gateway', kind: 'HTTPRoute',
      mutate: (o) => { o.spec.rules.find((r: K8sObject) => r.matches[0].headers).matches[0].headers[0].type = 'Prefix'; }, expect: /type/ },
    { name: 'Deployment containerPort given as a name', from: 'base', kind: 'Deployment',
      mutate: (o) => { o.spec.template.spec.containers[0].ports[0].containerPort = 'decision'; }, expect: /containerPort/ },
    { name: 'token limit per fortnight', from: 'ai-gateway', kind: 'BackendTrafficPolicy',
      mutate: (o) => { o.spec.rateLimit.global.rules[0].limit.unit = 'Fortnight'; }, expect: /unit|Fortnight/ },
    { name: 'Anthropic key under the OpenAI key type (CEL)', from: 'ai-gateway', kind: 'BackendSecurityPolicy', apiPrefix: 'aigateway.envoyproxy.io/',
      mutate: (o) => { if (o.spec.type === 'AnthropicAPIKey') o.spec.type = 'APIKey'; }, expect: /only apiKey field should be set/ },
  ];
  for (const b of broken) {
    it(`refuses a broken manifest: ${b.name}`, { skip: b.apiPrefix && aiGatewayCrds ? aiGatewayCrds : false }, () => {
      const objs = checkable(parse(render(b.from)));
      const targets = objs.filter((o) => o.kind === b.kind);
      assert.ok(targets.length > 0, `no ${b.kind} in ${b.from}`);
      targets.forEach(b.mutate);
      const r = validate(objs, `broken-${b.kind}`);
      assert.equal(r.ok, false, `kubectl-validate accepted a broken ${b.kind}`);
      assert.match(r.failures.join('\n'), b.expect);
    });
  }
});

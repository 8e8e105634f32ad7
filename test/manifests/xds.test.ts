// Translates the Envoy Gateway flavour (manifests/envoy-gateway + the control-plane and demo Services)
// into Envoy xDS offline with egctl v1.6.3 -- Envoy Gateway's own translator -- and checks what Envoy
// would actually get: the decision cluster under the filter config's name, routes on
// x-selected-model to the right backend, the raised buffer limit.
//
// egctl has no wasm module cache, so it cannot render the wasm filter itself: with the
// EnvoyExtensionPolicy present it marks the policy "wasm cache is not initialized" and turns every
// route into a 500. The first translation asserts exactly that (the policy resolved its Gateway
// target and passed every check before the download); the second, without the policy, checks the rest.
// For the same reason the patch that sets allow_on_headers_stop_iteration on that filter cannot be
// applied offline (its target does not exist): it is left out of both translations, and the last
// test checks that it names the filter and the listener Envoy Gateway generates.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { find, parse, render, run, setupState, skipTools, writeTemp, type K8sObject } from './helpers.ts';

const { state, why } = setupState();
// A missing setup fails (the suite must not pass without its tools); only an explicit opt-out skips.
const skip = skipTools;

// Distinct ClusterIPs make each route's endpoints name its backend (egctl routes to the ClusterIP).
const clusterIPs: Record<string, string> = { 'math-model': '10.96.0.11', 'code-model': '10.96.0.12', general: '10.96.0.13', 'switchyard-controlplane': '10.96.0.20' };
const STOP_ITERATION_PATCH = 'switchyard-filter-stop-iteration';
const egKinds = new Set(['GatewayClass', 'Gateway', 'HTTPRoute', 'ReferenceGrant', 'Service', 'Namespace', 'EnvoyPatchPolicy', 'EnvoyExtensionPolicy', 'ClientTrafficPolicy']);

function input(withExtensionPolicy: boolean): K8sObject[] {
  const objs = [...parse(render('envoy-gateway')), ...parse(render('base')), ...parse(render('demo'))]
    .filter((o) => egKinds.has(o.kind) && o.metadata.name !== STOP_ITERATION_PATCH && (withExtensionPolicy || o.kind !== 'EnvoyExtensionPolicy'));
  for (const o of objs) if (o.kind === 'Service' && o.spec.clusterIP !== 'None') o.spec.clusterIP = clusterIPs[o.metadata.name] ?? '10.96.0.99';
  return objs;
}

type J = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const isModelList = (r: J) => JSON.stringify(r.match).includes('/v1/models');

function translate(objs: K8sObject[], to: string): J {
  const file = writeTemp('egctl', 'input.yaml', objs.map((o) => stringify(o)).join('---\n'));
  const bin = state!.tools?.egctl?.bin ?? '';
  const r = run(bin, ['x', 'translate', '--from', 'gateway-api', '--to', to, '-t', 'all', '-o', 'json', '-f', file]);
  // egctl prints failing resources as byte arrays; the last line carries the reason.
  assert.equal(r.status, 0, `egctl x translate failed: ${r.stderr.trim().split("\n").pop()?.replace(/\[[0-9 ]{200,}\]/g, "[...]")}`);
  return JSON.parse(r.stdout);
}

function configs(out: J): { clusters: J[]; endpoints: J[]; listeners: J[]; routes: J[] } {
  const dump = out.xds['switchyard-gateway/switchyard'];
  assert.ok(dump, `no xDS for the switchyard Gateway: ${Object.keys(out.xds ?? {})}`);
  const of = (t: string) => dump.configs.find((c: J) => c['@type'].endsWith(t)) ?? {};
  return {
    clusters: (of('ClustersConfigDump').dynamicActiveClusters ?? []).map((c: J) => c.cluster),
    endpoints: (of('EndpointsConfigDump').dynamicEndpointConfigs ?? []).map((e: J) => e.endpointConfig),
    listeners: (of('ListenersConfigDump').dynamicListeners ?? []).map((l: J) => l.activeState.listener),
    routes: (of('RoutesConfigDump').dynamicRouteConfigs ?? []).flatMap((r: J) => r.routeConfig.virtualHosts.flatMap((v: J) => v.routes)),
  };
}

describe('egctl x translate (Envoy Gateway v1.6 translator)', { skip }, () => {
  if (!state) {
    it('has its tools (scripts/k8s/setup.mjs)', () => assert.fail(why));
    return;
  }
  const objs = parse(render('envoy-gateway'));
  const filterConfig = find(objs, 'EnvoyExtensionPolicy').spec.wasm[0].config;
  const header = filterConfig.selected_model_header ?? 'x-selected-model';

  it('accepts the EnvoyExtensionPolicy up to the module download, and everything else', () => {
    const out = translate(input(true), 'gateway-api,xds');
    const eep = out.envoyExtensionPolicies?.[0];
    assert.ok(eep, 'no EnvoyExtensionPolicy in the translation');
    const ancestors = eep.status.ancestors;
    assert.deepEqual(ancestors.map((a: J) => `${a.ancestorRef.kind}/${a.ancestorRef.namespace}/${a.ancestorRef.name}`), ['Gateway/switchyard-gateway/switchyard']);
    const conds = ancestors[0].conditions;
    assert.deepEqual(conds.map((c: J) => c.message), ['Wasm: wasm cache is not initialized.'],
      'any other message means Envoy Gateway refused the policy for a reason of ours');
    for (const p of out.clientTrafficPolicies) assert.equal(p.status.ancestors[0].conditions[0].reason, 'Accepted');
    for (const r of out.httpRoutes) for (const c of r.status.parents[0].conditions) assert.equal(c.status, 'True', `${r.metadata.name}: ${c.message}`);
    const gw = out.gateways[0];
    assert.ok(gw.status.listeners[0].conditions.some((c: J) => c.type === 'Programmed' && c.status === 'True'));
  });

  const x = (() => { try { return state ? configs(translate(input(false), 'xds')) : null; } catch (e) { return e as Error; } })();
  const xds = () => { if (x instanceof Error) throw x; assert.ok(x); return x; };

  it('has the decision cluster named in the filter config, on the headless decision Service', () => {
    const c = xds().clusters.find((cl: J) => cl.name === filterConfig.cluster);
    assert.ok(c, `no cluster ${filterConfig.cluster}; clusters: ${xds().clusters.map((cl: J) => cl.name)}`);
    assert.equal(c.type, 'STRICT_DNS');
    const sa = c.loadAssignment.endpoints[0].lbEndpoints[0].endpoint.address.socketAddress;
    assert.deepEqual([sa.address, sa.portValue], ['switchyard-decision.switchyard-system.svc.cluster.local', 8080]);
  });

  it('routes on x-selected-model to each model backend, with a default and a long timeout', () => {
    const { routes, endpoints } = xds();
    const ipOf = (cluster: string) => endpoints.find((e: J) => e.clusterName === cluster)?.endpoints[0].lbEndpoints[0].endpoint.address.socketAddress.address;
    const seen: Record<string, string> = {};
    let defaultBackend = '';
    for (const r of routes) {
      assert.ok(r.route?.cluster, `${r.name} has no upstream cluster: ${JSON.stringify(r).slice(0, 200)}`);
      if (isModelList(r)) continue;
      assert.equal(r.route.timeout, '300s');
      const hs = r.match.headers ?? [];
      if (hs.length === 0) { defaultBackend = ipOf(r.route.cluster); continue; }
      assert.equal(hs.length, 1);
      assert.equal(hs[0].name, header);
      seen[hs[0].stringMatch.exact] = ipOf(r.route.cluster);
    }
    assert.deepEqual(seen, { 'math-model': clusterIPs['math-model'], 'code-model': clusterIPs['code-model'], general: clusterIPs.general });
    assert.equal(defaultBackend, clusterIPs.general);
  });

  it('sends GET /v1/models and /v1/models/<id>, and only them, to the control plane\'s decision port, ahead of the model routes', () => {
    const { routes, endpoints } = xds();
    const at = routes.findIndex(isModelList);
    assert.ok(at >= 0, `no /v1/models route: ${JSON.stringify(routes.map((r: J) => r.match))}`);
    const r = routes[at];
    assert.deepEqual([r.match.pathSeparatedPrefix, r.match.headers], ['/v1/models', [{ name: ':method', stringMatch: { exact: 'GET' } }]]);
    const endpoint = endpoints.find((e: J) => e.clusterName === r.route.cluster)?.endpoints[0].lbEndpoints[0].endpoint.address.socketAddress;
    assert.deepEqual([endpoint?.address, endpoint?.portValue], [clusterIPs['switchyard-controlplane'], 8080]);
    assert.equal(r.route.timeout, '10s');
    assert.equal(at, 0, 'Envoy tries routes in order: the model routes would catch it first');
  });

  it('patches allow_on_headers_stop_iteration into the filter Envoy Gateway generates for the policy', () => {
    const eep = find(objs, 'EnvoyExtensionPolicy');
    const patch = objs.find((o) => o.kind === 'EnvoyPatchPolicy' && o.metadata.name === STOP_ITERATION_PATCH);
    assert.ok(patch, `no EnvoyPatchPolicy ${STOP_ITERATION_PATCH}`);
    const [op] = patch.spec.jsonPatches;
    // Envoy Gateway v1.6 names the HCM filter "envoy.filters.http.wasm/<policy kind>/<ns>/<name>/wasm/<index>".
    const filterName = `envoy.filters.http.wasm/envoyextensionpolicy/${eep.metadata.namespace}/${eep.metadata.name}/wasm/0`;
    assert.equal(op.operation.jsonPath, `..http_filters[?(@.name=='${filterName}')]`);
    assert.deepEqual([op.operation.op, op.operation.path, op.operation.value], ['add', '/typed_config/config/allow_on_headers_stop_iteration', true]);
    assert.ok(xds().listeners.some((l: J) => l.name === op.name), `no listener ${op.name}: ${xds().listeners.map((l: J) => l.name)}`);
  });

  it('raises the listener buffer limit (ClientTrafficPolicy)', () => {
    const l = xds().listeners.find((li: J) => li.name === 'switchyard-gateway/switchyard/http');
    assert.ok(l);
    assert.equal(l.perConnectionBufferLimitBytes, 4 * 1024 * 1024);
    assert.ok(l.perConnectionBufferLimitBytes > filterConfig.max_body_bytes);
  });
});

// Fallback chains in the local stack's Envoy config: which chains a config yields, and the routes
// and aggregate clusters built for them (exercised end to end in test/integration/fallbacks.test.ts).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../../controlplane/config/load.ts';
import { fallbackChains } from '../../controlplane/policy/chains.ts';
import { buildBootstrap } from '../../stack/bootstrap.ts';

describe('fallback chains', () => {
  it('are the ones the decision engine names for the default config', async () => {
    const chains = await fallbackChains(loadConfig(DEFAULT_CONFIG_PATH));
    // general > math-model and general > code-model come from the budget tenant, whose wide margin
    // picks general for math and code prompts.
    assert.deepEqual(chains, [
      { model: 'general', fallbacks: ['math-model'] },
      { model: 'code-model', fallbacks: ['general'] },
      { model: 'general', fallbacks: ['code-model'] },
    ]);
  });

  it('become a route before the model routes, retrying down an aggregate cluster; external members are left out', () => {
    const bootstrap = buildBootstrap({
      port: 1,
      adminPort: 2,
      controlPlanePort: 3,
      defaultModel: 'b',
      models: [
        { name: 'a', upstream: { kind: 'local', port: 10 } },
        { name: 'b', upstream: { kind: 'local', port: 11 } },
        { name: 'x', upstream: { kind: 'external', baseUrl: 'http://provider.invalid/v1' } },
      ],
      fallbackChains: [
        { model: 'a', fallbacks: ['b'] },
        { model: 'a', fallbacks: ['x'] },
      ],
    }) as any;
    const hcm = bootstrap.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
    const [, ...routes] = hcm.route_config.virtual_hosts[0].routes;
    assert.deepEqual(routes.map((r: { name: string }) => r.name), ['fallback:a>b', 'a', 'b', 'x', 'default']);
    assert.deepEqual(routes[0].match.headers, [
      { name: 'x-selected-model', string_match: { exact: 'a' } },
      { name: 'x-switchyard-fallbacks', string_match: { exact: 'b' } },
    ]);
    assert.equal(routes[0].route.retry_policy.num_retries, 1);
    assert.equal(routes[0].route.retry_policy.retry_priority.name, 'envoy.retry_priorities.previous_priorities');
    const aggregate = bootstrap.static_resources.clusters.find((c: { name: string }) => c.name === 'fallback:a>b');
    assert.deepEqual(aggregate.cluster_type.typed_config.clusters, ['model_a', 'model_b']);
  });
});

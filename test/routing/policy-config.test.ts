// The routing table as a product config, decided by the control plane's own engine.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { categoryName, tableConfig, tableRouter } from '../../scripts/routing/policy-config.ts';
import type { Price } from '../../scripts/routing/prices.ts';
import type { CategoryScores, ModelScore, RoutingTable } from '../../scripts/routing/strategies.ts';

const score = (model: string, accuracy: number, cost: number): ModelScore => ({
  model,
  accuracy,
  correct: 0,
  n: 100,
  wilson95: [0, 1],
  mean_output_tokens: 50,
  output_tokens_source: 'observed',
  cost_per_request_usd: cost,
});
const entry = (models: ModelScore[]): CategoryScores => ({ n: 100, mean_input_tokens: 200, models });

// pro is best everywhere but math, where the cheap flash leads; mid sits 3 points under pro in biology.
const table: RoutingTable = {
  version: 1,
  categories: {
    math: entry([score('flash', 0.7, 0.04), score('pro', 0.65, 0.5), score('mid', 0.5, 0.2)]),
    'computer science': entry([score('pro', 0.8, 0.5), score('mid', 0.77, 0.2), score('flash', 0.6, 0.04)]),
  },
  overall: entry([score('pro', 0.75, 0.5), score('mid', 0.7, 0.2), score('flash', 0.62, 0.04)]),
};
const prices = new Map<string, Price>([
  ['pro', { input: 1.25, output: 5 }],
  ['mid', { input: 0.9, output: 0.9 }],
  ['flash', { input: 0.075, output: 0.3 }],
]);

test('the table becomes a valid config: one priced model each, a category per subject ranking them all', () => {
  assert.equal(categoryName('computer science'), 'computer_science');
  const config = tableConfig(table, prices, 0.04);
  assert.deepEqual(config.models.map((m) => [m.name, m.pricing]), [
    ['pro', { input_per_1m: 1.25, output_per_1m: 5 }],
    ['mid', { input_per_1m: 0.9, output_per_1m: 0.9 }],
    ['flash', { input_per_1m: 0.075, output_per_1m: 0.3 }],
  ]);
  assert.deepEqual(config.categories.map((c) => [c.name, c.models.map((m) => `${m.name}=${m.score}`)]), [
    ['math', ['flash=0.7', 'pro=0.65', 'mid=0.5']],
    ['computer_science', ['pro=0.8', 'mid=0.77', 'flash=0.6']],
  ]);
  // Prices are compared at the table's mean answer length (50 tokens here).
  assert.deepEqual(config.routing, { strategy: 'cheapest_within_margin', quality_margin: 0.04, confidence_threshold: 0, expected_output_tokens: 50 });
  assert.equal(tableConfig(table, prices, 0).routing.strategy, 'best_score');
  // The default is the pooled pick at the same margin: within 0.05 of pro, mid is cheaper.
  assert.equal(tableConfig(table, prices, 0).default_model, 'pro');
  assert.equal(tableConfig(table, prices, 0.05).default_model, 'mid');
});

test('the engine picks per category and margin, and sends prompts without a category to the default', async () => {
  const cs = { label: 'computer_science', confidence: 0.9, source: 'encoder' };
  assert.equal(await tableRouter(table, prices, 0)('q', cs), 'pro');
  assert.equal(await tableRouter(table, prices, 0.03)('q', cs), 'mid');
  assert.equal(await tableRouter(table, prices, 0)('q', { label: 'math', confidence: 1, source: 'label' }), 'flash');
  assert.equal(await tableRouter(table, prices, 0.05)('q', undefined), 'mid');
  // A label the table has no category for is no category.
  assert.equal(await tableRouter(table, prices, 0)('q', { label: 'poetry', confidence: 1, source: 'label' }), 'pro');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deriveScores, wilson, type OutcomeRow } from '../../scripts/routing/scores.ts';

test('wilson interval matches the closed form and stays inside [0, 1]', () => {
  // 8/10 at z=1.96: the textbook Wilson interval is [0.4902, 0.9433].
  const [lo, hi] = wilson(8, 10);
  assert.ok(Math.abs(lo - 0.4902) < 1e-4 && Math.abs(hi - 0.9433) < 1e-4, `${lo} ${hi}`);
  assert.deepEqual(wilson(0, 0), [0, 1]);
  const [zlo, zhi] = wilson(0, 5);
  assert.equal(zlo, 0);
  assert.ok(zhi > 0 && zhi < 1);
  const [flo, fhi] = wilson(5, 5);
  assert.ok(flo > 0 && flo < 1);
  assert.ok(Math.abs(fhi - 1) < 1e-12);
  // More evidence, narrower interval around the same rate.
  const narrow = wilson(80, 100);
  assert.ok(narrow[1] - narrow[0] < hi - lo);
});

const prices = new Map([
  ['big', { input: 2, output: 10 }],
  ['small', { input: 0.2, output: 0.2 }],
  ['twin', { input: 0.2, output: 0.2 }],
]);

function row(category: string, correct: Record<string, number>, outputTokens: Record<string, number> = {}): OutcomeRow {
  return { category, inputTokens: 100, correct, outputTokens };
}

test('deriveScores counts per category, ranks by accuracy then cost then name, and pools an overall entry', () => {
  const rows = [
    row('math', { big: 1, small: 1, twin: 1 }, { big: 50 }),
    row('math', { big: 1, small: 0, twin: 0 }, { big: 150 }),
    row('Computer_Science', { big: 0, small: 1, twin: 1 }),
  ];
  const t = deriveScores(rows, prices);
  assert.deepEqual(Object.keys(t.categories), ['computer science', 'math']);
  const math = t.categories.math;
  assert.equal(math.n, 2);
  assert.deepEqual(math.models.map((m) => m.model), ['big', 'small', 'twin']);
  const big = math.models[0];
  assert.equal(big.accuracy, 1);
  assert.equal(big.correct, 2);
  assert.deepEqual(big.wilson95, wilson(2, 2));
  assert.equal(big.mean_output_tokens, 100);
  assert.equal(big.output_tokens_source, 'observed');
  assert.ok(Math.abs(big.cost_per_request_usd - (100 * 2 + 100 * 10) / 1e6) < 1e-15);
  // Models that record no output length get the mean of those that do, in the same group.
  assert.equal(math.models[1].mean_output_tokens, 100);
  assert.equal(math.models[1].output_tokens_source, 'imputed');
  // Equal accuracy and cost: the name decides, so the order never depends on input order.
  assert.deepEqual(t.categories['computer science'].models.map((m) => m.model), ['small', 'twin', 'big']);
  assert.equal(t.overall.n, 3);
  assert.equal(t.overall.models.find((m) => m.model === 'small')!.correct, 2);
});

test('a model without an outcome on a question is not graded on it', () => {
  const t = deriveScores([row('law', { big: 1, small: 0, twin: 1 }), row('law', { small: 1, twin: 1 })], prices);
  const big = t.categories.law.models.find((m) => m.model === 'big')!;
  assert.equal(big.n, 1);
  assert.equal(big.accuracy, 1);
});

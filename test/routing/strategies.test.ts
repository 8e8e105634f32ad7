import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  neighborScores, normalizeCategory, pickBest, pickCheapestWithinMargin, scoresFor,
  type Candidate, type CategoryScores, type Neighbor, type RoutingTable,
} from '../../scripts/routing/strategies.ts';

const c = (model: string, accuracy: number, cost: number): Candidate => ({ model, accuracy, cost_per_request_usd: cost });
const models = [c('pro', 0.8, 1.0), c('mid', 0.77, 0.3), c('flash', 0.7, 0.05), c('tiny', 0.4, 0.01)];

test('pickBest takes the top score, and the cheaper model on a tie', () => {
  assert.equal(pickBest(models).model, 'pro');
  assert.equal(pickBest([c('a', 0.8, 2), c('b', 0.8, 1)]).model, 'b');
  assert.equal(pickBest([c('b', 0.8, 1), c('a', 0.8, 1)]).model, 'a');
  assert.throws(() => pickBest([]), /no candidate/);
});

test('pickCheapestWithinMargin picks the cheapest model within the margin of the best', () => {
  assert.equal(pickCheapestWithinMargin(models, 0).model, 'pro');
  assert.equal(pickCheapestWithinMargin(models, 0.02).model, 'pro');
  assert.equal(pickCheapestWithinMargin(models, 0.05).model, 'mid');
  assert.equal(pickCheapestWithinMargin(models, 0.1).model, 'flash');
  assert.equal(pickCheapestWithinMargin(models, 1).model, 'tiny');
  assert.throws(() => pickCheapestWithinMargin(models, -0.1), /margin/);
});

test('a model exactly on the margin is eligible despite float rounding', () => {
  // 0.8 - 0.1 is 0.7000000000000001 in floating point; 0.7 must still count as within 0.1.
  assert.equal(pickCheapestWithinMargin([c('pro', 0.8, 1), c('flash', 0.7, 0.05)], 0.1).model, 'flash');
});

test('equally cheap eligible models: the higher score wins, then the name', () => {
  assert.equal(pickCheapestWithinMargin([c('best', 0.9, 1), c('b', 0.85, 0.1), c('a', 0.88, 0.1)], 0.05).model, 'a');
  assert.equal(pickCheapestWithinMargin([c('best', 0.9, 1), c('b', 0.88, 0.1), c('a', 0.88, 0.1)], 0.05).model, 'a');
});

test('normalizeCategory and scoresFor accept every spelling and fall back to the pooled scores', () => {
  for (const label of ['computer science', 'computer_science', 'Computer-Science']) assert.equal(normalizeCategory(label), 'computer science');
  const entry = (n: number): CategoryScores => ({ n, mean_input_tokens: 1, models: [] });
  const table: RoutingTable = { version: 1, categories: { 'computer science': entry(1) }, overall: entry(9) };
  assert.equal(scoresFor(table, 'computer_science').n, 1);
  assert.equal(scoresFor(table, 'poetry').n, 9);
  assert.equal(scoresFor(table, undefined).n, 9);
});

test('neighborScores shrinks neighbour evidence toward the category prior', () => {
  const prior = [c('pro', 0.8, 1), c('flash', 0.6, 0.05)];
  const nb = (pro: number, flash?: number): Neighbor => ({ similarity: 0.9, correct: flash === undefined ? { pro } : { pro, flash } });
  const s = neighborScores(prior, [nb(0, 1), nb(0, 1), nb(1)], 2);
  // pro: (1 hit + 2 * 0.8) / (3 + 2); flash saw only 2 neighbours: (2 + 2 * 0.6) / (2 + 2).
  assert.ok(Math.abs(s[0].accuracy - 2.6 / 5) < 1e-12);
  assert.ok(Math.abs(s[1].accuracy - 3.2 / 4) < 1e-12);
  assert.equal(pickBest(s).model, 'flash');
  // No neighbours: the prior is returned as is.
  assert.deepEqual(neighborScores(prior, [], 5).map((m) => m.accuracy), [0.8, 0.6]);
});

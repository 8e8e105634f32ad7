// Replay math (pure): a router's choice on a question counts as correct when the chosen model
// answered that question correctly, and costs what that model would have charged for it.
import { wilson } from './scores.ts';

export interface EvalCase {
  /** model -> 1/0 for every model a router may pick. */
  correct: Readonly<Record<string, number>>;
  /** model -> USD this question costs on that model. */
  cost: Readonly<Record<string, number>>;
}

export interface Result {
  n: number;
  accuracy: number;
  /** 95% Wilson interval of accuracy, to read differences against the test set's size. */
  wilson95: [number, number];
  totalCost: number;
  avgCost: number;
}

function result(n: number, hits: number, totalCost: number): Result {
  return { n, accuracy: n ? hits / n : 0, wilson95: wilson(hits, n), totalCost, avgCost: n ? totalCost / n : 0 };
}

/** Routes every case with `choose` and tallies correctness and cost. */
export function replay(cases: readonly EvalCase[], choose: (c: EvalCase, index: number) => string): Result {
  let hits = 0;
  let cost = 0;
  cases.forEach((c, i) => {
    const m = choose(c, i);
    if (c.cost[m] === undefined || c.correct[m] === undefined) throw new Error(`router chose ${m}, which has no outcome or price for case ${i}`);
    hits += c.correct[m];
    cost += c.cost[m];
  });
  return result(cases.length, hits, cost);
}

/**
 * Per-question oracle: the cheapest model that answered correctly; where none did, the cheapest model
 * (a router cannot do better than wrong, and then should at least be cheap). An upper bound, not a router.
 */
export function oracle(cases: readonly EvalCase[]): Result {
  return replay(cases, (c) => {
    const models = Object.keys(c.cost);
    const right = models.filter((m) => c.correct[m] === 1);
    return (right.length ? right : models).reduce((a, b) => (c.cost[b] < c.cost[a] ? b : a));
  });
}

/** Uniformly random choice among all models, as its exact expectation rather than one noisy draw. */
export function randomChoice(cases: readonly EvalCase[]): Result {
  let hits = 0;
  let cost = 0;
  for (const c of cases) {
    const models = Object.keys(c.cost);
    for (const m of models) {
      hits += c.correct[m] / models.length;
      cost += c.cost[m] / models.length;
    }
  }
  // Expected hits are fractional; the interval is still the binomial one at that rate.
  return result(cases.length, hits, cost);
}

// Turns per-question outcomes into the per-category routing table (pure; derive-scores.ts does I/O).
import { requestCost, type Price } from './prices.ts';
import { compareByScore, normalizeCategory, type CategoryScores, type ModelScore, type RoutingTable } from './strategies.ts';

/** What score derivation needs from a question; QuestionRecord (data.ts) satisfies it. */
export interface OutcomeRow {
  category: string;
  inputTokens: number;
  correct: Readonly<Record<string, number>>;
  outputTokens: Readonly<Record<string, number>>;
}

/**
 * Wilson score interval for k successes in n trials. Unlike the normal approximation it stays inside
 * [0, 1] and is sensible for the small, lopsided counts some category/model cells have.
 */
export function wilson(k: number, n: number, z = 1.96): [number, number] {
  if (n === 0) return [0, 1];
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

function scoreGroup(rows: readonly OutcomeRow[], prices: ReadonlyMap<string, Price>): CategoryScores {
  const meanInput = mean(rows.map((r) => r.inputTokens));
  const outputs = (model: string) => rows.flatMap((r) => (r.outputTokens[model] !== undefined ? [r.outputTokens[model]] : []));
  // Most models never record an answer length; they get the mean of the models that do, in this
  // group, so the same guess applies to all of them and only the price tells them apart.
  const pooledOutput = mean([...prices.keys()].flatMap(outputs));
  const models: ModelScore[] = [...prices].map(([model, price]) => {
    const graded = rows.filter((r) => r.correct[model] !== undefined);
    const correct = graded.reduce((n, r) => n + r.correct[model], 0);
    const own = outputs(model);
    const outTokens = own.length ? mean(own) : pooledOutput;
    return {
      model,
      accuracy: graded.length ? correct / graded.length : 0,
      correct,
      n: graded.length,
      wilson95: wilson(correct, graded.length),
      mean_output_tokens: outTokens,
      output_tokens_source: own.length ? 'observed' : 'imputed',
      cost_per_request_usd: requestCost(price, meanInput, outTokens),
    };
  });
  return { n: rows.length, mean_input_tokens: meanInput, models: models.sort(compareByScore) };
}

/** Scores every priced model per category and pooled; models without a price are left out. */
export function deriveScores(rows: readonly OutcomeRow[], prices: ReadonlyMap<string, Price>): RoutingTable {
  const byCategory = new Map<string, OutcomeRow[]>();
  for (const r of rows) {
    const key = normalizeCategory(r.category);
    const group = byCategory.get(key) ?? [];
    group.push(r);
    byCategory.set(key, group);
  }
  const categories = Object.fromEntries([...byCategory.keys()].sort().map((c) => [c, scoreGroup(byCategory.get(c)!, prices)]));
  return { version: 1, categories, overall: scoreGroup(rows, prices) };
}

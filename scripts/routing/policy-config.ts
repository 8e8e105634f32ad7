// The routing table as a product config: one model per table model with its assumed prices, one
// category per MMLU-Pro subject ranking every model by its train accuracy, and the margin as the
// policy's quality_margin. The evaluation decides through the control plane's own decision engine
// with this config, so what it measures is what a deployment with these scores would do.

import { validateConfig, type Config } from '../../controlplane/config/schema.ts';
import { createDecisionEngine } from '../../controlplane/decide.ts';
import type { CategorySignal, Classifier, Signals } from '../../controlplane/signals.ts';
import type { Price } from './prices.ts';
import { normalizeCategory, pickCheapestWithinMargin, type RoutingTable } from './strategies.ts';

const TRIGGER = 'auto';

/** The config name of a subject: the encoder's snake_case label ("computer science" -> "computer_science"). */
export function categoryName(label: string): string {
  return normalizeCategory(label).replace(/ /g, '_');
}

/**
 * A validated config routing by `table` at `margin`: margin 0 is the best_score strategy, anything
 * else cheapest_within_margin, comparing prices at the mean answer length of the table. A prompt
 * without a category goes to default_model, which a deployment would set to the pick among the
 * pooled scores at the same margin.
 */
export function tableConfig(table: RoutingTable, prices: ReadonlyMap<string, Price>, margin: number): Config {
  const models = [...prices].map(([name, price]) => ({ name, backend: { type: 'demo' }, pricing: { input_per_1m: price.input, output_per_1m: price.output } }));
  const categories = Object.entries(table.categories).map(([label, scores]) => ({
    name: categoryName(label),
    models: scores.models.filter((m) => prices.has(m.model)).map((m) => ({ name: m.model, score: m.accuracy })),
  }));
  const pooled = table.overall.models.filter((m) => prices.has(m.model));
  // Cost comparisons at the answer length the data shows rather than the product's generic default.
  const outputTokens = Math.max(1, Math.round(pooled.reduce((sum, m) => sum + m.mean_output_tokens, 0) / pooled.length));
  return validateConfig(
    {
      version: 1,
      trigger_models: [TRIGGER],
      default_model: pickCheapestWithinMargin(pooled, margin).model,
      models,
      categories,
      classifier: { encoder: false },
      routing: {
        ...(margin === 0 ? { strategy: 'best_score' } : { strategy: 'cheapest_within_margin', quality_margin: margin }),
        expected_output_tokens: outputTokens,
      },
    },
    `routing table at margin ${margin}`,
  );
}

/** Chooses a model for a prompt whose category signal is already known (none: no category). */
export type TableRouter = (prompt: string, category: CategorySignal | undefined) => Promise<string>;

/** The decision engine of tableConfig(); calls must not overlap (one signal is handed over at a time). */
export function tableRouter(table: RoutingTable, prices: ReadonlyMap<string, Price>, margin: number): TableRouter {
  let next: Signals = {};
  const classifier: Classifier = { init: async () => {}, classify: async () => next };
  const decide = createDecisionEngine(tableConfig(table, prices, margin), classifier);
  return async (prompt, category) => {
    next = category === undefined ? {} : { category };
    const { decision } = await decide({ version: 1, api: 'openai.chat', path: '/v1/chat/completions', model: TRIGGER, prompt, stream: false, headers: {} });
    if (decision.action !== 'route') throw new Error(`expected a route decision, got ${decision.action}`);
    return decision.model;
  };
}

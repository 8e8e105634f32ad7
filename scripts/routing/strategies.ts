// Routing strategies over the per-category table that derive-scores.ts writes
// (models/routing/category-scores.json). The pick functions are the control plane's own
// (controlplane/policy/strategies.ts); the evaluation's category routing goes further and decides
// through the decision engine itself (policy-config.ts). The kNN strategy (c) is evaluation-only.

import type { Candidate } from '../../controlplane/policy/strategies.ts';

export { compareByScore, pickBest, pickCheapestWithinMargin, type Candidate } from '../../controlplane/policy/strategies.ts';

/** One model's standing in one category, as stored in category-scores.json. */
export interface ModelScore {
  model: string;
  /** Share of training questions answered correctly (the routing score). */
  accuracy: number;
  correct: number;
  n: number;
  /** 95% Wilson score interval of `accuracy`. */
  wilson95: [number, number];
  /** Output tokens per answer: the model's own mean where the data records it, else the category's. */
  mean_output_tokens: number;
  output_tokens_source: 'observed' | 'imputed';
  /** Expected USD for one request of this category: mean input and output tokens times prices. */
  cost_per_request_usd: number;
}

export interface CategoryScores {
  /** Training questions in the category. */
  n: number;
  mean_input_tokens: number;
  /** Ranked: accuracy descending, then cheaper first, then by name (so the order is total). */
  models: ModelScore[];
}

export interface RoutingTable {
  version: 1;
  /** Provenance (data split, price file, token estimates); strategies ignore it. */
  meta?: Record<string, unknown>;
  /** Keyed by normalizeCategory() of the MMLU-Pro label. */
  categories: Record<string, CategoryScores>;
  /** All categories pooled: the fallback when the category is unknown or below threshold. */
  overall: CategoryScores;
}

/** The classifier head says "computer_science", the config "computer-science", the data "computer science". */
export function normalizeCategory(label: string): string {
  return label.trim().toLowerCase().replace(/[\s_-]+/g, ' ');
}

/** The scores for a category label, falling back to the pooled ones when it is missing or unknown. */
export function scoresFor(table: RoutingTable, category: string | undefined): CategoryScores {
  return (category !== undefined ? table.categories[normalizeCategory(category)] : undefined) ?? table.overall;
}

/** One training question near the prompt: how similar it is and which models answered it correctly. */
export interface Neighbor {
  similarity: number;
  correct: Readonly<Record<string, number>>;
}

/**
 * Strategy (c), per prompt: re-estimates each model's accuracy from the prompt's nearest training
 * questions, shrunk toward the category score by `priorWeight` pseudo-questions so a handful of
 * neighbours cannot swing a ranking on their own. Returns scores for pickBest/pickCheapestWithinMargin.
 * A model with no outcome on a neighbour simply gets no evidence from it.
 */
export function neighborScores(prior: readonly Candidate[], neighbors: readonly Neighbor[], priorWeight: number): Candidate[] {
  return prior.map((p) => {
    let hits = 0;
    let seen = 0;
    for (const nb of neighbors) {
      const c = nb.correct[p.model];
      if (c === undefined) continue;
      hits += c;
      seen += 1;
    }
    const accuracy = (hits + priorWeight * p.accuracy) / (seen + priorWeight || 1);
    return { model: p.model, accuracy, cost_per_request_usd: p.cost_per_request_usd };
  });
}

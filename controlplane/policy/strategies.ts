// How a model is chosen among a category's candidates: (a) the best score, (b) the cheapest within
// a quality margin of the best. Pure functions; scripts/routing evaluates these same functions on
// held-out outcome data (docs/ROUTING-QUALITY.md).

/** What a strategy needs to know about a model (the routing table's rows qualify as they are). */
export interface Candidate {
  readonly model: string;
  /** Quality in the category, 0..1: a config's `score`, or measured accuracy. */
  readonly accuracy: number;
  /** Expected USD for the request at hand; only the order between models matters. */
  readonly cost_per_request_usd: number;
}

/** Total order used everywhere: higher accuracy, then cheaper, then name (deterministic ties). */
export function compareByScore(a: Candidate, b: Candidate): number {
  return b.accuracy - a.accuracy || a.cost_per_request_usd - b.cost_per_request_usd || a.model.localeCompare(b.model);
}

function byCost(a: Candidate, b: Candidate): number {
  return a.cost_per_request_usd - b.cost_per_request_usd || b.accuracy - a.accuracy || a.model.localeCompare(b.model);
}

function nonEmpty(models: readonly Candidate[]): void {
  if (models.length === 0) throw new Error('no candidate models to route to');
}

/** Strategy (a): the highest-scoring model; a tie goes to the cheaper one. */
export function pickBest<T extends Candidate>(models: readonly T[]): T {
  nonEmpty(models);
  return models.reduce((best, m) => (compareByScore(m, best) < 0 ? m : best));
}

// Accuracies are ratios of counts, so "best - margin" can land a rounding error away from a model
// that sits exactly on the margin; without slack such a model would be excluded by float noise.
const EPS = 1e-9;

/**
 * Strategy (b): the cheapest model whose score is within `margin` (absolute accuracy, e.g. 0.02 for
 * two points) of the best; among equally cheap ones the higher score wins. margin 0 is strategy (a).
 */
export function pickCheapestWithinMargin<T extends Candidate>(models: readonly T[], margin: number): T {
  if (!(margin >= 0)) throw new Error(`margin must be >= 0, got ${margin}`);
  const floor = pickBest(models).accuracy - margin - EPS;
  return models.filter((m) => m.accuracy >= floor).reduce((pick, m) => (byCost(m, pick) < 0 ? m : pick));
}

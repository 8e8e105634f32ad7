// The decision engine: a contract route request in, a contract decision out. It knows classifiers
// only through the Classifier interface.

import { NO_CATEGORY, type Config } from './config/schema.ts';
import { CONTRACT_VERSION, type Decision, type RouteRequest } from './contract.ts';
import type { CategorySignal, Classifier } from './signals.ts';

export const CATEGORY_HEADER = 'x-switchyard-category';
export const REASON_HEADER = 'x-switchyard-reason';

/** Reason for requests that matched no configured category. */
export const REASON_DEFAULT = 'default';
/** Reason for requests whose model is not a trigger name: they pass untouched. */
export const REASON_NOT_TRIGGER = 'not_trigger';

/** A decision plus the bounded labels it was made for (for metrics and logs, never prompt text). */
export interface Outcome {
  readonly decision: Decision;
  readonly category: string;
  readonly reason: string;
}

export type DecisionEngine = (request: RouteRequest) => Promise<Outcome>;

export function createDecisionEngine(config: Config, classifier: Classifier): DecisionEngine {
  const triggers = new Set(config.trigger_models);
  const modelOf = new Map(config.categories.map((c) => [c.name, c.model]));

  return async (request) => {
    // The filter only asks for trigger models, but its list is configured separately from ours; a
    // model we do not treat as a trigger is left exactly as the client sent it.
    if (!triggers.has(request.model)) {
      return { decision: { version: CONTRACT_VERSION, action: 'pass' }, category: NO_CATEGORY, reason: REASON_NOT_TRIGGER };
    }
    const signals = await classifier.classify({ prompt: request.prompt, ...(request.system === undefined ? {} : { system: request.system }) });
    const signal = signals.category;
    const model = signal === undefined ? undefined : modelOf.get(signal.label);
    const [category, reason] = signal === undefined || model === undefined ? [NO_CATEGORY, REASON_DEFAULT] : [signal.label, reasonOf(signal)];
    return {
      decision: {
        version: CONTRACT_VERSION,
        action: 'route',
        model: model ?? config.default_model,
        headers: { [CATEGORY_HEADER]: category, [REASON_HEADER]: reason },
      },
      category,
      reason,
    };
  };
}

/** Compact and bounded, e.g. "rule:math:keyword". */
function reasonOf(signal: CategorySignal): string {
  return [signal.source, signal.label, signal.evidence].filter((part) => part !== undefined && part !== '').join(':');
}

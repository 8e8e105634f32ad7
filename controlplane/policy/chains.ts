// The fallback chains a config can produce (the chosen model and its ordered fallbacks), found by
// asking the decision engine itself for every category and tenant, so an Envoy that routes on
// `x-switchyard-fallbacks` can be given one retry path per chain in advance.

import type { Config } from '../config/schema.ts';
import { createDecisionEngine } from '../decide.ts';
import type { Classifier } from '../signals.ts';

export interface FallbackChain {
  readonly model: string;
  readonly fallbacks: readonly string[];
}

/** Distinct chains for prompts without PII, per category (and none) and per configured tenant. */
export async function fallbackChains(config: Config): Promise<FallbackChain[]> {
  const labels: (string | undefined)[] = [undefined, ...config.categories.map((c) => c.name)];
  const tenants: (string | undefined)[] = [undefined, ...Object.keys(config.tenants.overrides)];
  const chains = new Map<string, FallbackChain>();
  for (const label of labels) {
    const classifier: Classifier = {
      init: async () => {},
      classify: async () => (label === undefined ? {} : { category: { label, confidence: 1, source: 'chains' } }),
    };
    const decide = createDecisionEngine(config, classifier);
    for (const tenant of tenants) {
      const { decision } = await decide({
        version: 1,
        api: 'openai.chat',
        path: '/v1/chat/completions',
        model: config.trigger_models[0] as string,
        prompt: '',
        stream: false,
        headers: tenant === undefined ? {} : { [config.tenants.header]: tenant },
      });
      if (decision.action !== 'route' || decision.fallbacks === undefined) continue;
      chains.set([decision.model, ...decision.fallbacks].join('>'), { model: decision.model, fallbacks: decision.fallbacks });
    }
  }
  return [...chains.values()];
}

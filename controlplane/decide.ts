// The decision engine: a contract route request in, a contract decision out, with the explanation
// of how it was reached. It knows classifiers only through the Classifier interface. Everything a
// config determines is computed once per config; a decision only looks things up.

import type { Strategy, TenantOverride } from './config/policy.ts';
import { NO_CATEGORY, type CategoryConfig, type Config, type ModelConfig } from './config/schema.ts';
import { CONTRACT_VERSION, type Decision, type RouteRequest } from './contract.ts';
import { compactExplanation, type ConsideredModel, type Explanation } from './policy/explanation.ts';
import { reasoningEdit } from './policy/reasoning.ts';
import { pickBest, pickCheapestWithinMargin, type Candidate } from './policy/strategies.ts';
import { EVIDENCE_EXAMPLES, type CategorySignal, type Classifier, type Signals } from './signals.ts';

export const CATEGORY_HEADER = 'x-switchyard-category';
export const REASON_HEADER = 'x-switchyard-reason';
export const FALLBACKS_HEADER = 'x-switchyard-fallbacks';
export const EXPLAIN_HEADER = 'x-switchyard-explain';

/** Reason for requests that matched no configured category. */
export const REASON_DEFAULT = 'default';
/** Reason for requests whose model is not a trigger name: they pass untouched. */
export const REASON_NOT_TRIGGER = 'not_trigger';
/** Reason for a category signal below routing.confidence_threshold. */
export const REASON_LOW_CONFIDENCE = 'low_confidence';
export const REASON_JAILBREAK = 'security:jailbreak';
export const REASON_PII = 'security:pii';
/** Tenant label for requests without the tenant header, and for tenants without an override. */
export const TENANT_NONE = 'none';
export const TENANT_OTHER = 'other';

const MAX_FALLBACKS = 4;
const JAILBREAK_MESSAGE = 'Request blocked by policy: jailbreak or prompt injection detected';
const JAILBREAK_EARLIER_MESSAGE = 'Request blocked by policy: jailbreak or prompt injection detected in an earlier turn of the conversation';

/** A decision plus the bounded labels it was made for (for metrics and logs, never prompt text). */
export interface Outcome {
  readonly decision: Decision;
  readonly category: string;
  readonly reason: string;
  readonly tenant: string;
  readonly explanation?: Explanation;
}

export type DecisionEngine = (request: RouteRequest) => Promise<Outcome>;

interface Policy {
  readonly defaultModel: string;
  readonly strategy: Strategy;
  readonly margin: number;
  readonly allowed?: ReadonlySet<string>;
}

export function createDecisionEngine(config: Config, classifier: Classifier): DecisionEngine {
  const triggers = new Set(config.trigger_models);
  const categories = new Map(config.categories.map((c) => [c.name, c]));
  const models = new Map(config.models.map((m) => [m.name, m]));
  const { routing, security, tenants } = config;
  const base: Policy = { defaultModel: config.default_model, strategy: routing.strategy, margin: routing.quality_margin };
  const policies = new Map(Object.entries(tenants.overrides).map(([tenant, o]) => [tenant, withOverride(base, o)]));

  return async (request) => {
    const tenantValue = request.headers[tenants.header];
    const tenant = tenantValue === undefined ? TENANT_NONE : policies.has(tenantValue) ? tenantValue : TENANT_OTHER;
    // The filter only asks for trigger models, but its list is configured separately from ours; a
    // model we do not treat as a trigger is left exactly as the client sent it.
    if (!triggers.has(request.model)) {
      return { decision: { version: CONTRACT_VERSION, action: 'pass' }, category: NO_CATEGORY, reason: REASON_NOT_TRIGGER, tenant };
    }
    const policy = policies.get(tenant) ?? base;
    const classifyStarted = performance.now();
    const signals = await classifier.classify({
      prompt: request.prompt,
      ...(request.system === undefined ? {} : { system: request.system }),
      ...(request.context === undefined ? {} : { context: request.context }),
      ...(request.context === undefined || security.pii.earlier_turns === 'none' ? {} : { earlierPii: security.pii.earlier_turns }),
      ...(request.context !== undefined && security.jailbreak.earlier_turns ? { earlierJailbreak: true } : {}),
    });
    const timings = { ...signals.timings, classify: performance.now() - classifyStarted };
    const jailbreakScore = signals.jailbreak?.confidence;
    const detected = (s: { detected: boolean; confidence: number }) =>
      security.jailbreak.threshold === undefined ? s.detected : s.confidence >= security.jailbreak.threshold;
    const earlierJailbreak = security.jailbreak.earlier_turns ? signals.jailbreak?.earlier : undefined;
    const jailbrokenEarlier = earlierJailbreak !== undefined && detected(earlierJailbreak);
    const jailbroken = (signals.jailbreak !== undefined && detected(signals.jailbreak)) || jailbrokenEarlier;
    const promptPii = signals.pii?.types ?? [];
    const earlierPii = security.pii.earlier_turns === 'none' ? [] : (signals.pii?.earlier ?? []).filter((type) => !promptPii.includes(type));
    // What the chosen model receives: the prompt and the conversation before it.
    const pii = [...promptPii, ...earlierPii];
    const explainSignals = {
      ...(signals.category === undefined ? {} : { category: signals.category }),
      ...(signals.jailbreak === undefined ? {} : {
        jailbreak: { detected: jailbroken, score: jailbreakScore as number, ...(earlierJailbreak === undefined ? {} : { earlier_score: earlierJailbreak.confidence }) },
      }),
      pii: promptPii,
      ...(earlierPii.length === 0 ? {} : { pii_earlier: earlierPii }),
    };
    const explain = (rest: Omit<Explanation, 'tenant' | 'signals'>): Explanation => ({
      tenant,
      signals: explainSignals,
      ...rest,
      timings_ms: timings,
    });

    const jailbreakMessage = jailbroken && !detected(signals.jailbreak!) ? JAILBREAK_EARLIER_MESSAGE : JAILBREAK_MESSAGE;
    if (jailbroken && security.jailbreak.action === 'block') {
      return block(explain({ category: NO_CATEGORY, decided_by: REASON_JAILBREAK, candidates: [], fallbacks: [] }), 'jailbreak', jailbreakMessage, tenant);
    }

    const jailbreakRoute = jailbroken && security.jailbreak.action === 'route';
    const { category, reason, ranked } = jailbreakRoute
      ? { category: NO_CATEGORY, reason: REASON_JAILBREAK, ranked: [{ name: security.jailbreak.model as string, score: 1 }] }
      : categorize(signals, categories, routing.confidence_threshold, routing.low_confidence_model ?? policy.defaultModel, policy.defaultModel);
    const categoryConfig = categories.get(category);
    const useReasoning = categoryConfig?.use_reasoning ?? false;
    // About 4 characters a token: the estimate only has to order the candidates by price.
    const inputTokens = Math.ceil((request.prompt.length + (request.system?.length ?? 0)) / 4);

    const mayReceive = (name: string) => {
      const allowed = models.get(name)?.pii_allowed;
      return allowed === undefined || pii.every((type) => allowed.includes(type));
    };
    const considered: ConsideredModel[] = ranked.map(({ name, score }) => {
      const model = models.get(name) as ModelConfig;
      const cost = model.pricing === undefined ? null : (inputTokens * model.pricing.input_per_1m + routing.expected_output_tokens * model.pricing.output_per_1m) / 1e6;
      const excluded =
        policy.allowed !== undefined && !policy.allowed.has(name)
          ? `not in allowed_models of tenant ${tenant}`
          : !mayReceive(name)
            ? `may not receive ${pii.filter((type) => !(model.pii_allowed as readonly string[]).includes(type)).join(', ')}`
            : undefined;
      return { model: name, score, est_cost_usd: cost, ...(excluded === undefined ? {} : { excluded }) };
    });
    // The model to use when no ranked candidate may be: the default, except for a jailbreak, which
    // goes to its designated model or nowhere.
    const lastResort = jailbreakRoute ? undefined : policy.defaultModel;
    // The choice the strategy makes before personal data is considered; the PII policy then either
    // blocks it or moves to the best model that may receive what the prompt contains.
    const permitted = considered.filter((c) => policy.allowed === undefined || policy.allowed.has(c.model));
    const preferred = chooseAmong(permitted, policy.strategy, policy.margin) ?? lastResort;
    if (preferred === undefined) {
      return block(explain({ category, decided_by: REASON_JAILBREAK, candidates: considered, fallbacks: [] }), 'jailbreak', jailbreakMessage, tenant);
    }
    const eligible = permitted.filter((c) => mayReceive(c.model));
    const resortEligible = lastResort !== undefined && mayReceive(lastResort) ? lastResort : undefined;
    let choice = preferred;
    let routeReason = reason;
    if (!mayReceive(preferred)) {
      const alternative = chooseAmong(eligible, policy.strategy, policy.margin) ?? resortEligible;
      if (security.pii.action === 'block' || alternative === undefined) {
        return block(
          explain({ category, decided_by: REASON_PII, candidates: considered, fallbacks: [] }),
          'pii_not_allowed',
          `Request blocked by policy: the ${earlierPii.length === 0 ? 'prompt' : 'conversation'} contains personal data (${pii.join(', ')}) that ${preferred} may not receive`,
          tenant,
        );
      }
      choice = alternative;
      routeReason = REASON_PII;
    }
    const strategyUsed = permitted.length > 1;
    const decidedBy = routeReason !== reason || !strategyUsed || reason === REASON_JAILBREAK ? routeReason : `${reason};${policy.strategy}`;
    const chosenModel = models.get(choice) as ModelConfig;
    const fallbacks = fallbacksFor(choice, eligible, resortEligible, models, useReasoning);
    const { patch, heldBack } = reasoningEdit(chosenModel.reasoning, useReasoning, request);
    const explanation = explain({
      category,
      decided_by: decidedBy,
      ...(strategyUsed ? { strategy: policy.strategy } : {}),
      candidates: considered,
      chosen: choice,
      fallbacks,
      ...(chosenModel.reasoning === undefined
        ? {}
        : { reasoning: { on: useReasoning && heldBack === undefined, family: chosenModel.reasoning.family, ...(heldBack === undefined ? {} : { held_back: heldBack }) } }),
    });
    const headers: Record<string, string> = { [CATEGORY_HEADER]: category, [REASON_HEADER]: routeReason, [EXPLAIN_HEADER]: compactExplanation(explanation) };
    if (fallbacks.length > 0) headers[FALLBACKS_HEADER] = fallbacks.join(',');
    return {
      decision: {
        version: CONTRACT_VERSION,
        action: 'route',
        model: choice,
        headers,
        ...(patch.length > 0 ? { body_patch: patch } : {}),
        ...(categoryConfig?.system_prompt === undefined ? {} : { system_prompt: categoryConfig.system_prompt }),
        ...(fallbacks.length > 0 ? { fallbacks } : {}),
        explanation: headers[EXPLAIN_HEADER] as string,
        labels: { category, tenant },
      },
      category,
      reason: routeReason,
      tenant,
      explanation,
    };
  };
}

function withOverride(base: Policy, o: TenantOverride): Policy {
  return {
    defaultModel: o.default_model ?? base.defaultModel,
    strategy: o.strategy ?? base.strategy,
    margin: o.quality_margin ?? base.margin,
    ...(o.allowed_models === undefined ? {} : { allowed: new Set(o.allowed_models) }),
  };
}

/** The category a signal names, with its ranked models; or the default when there is none. */
function categorize(
  signals: Signals,
  categories: ReadonlyMap<string, CategoryConfig>,
  threshold: number,
  lowConfidenceModel: string,
  defaultModel: string,
): { category: string; reason: string; ranked: readonly { name: string; score: number }[] } {
  const signal = signals.category;
  const config = signal === undefined ? undefined : categories.get(signal.label);
  if (signal === undefined || config === undefined) return { category: NO_CATEGORY, reason: REASON_DEFAULT, ranked: [{ name: defaultModel, score: 1 }] };
  // The routing threshold is a probability; a custom category's match is a cosine that its own threshold already passed.
  if (signal.evidence !== EVIDENCE_EXAMPLES && signal.confidence < threshold) {
    return { category: signal.label, reason: REASON_LOW_CONFIDENCE, ranked: [{ name: lowConfidenceModel, score: 1 }] };
  }
  return { category: signal.label, reason: reasonOf(signal), ranked: config.models };
}

function chooseAmong(eligible: readonly ConsideredModel[], strategy: Strategy, margin: number): string | undefined {
  if (eligible.length === 0) return undefined;
  const candidates: Candidate[] = eligible.map((c) => ({ model: c.model, accuracy: c.score, cost_per_request_usd: c.est_cost_usd ?? 0 }));
  return (strategy === 'cheapest_within_margin' ? pickCheapestWithinMargin(candidates, margin) : pickBest(candidates)).model;
}

/**
 * Where Envoy goes when the chosen model's backend fails: the other eligible candidates by score,
 * then the last resort (the default model, when it may receive the prompt); a category that wants
 * reasoning only falls back to models that can reason.
 */
function fallbacksFor(choice: string, eligible: readonly ConsideredModel[], lastResort: string | undefined, models: ReadonlyMap<string, ModelConfig>, useReasoning: boolean): string[] {
  const names = [...eligible].sort((a, b) => b.score - a.score).map((c) => c.model);
  if (eligible.length > 0 && lastResort !== undefined) names.push(lastResort);
  const out: string[] = [];
  for (const name of names) {
    if (name === choice || out.includes(name)) continue;
    if (useReasoning && models.get(name)?.reasoning === undefined) continue;
    out.push(name);
    if (out.length === MAX_FALLBACKS) break;
  }
  return out;
}

/** Compact and bounded, e.g. "rule:math:keyword", or "encoder:math:model:context" for a follow-up read in its conversation. */
function reasonOf(signal: CategorySignal): string {
  return [signal.source, signal.label, signal.evidence, signal.in_context ? 'context' : undefined].filter((part) => part !== undefined && part !== '').join(':');
}

function block(explanation: Explanation, code: string, message: string, tenant: string): Outcome {
  return {
    decision: { version: CONTRACT_VERSION, action: 'block', block: { status: 403, type: 'switchyard_blocked', code, message } },
    category: explanation.category,
    reason: explanation.decided_by,
    tenant,
    explanation,
  };
}

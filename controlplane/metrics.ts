// Prometheus metrics of one control-plane instance. Labels are bounded by the config (category and
// model names, reasons built from them) or by code (actions, error codes); prompt text never appears.

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { REASON_JAILBREAK, type Outcome } from './decide.ts';
import type { PricedUsage } from './usage/ledger.ts';

export interface Metrics {
  readonly registry: Registry;
  observeDecision(outcome: Outcome, seconds: number): void;
  countRejected(code: string): void;
  /** The encoder's ONNX execution provider ("cpu" or "cuda"), known once it has loaded. */
  setInferenceProvider(provider: string, model: string): void;
  /** A config version took effect: at startup, through this replica's API, or from the store. */
  configApplied(version: number, source: 'startup' | 'api' | 'store'): void;
  /** An encoder batch of `size` sequences started. */
  observeBatch(size: number): void;
  /** Where the encoder queue depth is read from when metrics are scraped. */
  setQueueDepthSource(read: () => number): void;
  /** One routed response's token usage, as the filter reported it. */
  observeUsage(usage: PricedUsage): void;
}

export function createMetrics(): Metrics {
  // A registry per instance, so several control planes (tests, embedding) never share counters.
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const decisions = new Counter({
    name: 'switchyard_decisions_total',
    help: 'Routing decisions by action, category, chosen model, reason and tenant (a configured tenant, other or none)',
    labelNames: ['action', 'category', 'model', 'reason', 'tenant'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'switchyard_decision_duration_seconds',
    help: 'Time to classify a route request and decide, excluding HTTP parsing',
    labelNames: ['action'] as const,
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  });
  const rejected = new Counter({
    name: 'switchyard_route_requests_rejected_total',
    help: 'Route requests answered with an error, by error code',
    labelNames: ['code'] as const,
    registers: [registry],
  });

  // An info-style gauge (always 1): `device: auto` may end up on either provider, and this says which.
  const provider = new Gauge({
    name: 'switchyard_inference_provider',
    help: 'Execution provider the encoder runs on, and which encoder (value always 1)',
    labelNames: ['provider', 'model'] as const,
    registers: [registry],
  });

  const stages = new Histogram({
    name: 'switchyard_classification_duration_seconds',
    help: 'Time per classification stage of a decision: rules, tokenize, encode, the category, jailbreak and pii heads, context (a follow-up read again in its conversation) and earlier (the earlier messages checked for personal data or injections)',
    labelNames: ['stage'] as const,
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5],
    registers: [registry],
  });
  const batches = new Histogram({
    name: 'switchyard_encoder_batch_size',
    help: 'Sequences per encoder run (micro-batching across concurrent requests)',
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers: [registry],
  });
  let queueDepth = () => 0;
  new Gauge({
    name: 'switchyard_encoder_queue_depth',
    help: 'Sequences waiting for the encoder',
    registers: [registry],
    collect() {
      this.set(queueDepth());
    },
  });
  const pii = new Counter({
    name: 'switchyard_pii_detections_total',
    help: 'Trigger requests whose prompt contained PII, by entity type',
    labelNames: ['type'] as const,
    registers: [registry],
  });
  const jailbreaks = new Counter({
    name: 'switchyard_jailbreak_detections_total',
    help: 'Trigger requests detected as jailbreak or prompt injection, by what the policy did (block, route, allow)',
    labelNames: ['action'] as const,
    registers: [registry],
  });

  const configVersion = new Gauge({
    name: 'switchyard_config_version',
    help: 'Version of the routing config in effect',
    registers: [registry],
  });
  const configChanges = new Counter({
    name: 'switchyard_config_changes_total',
    help: 'Config versions applied, by where the change came from (startup, api, store)',
    labelNames: ['source'] as const,
    registers: [registry],
  });

  const tokens = new Counter({
    name: 'switchyard_tokens_total',
    help: 'Tokens of routed responses as the filter reported them, by kind (prompt, completion), model, category and tenant',
    labelNames: ['kind', 'model', 'category', 'tenant'] as const,
    registers: [registry],
  });
  const cost = new Counter({
    name: 'switchyard_cost_usd_total',
    help: 'Cost in USD of routed responses at the configured model prices, by model, category and tenant (unpriced models add nothing)',
    labelNames: ['model', 'category', 'tenant'] as const,
    registers: [registry],
  });
  const usageRecords = new Counter({
    name: 'switchyard_usage_records_total',
    help: 'Routed responses whose token usage the filter reported, by model, category, tenant and whether the model has prices',
    labelNames: ['model', 'category', 'tenant', 'priced'] as const,
    registers: [registry],
  });

  return {
    registry,
    observeDecision: ({ decision, category, reason, tenant, explanation }, seconds) => {
      const model = decision.action === 'route' ? decision.model : '';
      decisions.inc({ action: decision.action, category, model, reason, tenant });
      latency.observe({ action: decision.action }, seconds);
      for (const [stage, ms] of Object.entries(explanation?.timings_ms ?? {})) stages.observe({ stage }, ms / 1000);
      for (const type of explanation?.signals.pii ?? []) pii.inc({ type });
      if (explanation?.signals.jailbreak?.detected) {
        jailbreaks.inc({ action: decision.action === 'block' ? 'block' : reason === REASON_JAILBREAK ? 'route' : 'allow' });
      }
    },
    observeBatch: (size) => batches.observe(size),
    observeUsage: ({ model, category, tenant, prompt_tokens, completion_tokens, cost_usd }) => {
      tokens.inc({ kind: 'prompt', model, category, tenant }, prompt_tokens);
      tokens.inc({ kind: 'completion', model, category, tenant }, completion_tokens);
      if (cost_usd !== null) cost.inc({ model, category, tenant }, cost_usd);
      usageRecords.inc({ model, category, tenant, priced: cost_usd === null ? 'false' : 'true' });
    },
    setQueueDepthSource: (read) => {
      queueDepth = read;
    },
    countRejected: (code) => rejected.inc({ code }),
    setInferenceProvider: (name, model) => provider.set({ provider: name, model }, 1),
    configApplied: (version, source) => {
      configVersion.set(version);
      configChanges.inc({ source });
    },
  };
}

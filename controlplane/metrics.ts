// Prometheus metrics of one control-plane instance. Labels are bounded by the config (category and
// model names, reasons built from them) or by code (actions, error codes); prompt text never appears.

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Outcome } from './decide.ts';

export interface Metrics {
  readonly registry: Registry;
  observeDecision(outcome: Outcome, seconds: number): void;
  countRejected(code: string): void;
  /** The encoder's ONNX execution provider ("cpu" or "cuda"), known once it has loaded. */
  setInferenceProvider(provider: string): void;
  /** A config version took effect: at startup, through this replica's API, or from the store. */
  configApplied(version: number, source: 'startup' | 'api' | 'store'): void;
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
    help: 'Execution provider the encoder runs on (value always 1)',
    labelNames: ['provider'] as const,
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

  return {
    registry,
    observeDecision: ({ decision, category, reason, tenant }, seconds) => {
      const model = decision.action === 'route' ? decision.model : '';
      decisions.inc({ action: decision.action, category, model, reason, tenant });
      latency.observe({ action: decision.action }, seconds);
    },
    countRejected: (code) => rejected.inc({ code }),
    setInferenceProvider: (name) => provider.set({ provider: name }, 1),
    configApplied: (version, source) => {
      configVersion.set(version);
      configChanges.inc({ source });
    },
  };
}

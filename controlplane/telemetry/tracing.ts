// OpenTelemetry traces of decisions, exported over OTLP/HTTP when an endpoint is configured (off by
// default, and then free). A decision's span joins the caller's trace: its parent is the
// `traceparent` the filter forwards in the route request's headers, so the router's spans sit
// inside the gateway's trace. Spans are written after the decision from its measured stage times
// (classification stages run one after another inside one encoder pass, rules beside them), which
// keeps tracing out of the decision code path.

import { ROOT_CONTEXT, SpanKind, trace, type Context, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { RouteRequest } from '../contract.ts';
import type { Outcome } from '../decide.ts';

export interface TracingOptions {
  /** OTLP/HTTP base URL (e.g. http://collector:4318); traces go to `<endpoint>/v1/traces`. */
  readonly endpoint?: string;
  readonly serviceName?: string;
  /** How long finished spans wait to be exported together. */
  readonly flushDelayMs?: number;
}

export interface Tracing {
  /** Records one decision that ran from `startMs` to `endMs` (epoch milliseconds). */
  decision(request: RouteRequest, outcome: Outcome, startMs: number, endMs: number, configVersion: number): void;
  close(): Promise<void>;
}

const NOOP: Tracing = { decision: () => {}, close: async () => {} };
// Stages of the encoder pass, in the order they run.
const SEQUENTIAL_STAGES = ['tokenize', 'encode', 'category', 'jailbreak', 'pii'] as const;

export function createTracing({ endpoint, serviceName = 'switchyard-controlplane', flushDelayMs = 1000 }: TracingOptions = {}): Tracing {
  if (endpoint === undefined || endpoint === '') return NOOP;
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` }), { scheduledDelayMillis: flushDelayMs })],
  });
  const tracer = provider.getTracer('switchyard');
  const propagator = new W3CTraceContextPropagator();
  const getter = {
    keys: (carrier: Readonly<Record<string, string>>) => Object.keys(carrier),
    get: (carrier: Readonly<Record<string, string>>, key: string) => carrier[key],
  };

  return {
    decision(request, outcome, startMs, endMs, configVersion) {
      const parent = propagator.extract(ROOT_CONTEXT, request.headers, getter);
      const { decision } = outcome;
      const span = tracer.startSpan(
        'switchyard.decision',
        {
          kind: SpanKind.SERVER,
          startTime: startMs,
          attributes: {
            'switchyard.api': request.api,
            'switchyard.requested_model': request.model,
            'switchyard.action': decision.action,
            'switchyard.category': outcome.category,
            'switchyard.reason': outcome.reason,
            'switchyard.tenant': outcome.tenant,
            'switchyard.config_version': configVersion,
            ...(decision.action === 'route' ? { 'switchyard.model': decision.model } : {}),
          },
        },
        parent,
      );
      const inside = trace.setSpan(parent, span);
      const timings = outcome.explanation?.timings_ms ?? {};
      const classifyMs = timings.classify ?? 0;
      child(tracer, inside, 'switchyard.classify', startMs, startMs + classifyMs, (classify) => {
        if (timings.rules !== undefined) child(tracer, classify, 'switchyard.classify.rules', startMs, startMs + timings.rules);
        let at = startMs;
        for (const stage of SEQUENTIAL_STAGES) {
          const ms = timings[stage];
          if (ms === undefined) continue;
          child(tracer, classify, `switchyard.classify.${stage}`, at, at + ms);
          at += ms;
        }
      });
      child(tracer, inside, 'switchyard.policy', startMs + classifyMs, endMs);
      span.end(endMs);
    },
    close: () => provider.shutdown(),
  };
}

function child(tracer: Tracer, parent: Context, name: string, startMs: number, endMs: number, within?: (ctx: Context) => void): void {
  const span = tracer.startSpan(name, { startTime: startMs }, parent);
  within?.(trace.setSpan(parent, span));
  span.end(endMs);
}

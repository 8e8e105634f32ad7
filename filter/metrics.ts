import { defineCounter, defineGauge, defineHistogram, increment, record } from "./sdk/metrics";

// Failure causes of docs/decision-contract.md; the value indexes CAUSE_NAMES.
export namespace Cause {
  export const Unreachable = 0;
  export const Timeout = 1;
  export const BadStatus = 2;
  export const BadDecision = 3;
  export const BadBody = 4;
  export const BodyTooLarge = 5;
  // The circuit breaker is open: no call was made (filter.ts, docs/filter.md#circuit-breaker).
  export const BreakerOpen = 6;
}
export const CAUSE_NAMES: StaticArray<string> = ["unreachable", "timeout", "bad_status", "bad_decision", "bad_body",
  "body_too_large", "breaker_open"];

// Causes that say the control plane is unwell, and so count towards opening the breaker. bad_body
// and body_too_large are the client's fault; breaker_open made no call.
export function countsForBreaker(cause: i32): bool {
  return cause <= Cause.BadDecision;
}

// Counters and the breaker gauge of docs/filter-config.md. Envoy keeps them per name, so defining them again for another
// root context in the same VM shares the same stats.
export class Metrics {
  seen: u32 = defineCounter("switchyard_requests_seen");
  triggered: u32 = defineCounter("switchyard_requests_triggered");
  passthrough: u32 = defineCounter("switchyard_requests_passthrough");
  routed: u32 = defineCounter("switchyard_requests_routed");
  blocked: u32 = defineCounter("switchyard_requests_blocked");
  failuresOpen: u32 = defineCounter("switchyard_failures_open");
  failuresClosed: u32 = defineCounter("switchyard_failures_closed");
  causes: u32[] = defineCauses();
  // 1 while the breaker is open or probing, 0 once closed; set by whichever worker makes the change.
  breakerOpen: u32 = defineGauge("switchyard_breaker_open");
  // Milliseconds from the decision call to its answer (or to Envoy's timeout or reset), every call.
  decisionRtt: u32 = defineHistogram("switchyard_decision_rtt_ms");
  // The VM's linear memory in bytes, as last reported by a worker: it only grows, so a flat value
  // over many requests shows that nothing accumulates per request.
  memoryBytes: u32 = defineGauge("switchyard_wasm_memory_bytes");
  // Token usage of routed responses (docs/filter.md#token-usage).
  usageRead: u32 = defineCounter("switchyard_usage_read");
  usageMissing: u32 = defineCounter("switchyard_usage_missing");
  usageUnreadable: u32 = defineCounter("switchyard_usage_unreadable");
  usageReportsSent: u32 = defineCounter("switchyard_usage_reports_sent");
  usageReportsFailed: u32 = defineCounter("switchyard_usage_reports_failed");
  usageRecordsDropped: u32 = defineCounter("switchyard_usage_records_dropped");
  private memoryPages: i32 = 0;

  // Records the memory size when it changed since the last report: one host call per growth.
  reportMemory(): void {
    const pages = memory.size();
    if (pages == this.memoryPages) return;
    this.memoryPages = pages;
    record(this.memoryBytes, <u64>pages << 16);
  }
}

function defineCauses(): u32[] {
  const ids = new Array<u32>(CAUSE_NAMES.length);
  for (let i = 0; i < CAUSE_NAMES.length; i++) ids[i] = defineCounter("switchyard_failure_" + CAUSE_NAMES[i]);
  return ids;
}

export { increment, record };

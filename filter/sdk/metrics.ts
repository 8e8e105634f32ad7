import { proxy_define_metric, proxy_increment_metric, proxy_record_metric } from "../abi/imports";
import { MetricType, Status } from "../abi/types";

const METRIC_ID: usize = memory.data(4);

// Returns the metric's id, or u32.MAX_VALUE when the host refused to define it (then updates are no-ops).
function define(type: i32, name: string): u32 {
  const n = String.UTF8.encode(name);
  if (proxy_define_metric(type, changetype<usize>(n), <usize>n.byteLength, METRIC_ID) != Status.Ok) {
    return u32.MAX_VALUE;
  }
  return load<u32>(METRIC_ID);
}

export function defineCounter(name: string): u32 {
  return define(MetricType.Counter, name);
}

export function defineGauge(name: string): u32 {
  return define(MetricType.Gauge, name);
}

export function defineHistogram(name: string): u32 {
  return define(MetricType.Histogram, name);
}

export function increment(id: u32): void {
  incrementBy(id, 1);
}

export function incrementBy(id: u32, n: i64): void {
  if (id != u32.MAX_VALUE) proxy_increment_metric(id, n);
}

// Sets a gauge (Envoy keeps one stat per name for all VMs, so the last writer's value is the value),
// or adds a value to a histogram.
export function record(id: u32, value: u64): void {
  if (id != u32.MAX_VALUE) proxy_record_metric(id, value);
}

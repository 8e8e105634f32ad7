import { proxy_define_metric, proxy_increment_metric } from "../abi/imports";
import { MetricType, Status } from "../abi/types";

const METRIC_ID: usize = memory.data(4);

// Returns the counter's id, or u32.MAX_VALUE when the host refused to define it (then increments are no-ops).
export function defineCounter(name: string): u32 {
  const n = String.UTF8.encode(name);
  if (proxy_define_metric(MetricType.Counter, changetype<usize>(n), <usize>n.byteLength, METRIC_ID) != Status.Ok) {
    return u32.MAX_VALUE;
  }
  return load<u32>(METRIC_ID);
}

export function increment(id: u32): void {
  if (id != u32.MAX_VALUE) proxy_increment_metric(id, 1);
}

import { proxy_get_current_time_nanoseconds } from "../abi/imports";

const NOW: usize = memory.data(8);

export function nowMs(): i64 {
  proxy_get_current_time_nanoseconds(NOW);
  return load<i64>(NOW) / 1000000;
}

import { proxy_set_tick_period_milliseconds } from "../abi/imports";

// Asks the host to call proxy_on_tick on this root context every `periodMs` (0 stops the ticks).
export function setTickPeriod(periodMs: u32): void {
  proxy_set_tick_period_milliseconds(periodMs);
}

import { Status } from "./abi/types";
import { getShared, setShared } from "./sdk/shared_data";
import { record } from "./sdk/metrics";
import { logWarn } from "./sdk/log";

// Circuit breaker for decision calls (docs/filter.md#circuit-breaker). Its state lives in host
// shared data, not in this VM, because every Envoy worker thread runs its own VM and an outage
// must open the breaker for all of them at once. Every change is a compare-and-swap on one
// 16-byte record, so concurrent workers never lose an update or both claim the probe:
//   0: u32 consecutive failures, 4: u32 state, 8: i64 `until` (ms, host clock).

export namespace Admit {
  export const Call = 0;   // closed: ask the control plane
  export const Probe = 1;  // half-open: this request alone asks, and its outcome decides
  export const Reject = 2; // open: fail at once with cause breaker_open
}

namespace State {
  export const Closed: u32 = 0;
  // Open until `until`; then the first request to claim the probe moves it to Probing.
  export const Open: u32 = 1;
  // A probe is in flight. Its claim lapses at `until` (timeout plus a cool-down), so a probe whose
  // answer never comes (stream reset, VM gone) does not keep the breaker open for good.
  export const Probing: u32 = 2;
}

const RECORD_SIZE = 16;
// CAS retries per update. Each retry means another worker changed the record in between, which
// only happens a handful of times per transition; giving up then leaves that worker's update.
const MAX_TRIES = 8;
const RECORD: usize = memory.data(RECORD_SIZE);

export class Breaker {
  private key: ArrayBuffer;
  private failures: u32 = 0;
  private state: u32 = State.Closed;
  private until: i64 = 0;
  private cas: u32 = 0;

  // `threshold` consecutive counted failures open it for `cooldownMs`; `gauge` mirrors open (1) / closed (0).
  constructor(cluster: string, private threshold: u32, private cooldownMs: i64, private probeLeaseMs: i64,
              private gauge: u32) {
    // Per control-plane cluster: two plugin configs pointing at different clusters break separately.
    this.key = String.UTF8.encode("switchyard.breaker." + cluster);
  }

  admit(now: i64): i32 {
    for (let i = 0; i < MAX_TRIES; i++) {
      this.read();
      if (this.state == State.Closed) return Admit.Call;
      if (now < this.until) return Admit.Reject;
      // The cool-down (or a lapsed probe's lease) is over: whoever swaps first probes.
      if (this.write(this.failures, State.Probing, now + this.probeLeaseMs)) return Admit.Probe;
    }
    return Admit.Reject;
  }

  // A decision call got a valid decision.
  succeeded(probe: bool): void {
    for (let i = 0; i < MAX_TRIES; i++) {
      this.read();
      // The common case, and the only one on the success path that reads without writing.
      if (this.state == State.Closed && this.failures == 0) return;
      // A call that started before the breaker opened says nothing about now; the probe decides.
      if (this.state != State.Closed && !probe) return;
      const wasOpen = this.state != State.Closed;
      if (this.write(0, State.Closed, 0)) {
        if (wasOpen) this.transition(false);
        return;
      }
    }
  }

  // A decision call failed with a cause that counts (unreachable, timeout, bad_status, bad_decision).
  failed(probe: bool, now: i64): void {
    for (let i = 0; i < MAX_TRIES; i++) {
      this.read();
      if (this.state != State.Closed && !probe) return;
      const count = this.failures < u32.MAX_VALUE ? this.failures + 1 : this.failures;
      const open = probe || count >= this.threshold;
      if (this.write(count, open ? State.Open : State.Closed, open ? now + this.cooldownMs : 0)) {
        if (open && !probe) this.transition(true);
        return;
      }
    }
  }

  private transition(open: bool): void {
    record(this.gauge, open ? 1 : 0);
    logWarn(open ? "switchyard: breaker open after " + this.threshold.toString() + " consecutive decision-call failures"
      : "switchyard: breaker closed, the control plane answered the probe");
  }

  // A missing record reads as closed with CAS 0; the first write then creates it.
  private read(): void {
    const v = getShared(this.key);
    if (v === null || v.bytes.len != <usize>RECORD_SIZE) {
      this.failures = 0;
      this.state = State.Closed;
      this.until = 0;
      this.cas = v === null ? 0 : v.cas;
    } else {
      this.failures = load<u32>(v.bytes.ptr);
      this.state = load<u32>(v.bytes.ptr, 4);
      this.until = load<i64>(v.bytes.ptr, 8);
      this.cas = v.cas;
    }
    if (v !== null) v.bytes.free();
  }

  private write(failures: u32, state: u32, until: i64): bool {
    store<u32>(RECORD, failures);
    store<u32>(RECORD, state, 4);
    store<i64>(RECORD, until, 8);
    return setShared(this.key, RECORD, <usize>RECORD_SIZE, this.cas) == Status.Ok;
  }
}

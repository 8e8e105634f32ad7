import { MapType } from "../abi/types";
import { trackCall } from "../sdk/context";
import { getHeader } from "../sdk/headers";
import { httpCall } from "../sdk/http_call";
import { incrementBy } from "../sdk/metrics";
import { API_NAMES } from "../json/extract";
import { TokenUsage } from "../json/usage";
import { ByteWriter } from "../json/writer";

// Usage records of one worker, sent to the control plane on each tick
// (docs/decision-contract.md#usage-reports). Reports are made from the root context only: Envoy
// cancels a call when the context that made it goes away, and streams end right after their record.

// Records kept between ticks; more are dropped and counted, so a control plane that is down or
// slow costs bounded memory.
export const MAX_PENDING: i32 = 4096;
const REPORT_TIMEOUT_MS: u32 = 5000;
// A report stays well under the control plane's default 1 MiB body limit, whatever the name lengths.
const MAX_REPORT_BYTES: usize = 256 * 1024;

export class UsageReporter {
  // Records waiting for the next tick, in reports of at most MAX_REPORT_BYTES.
  private batches: ByteWriter[] = [];
  private counts: i32[] = [];
  private count: i32 = 0;
  private tokens: u32[] = [];
  private sentCounts: i32[] = [];

  constructor(private dropped: u32, private sent: u32, private failed: u32) {}

  add(model: string, api: i32, stream: bool, labelNames: string[], labelValues: string[], usage: TokenUsage): void {
    if (this.count == MAX_PENDING) {
      incrementBy(this.dropped, 1);
      return;
    }
    const last = this.batches.length - 1;
    if (last < 0 || this.batches[last].len >= MAX_REPORT_BYTES) {
      this.batches.push(new ByteWriter(4096));
      this.counts.push(0);
    }
    const i = this.batches.length - 1;
    const w = this.batches[i];
    if (this.counts[i] > 0) w.byte(0x2c);
    w.ascii("{\"model\":");
    w.jsonString(model);
    w.ascii(",\"api\":\"");
    w.ascii(API_NAMES[api]);
    w.ascii(stream ? "\",\"stream\":true,\"labels\":{" : "\",\"stream\":false,\"labels\":{");
    for (let k = 0; k < labelNames.length; k++) {
      if (k > 0) w.byte(0x2c);
      w.jsonString(labelNames[k]);
      w.byte(0x3a);
      w.jsonString(labelValues[k]);
    }
    w.ascii("},\"prompt_tokens\":");
    w.ascii((usage.prompt < 0 ? 0 : usage.prompt).toString());
    w.ascii(",\"completion_tokens\":");
    w.ascii((usage.completion < 0 ? 0 : usage.completion).toString());
    w.byte(0x7d);
    this.counts[i]++;
    this.count++;
  }

  // Sends what was recorded since the last flush. A report that cannot be sent loses its records
  // (counted): usage is telemetry, and retrying would hold memory while the control plane is down.
  flush(cluster: string, authority: string, path: string): void {
    for (let i = 0; i < this.batches.length; i++) {
      this.send(this.batches[i], this.counts[i], cluster, authority, path);
      this.batches[i].free();
    }
    this.batches = [];
    this.counts = [];
    this.count = 0;
  }

  private send(batch: ByteWriter, n: i32, cluster: string, authority: string, path: string): void {
    const body = new ByteWriter(batch.len + 32);
    body.ascii("{\"version\":1,\"records\":[");
    body.bytes(batch.ptr, batch.len);
    body.ascii("]}");
    const token = httpCall(cluster,
      [":method", ":path", ":authority", "content-type"],
      ["POST", path, authority, "application/json"],
      body.ptr, body.len, REPORT_TIMEOUT_MS);
    body.free();
    if (token < 0) {
      incrementBy(this.failed, 1);
      incrementBy(this.dropped, <i64>n);
      return;
    }
    incrementBy(this.sent, 1);
    this.tokens.push(<u32>token);
    this.sentCounts.push(n);
    trackCall(<u32>token, 0);
  }

  // The control plane's answer to a report; false when the token is not a report's.
  onResponse(token: u32, numHeaders: u32): bool {
    const i = this.tokens.indexOf(token);
    if (i < 0) return false;
    const n = this.sentCounts[i];
    this.tokens.splice(i, 1);
    this.sentCounts.splice(i, 1);
    if (numHeaders == 0 || getHeader(MapType.HttpCallResponseHeaders, ":status") != "200") {
      incrementBy(this.failed, 1);
      incrementBy(this.dropped, <i64>n);
    }
    return true;
  }
}

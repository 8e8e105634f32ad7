import { validDocument } from "./json/scanner";
import { ArrayReader, ObjectReader, decodeString, firstByte, isString, plainInteger } from "./json/reader";
import { API_PATHS, apiOfPath } from "./json/extract";

// The plugin configuration of docs/filter-config.md. Every error gets its own message in the
// documented form; any error rejects the whole configuration.

export class Config {
  cluster: string = "switchyard_controlplane";
  authority: string = "switchyard-controlplane";
  path: string = "/v1/route";
  timeoutMs: u32 = 300;
  triggerModels: string[] = ["auto", "MoM"];
  paths: string[] = ["/v1/chat/completions", "/v1/completions", "/v1/responses", "/v1/messages"];
  maxBodyBytes: usize = 1048576;
  contextBytes: usize = 8192;
  failClosed: bool = false;
  selectedModelHeader: string = "x-selected-model";
  forwardHeaders: string[] = ["x-switchyard-tenant", "traceparent"];
  routeExplicitModels: bool = false;
  breakerFailures: u32 = 5;
  breakerCooldownMs: u32 = 5000;
  reportUsage: bool = true;
  usagePath: string = "/v1/usage/report";
  usageFlushMs: u32 = 1000;
  usageMaxBodyBytes: usize = 1048576;
}

export class ConfigResult {
  config: Config = new Config();
  errors: string[] = [];

  fail(field: string, what: string): void {
    this.errors.push("switchyard: config: " + field + ": " + what);
  }
}

const FIELDS: StaticArray<string> = ["cluster", "authority", "path", "timeout_ms", "trigger_models", "paths",
  "max_body_bytes", "failure_mode", "selected_model_header", "forward_headers", "route_explicit_models",
  "breaker_failures", "breaker_cooldown_ms", "report_usage", "usage_path", "usage_flush_ms", "usage_max_body_bytes",
  "context_bytes"];

export function parseConfig(ptr: usize, len: usize): ConfigResult {
  const r = new ConfigResult();
  if (len == 0) return r;
  if (!validDocument(ptr, len)) {
    r.fail("(root)", "not valid JSON");
    return r;
  }
  let start = ptr;
  while (firstByte(start) != 0x7b) {
    if (firstByte(start) > 0x20) {
      r.fail("(root)", "must be a JSON object");
      return r;
    }
    start++;
  }
  const seen = new StaticArray<bool>(FIELDS.length);
  const m = new ObjectReader(start, ptr + len);
  while (m.next()) {
    const name = decodeString(m.keyStart, m.keyEnd);
    const f = FIELDS.indexOf(name);
    if (f < 0) {
      r.fail(name, "unknown field");
      continue;
    }
    if (seen[f]) {
      r.fail(name, "given more than once");
      continue;
    }
    seen[f] = true;
    const c = r.config;
    const s = m.valueStart;
    const e = m.valueEnd;
    if (name == "cluster") c.cluster = text(r, name, s, e, c.cluster);
    else if (name == "authority") c.authority = headerValue(r, name, s, e, c.authority);
    else if (name == "path") c.path = callPath(r, name, s, e, c.path);
    else if (name == "timeout_ms") c.timeoutMs = <u32>integer(r, name, s, e, 1, 60000, c.timeoutMs);
    else if (name == "max_body_bytes") c.maxBodyBytes = <usize>integer(r, name, s, e, 1, 67108864, c.maxBodyBytes);
    else if (name == "context_bytes") c.contextBytes = <usize>integer(r, name, s, e, 0, 65536, c.contextBytes);
    else if (name == "breaker_failures") c.breakerFailures = <u32>integer(r, name, s, e, 1, 1000, c.breakerFailures);
    // Under 100 ms the breaker would probe about as often as it saves a call.
    else if (name == "breaker_cooldown_ms") c.breakerCooldownMs = <u32>integer(r, name, s, e, 100, 600000, c.breakerCooldownMs);
    else if (name == "failure_mode") c.failClosed = failureMode(r, name, s, e);
    else if (name == "selected_model_header") c.selectedModelHeader = headerName(r, name, s, e, c.selectedModelHeader);
    else if (name == "trigger_models") c.triggerModels = list(r, name, s, e, 0, false);
    else if (name == "paths") c.paths = list(r, name, s, e, 1, false);
    else if (name == "route_explicit_models") c.routeExplicitModels = boolean(r, name, s, e, c.routeExplicitModels);
    else if (name == "report_usage") c.reportUsage = boolean(r, name, s, e, c.reportUsage);
    else if (name == "usage_path") c.usagePath = callPath(r, name, s, e, c.usagePath);
    else if (name == "usage_flush_ms") c.usageFlushMs = <u32>integer(r, name, s, e, 100, 60000, c.usageFlushMs);
    else if (name == "usage_max_body_bytes") c.usageMaxBodyBytes = <usize>integer(r, name, s, e, 1024, 67108864, c.usageMaxBodyBytes);
    else c.forwardHeaders = list(r, name, s, e, 2, true);
  }
  return r;
}

function text(r: ConfigResult, field: string, s: usize, e: usize, fallback: string): string {
  if (isString(s, e) && e - s > 2) return decodeString(s, e);
  r.fail(field, "must be a non-empty string");
  return fallback;
}

function headerValue(r: ConfigResult, field: string, s: usize, e: usize, fallback: string): string {
  const v = text(r, field, s, e, fallback);
  if (isPrintable(v)) return v;
  r.fail(field, "must contain only printable ASCII characters");
  return fallback;
}

function callPath(r: ConfigResult, field: string, s: usize, e: usize, fallback: string): string {
  const v = headerValue(r, field, s, e, fallback);
  if (v.startsWith("/")) return v;
  r.fail(field, "must start with \"/\"");
  return fallback;
}

function headerName(r: ConfigResult, field: string, s: usize, e: usize, fallback: string): string {
  const v = text(r, field, s, e, fallback);
  if (isHeaderName(v)) return v;
  r.fail(field, "must be a lower-case header name (a-z, 0-9, \"-\")");
  return fallback;
}

function integer(r: ConfigResult, field: string, s: usize, e: usize, min: i64, max: i64, fallback: i64): i64 {
  const v = plainInteger(s, e, max);
  if (v >= min) return v;
  r.fail(field, "must be an integer from " + min.toString() + " to " + max.toString());
  return fallback;
}

function boolean(r: ConfigResult, field: string, s: usize, e: usize, fallback: bool): bool {
  const c = firstByte(s);
  if (c == 0x74 && e - s == 4) return true;
  if (c == 0x66 && e - s == 5) return false;
  r.fail(field, "must be true or false");
  return fallback;
}

function failureMode(r: ConfigResult, field: string, s: usize, e: usize): bool {
  const v = isString(s, e) ? decodeString(s, e) : "";
  if (v == "open" || v == "closed") return v == "closed";
  r.fail(field, "must be \"open\" or \"closed\"");
  return false;
}

// kind 0: model names, 1: request paths of a known API, 2: header names.
function list(r: ConfigResult, field: string, s: usize, e: usize, kind: i32, allowEmpty: bool): string[] {
  const out: string[] = [];
  if (firstByte(s) != 0x5b) {
    r.fail(field, "must be an array of strings");
    return out;
  }
  const items = new ArrayReader(s, e);
  let i = 0;
  while (items.next()) {
    const at = field + "[" + i.toString() + "]";
    i++;
    if (!isString(items.valueStart, items.valueEnd) || items.valueEnd - items.valueStart == 2) {
      r.fail(at, "must be a non-empty string");
      continue;
    }
    const v = decodeString(items.valueStart, items.valueEnd);
    if (kind == 1 && (!v.startsWith("/") || !isPrintable(v) || v.includes("?") || apiOfPath(v) < 0)) {
      r.fail(at, "must be a path starting with \"/\" and ending with one of " + API_PATHS.join(", "));
      continue;
    }
    if (kind == 2 && !isHeaderName(v)) {
      r.fail(at, "must be a lower-case header name (a-z, 0-9, \"-\")");
      continue;
    }
    out.push(v);
  }
  if (i == 0 && !allowEmpty) r.fail(field, "must not be empty");
  return out;
}

export function isPrintable(v: string): bool {
  for (let i = 0, n = v.length; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

export function isHeaderName(v: string): bool {
  if (v.length == 0) return false;
  for (let i = 0, n = v.length; i < n; i++) {
    const c = v.charCodeAt(i);
    if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c == 0x2d)) return false;
  }
  return true;
}

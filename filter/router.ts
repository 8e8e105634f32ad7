import { Action as FilterAction, BufferType, MapType, StreamType } from "./abi/types";
import { proxy_continue_stream } from "./abi/imports";
import { HttpContext, RootContext, forgetCall, trackCall } from "./sdk/context";
import { getHeader, removeHeader, setHeader } from "./sdk/headers";
import { readBuffer, replaceBuffer } from "./sdk/buffers";
import { httpCall } from "./sdk/http_call";
import { sendJsonResponse } from "./sdk/local_response";
import { clearRouteCache } from "./sdk/route_cache";
import { logDebug, logError, logWarn } from "./sdk/log";
import { nowMs } from "./sdk/time";
import { Config, isPrintable, parseConfig } from "./config";
import { Action, Decision, parseDecision } from "./decision";
import { CAUSE_NAMES, Cause, Metrics, countsForBreaker, increment, record } from "./metrics";
import { Admit, Breaker } from "./breaker";
import { Field, RequestFields, parseRequest } from "./json/request";
import { Api, apiOfPath, writeDecisionRequest } from "./json/extract";
import { decodeString, stringIs } from "./json/reader";
import { ByteWriter } from "./json/writer";
import { PatchOp, Rewrite, writePatched } from "./json/patch";
import { setTickPeriod } from "./sdk/tick";
import { ResponseUsage } from "./usage/response";
import { UsageReporter } from "./usage/reporter";

const FAILURE_HEADER = "x-switchyard-failure";
// Decisions are small; a larger answer is not one the contract allows.
const MAX_DECISION_BYTES: usize = 65536;
// The contract's limit for header values set from a decision; explicit model names get the same.
const MAX_MODEL_HEADER = 256;

export class Root extends RootContext {
  config: Config | null = null;
  metrics: Metrics | null = null;
  breaker: Breaker | null = null;
  usage: UsageReporter | null = null;

  onConfigure(configSize: usize): bool {
    const raw = readBuffer(BufferType.PluginConfiguration, configSize);
    const result = parseConfig(raw.ptr, raw.len);
    raw.free();
    if (result.errors.length > 0) {
      for (let i = 0; i < result.errors.length; i++) logError(result.errors[i]);
      return false;
    }
    const config = result.config;
    this.config = config;
    if (this.metrics === null) this.metrics = new Metrics();
    const m = changetype<Metrics>(this.metrics);
    if (this.usage === null) this.usage = new UsageReporter(m.usageRecordsDropped, m.usageReportsSent, m.usageReportsFailed);
    setTickPeriod(config.reportUsage ? config.usageFlushMs : 0);
    // A probe whose answer never arrives gives up its claim after the call's timeout plus a cool-down.
    this.breaker = new Breaker(config.cluster, config.breakerFailures, <i64>config.breakerCooldownMs,
      <i64>config.timeoutMs + <i64>config.breakerCooldownMs, changetype<Metrics>(this.metrics).breakerOpen);
    return true;
  }

  newHttpContext(id: u32): HttpContext {
    return new Stream(id, this);
  }

  onTick(): void {
    const config = this.config;
    if (config === null || this.usage === null) return;
    changetype<UsageReporter>(this.usage).flush(config.cluster, config.authority, config.usagePath);
  }

  onHttpCallResponse(token: u32, numHeaders: u32, _bodySize: usize): void {
    if (this.usage !== null) changetype<UsageReporter>(this.usage).onResponse(token, numHeaders);
  }
}

namespace State {
  export const Ignored = 0;
  export const Buffering = 1;
  export const Deciding = 2;
  export const Done = 3;
}

class Stream extends HttpContext {
  private state: i32 = State.Ignored;
  private root: Root;
  private api: i32 = 0;
  private bodySize: usize = 0;
  private modelStart: usize = 0;
  private modelEnd: usize = 0;
  // Offset of the body's top-level opening brace (after any leading whitespace).
  private objectStart: usize = 0;
  private token: u32 = 0;
  private calledAt: i64 = 0;
  // This request holds the breaker's half-open probe.
  private probe: bool = false;
  // Headers added to the response: the routing decision, or the failure cause.
  private echoNames: string[] = [];
  private echoValues: string[] = [];
  // Token usage of a routed request: the model it went to, the decision's labels, and whether the
  // filter asked an OpenAI stream for its usage chunk (which the client then does not get).
  private streaming: bool = false;
  private clientAsksUsage: bool = false;
  private usageModel: string = "";
  private labelNames: string[] = [];
  private labelValues: string[] = [];
  private stripUsage: bool = false;
  private response: ResponseUsage | null = null;

  constructor(id: u32, root: Root) {
    super(id);
    this.root = root;
  }

  onRequestHeaders(endOfStream: bool): i32 {
    const config = this.root.config;
    if (config === null) return FilterAction.Continue;
    if (getHeader(MapType.HttpRequestHeaders, ":method") != "POST") return FilterAction.Continue;
    if (!isJson(getHeader(MapType.HttpRequestHeaders, "content-type"))) return FilterAction.Continue;
    const path = pathOf(getHeader(MapType.HttpRequestHeaders, ":path"));
    if (!config.paths.includes(path)) return FilterAction.Continue;
    this.api = apiOfPath(path);
    increment(this.metrics().seen);
    this.metrics().reportMemory();
    if (endOfStream) return this.fail(Cause.BadBody);
    const length = getHeader(MapType.HttpRequestHeaders, "content-length");
    if (length !== null && exceeds(length, config.maxBodyBytes)) return this.fail(Cause.BodyTooLarge);
    this.state = State.Buffering;
    // Held until the body is read: the route must not be chosen before the model is known.
    return FilterAction.Pause;
  }

  onRequestBody(bodySize: usize, endOfStream: bool): i32 {
    if (this.state != State.Buffering) return FilterAction.Continue;
    const config = this.config();
    if (bodySize > config.maxBodyBytes) return this.fail(Cause.BodyTooLarge);
    if (!endOfStream) return FilterAction.Pause;

    const body = readBuffer(BufferType.HttpRequestBody, bodySize);
    const fields = parseRequest(body.ptr, body.len);
    if (fields === null) {
      body.free();
      return this.fail(Cause.BadBody);
    }
    if (!fields.hasStringModel() || !isTrigger(fields, config.triggerModels)) {
      if (fields.hasStringModel() && config.routeExplicitModels) this.selectExplicit(fields, config);
      body.free();
      this.state = State.Done;
      increment(this.metrics().passthrough);
      return FilterAction.Continue;
    }
    increment(this.metrics().triggered);
    // Only trigger requests read the breaker: explicit models never touch shared data.
    const admit = this.breaker().admit(nowMs());
    if (admit == Admit.Reject) {
      body.free();
      return this.fail(Cause.BreakerOpen);
    }
    this.probe = admit == Admit.Probe;
    this.bodySize = body.len;
    this.modelStart = fields.starts[Field.Model] - body.ptr;
    this.modelEnd = fields.ends[Field.Model] - body.ptr;
    this.objectStart = fields.objectStart - body.ptr;
    this.streaming = fields.stream();
    this.clientAsksUsage = fields.includesUsage();
    const ok = this.callControlPlane(fields, config);
    body.free();
    if (!ok) return this.fail(Cause.Unreachable);
    this.state = State.Deciding;
    return FilterAction.Pause;
  }

  // A model named by the client goes to that model's route; the body stays byte-identical. Names
  // that cannot be a header value are left to the default route.
  private selectExplicit(fields: RequestFields, config: Config): void {
    const model = decodeString(fields.starts[Field.Model], fields.ends[Field.Model]);
    if (model.length == 0 || model.length > MAX_MODEL_HEADER || !isPrintable(model)) return;
    this.echoNames.push(config.selectedModelHeader);
    this.echoValues.push(model);
    setHeader(MapType.HttpRequestHeaders, config.selectedModelHeader, model);
    clearRouteCache();
  }

  private callControlPlane(fields: RequestFields, config: Config): bool {
    const names: string[] = [];
    const values: string[] = [];
    for (let i = 0; i < config.forwardHeaders.length; i++) {
      const v = getHeader(MapType.HttpRequestHeaders, config.forwardHeaders[i]);
      if (v === null) continue;
      names.push(config.forwardHeaders[i]);
      values.push(v);
    }
    const request = new ByteWriter(1024);
    writeDecisionRequest(request, fields, this.api, pathOf(getHeader(MapType.HttpRequestHeaders, ":path")), names, values, config.contextBytes);
    this.calledAt = nowMs();
    const token = httpCall(config.cluster,
      [":method", ":path", ":authority", "content-type"],
      ["POST", config.path, config.authority, "application/json"],
      request.ptr, request.len, config.timeoutMs);
    request.free();
    if (token < 0) return false;
    this.token = <u32>token;
    trackCall(this.token, this.id);
    return true;
  }

  onHttpCallResponse(numHeaders: u32, bodySize: usize): void {
    if (this.state != State.Deciding) return;
    this.state = State.Done;
    const config = this.config();
    record(this.metrics().decisionRtt, <u64>(nowMs() - this.calledAt));
    if (numHeaders == 0) {
      this.failAndResume(nowMs() - this.calledAt >= <i64>config.timeoutMs ? Cause.Timeout : Cause.Unreachable);
      return;
    }
    const status = getHeader(MapType.HttpCallResponseHeaders, ":status");
    if (status != "200") {
      this.failAndResume(this.causeOfStatus(status, config));
      return;
    }
    if (bodySize > MAX_DECISION_BYTES) {
      this.failAndResume(Cause.BadDecision);
      return;
    }
    const raw = readBuffer(BufferType.HttpCallResponseBody, bodySize);
    const decision = parseDecision(raw.ptr, raw.len, config.selectedModelHeader);
    raw.free();
    // A valid decision is the control plane working, whatever happens to the request afterwards.
    if (decision !== null) this.breaker().succeeded(this.probe);
    if (decision === null) {
      this.failAndResume(Cause.BadDecision);
    } else if (decision.action == Action.Block) {
      increment(this.metrics().blocked);
      const body = new ByteWriter(256);
      writeError(body, decision.blockMessage, decision.blockType, decision.blockCode);
      sendJsonResponse(decision.blockStatus, "switchyard_blocked", body.ptr, body.len);
      body.free();
    } else if (decision.action == Action.Route) {
      if (!this.route(decision, config)) {
        this.failAndResume(Cause.BadBody);
        return;
      }
      increment(this.metrics().routed);
      proxy_continue_stream(StreamType.Request);
    } else {
      increment(this.metrics().passthrough);
      proxy_continue_stream(StreamType.Request);
    }
  }

  // Envoy answers a call it could not complete itself (no connection, its own timeout) with a
  // local 503/504 rather than an error, so the cause is told apart by elapsed time and status.
  // Envoy's own replies are plain text, the control plane's JSON: a text 504 is Envoy's timeout even
  // when the host clock, cached per event-loop pass, says a little less time has passed.
  private causeOfStatus(status: string | null, config: Config): i32 {
    if (nowMs() - this.calledAt >= <i64>config.timeoutMs) return Cause.Timeout;
    const fromEnvoy = getHeader(MapType.HttpCallResponseHeaders, "content-type") != "application/json";
    if (status == "504" && fromEnvoy) return Cause.Timeout;
    if (status == "503" && fromEnvoy) return Cause.Unreachable;
    return Cause.BadStatus;
  }

  // Writes the chosen model over the original `model` token, every other body byte kept; a decision
  // that also patches the body or sets a system prompt has the top-level object rewritten instead.
  private route(decision: Decision, config: Config): bool {
    const body = readBuffer(BufferType.HttpRequestBody, this.bodySize);
    if (body.len != this.bodySize) {
      body.free();
      return false;
    }
    const out = new ByteWriter(body.len + decision.model.length + 2);
    const askUsage = config.reportUsage && this.streaming && !this.clientAsksUsage && (this.api == Api.Chat || this.api == Api.Completions);
    if (decision.editsBody() || askUsage) {
      const rw = new Rewrite();
      rw.model = decision.model;
      rw.api = this.api;
      rw.ops = askUsage ? decision.ops.concat([includeUsageOp()]) : decision.ops;
      rw.system = decision.system;
      writePatched(out, body.ptr + this.objectStart, body.ptr + body.len, rw);
    } else {
      out.bytes(body.ptr, this.modelStart);
      out.jsonString(decision.model);
      out.bytes(body.ptr + this.modelEnd, body.len - this.modelEnd);
    }
    body.free();
    const replaced = replaceBuffer(BufferType.HttpRequestBody, this.bodySize, out.ptr, out.len);
    const newLength = out.len;
    out.free();
    if (!replaced) return false;
    if (getHeader(MapType.HttpRequestHeaders, "content-length") !== null) {
      setHeader(MapType.HttpRequestHeaders, "content-length", newLength.toString());
    }
    this.echoNames.push(config.selectedModelHeader);
    this.echoValues.push(decision.model);
    for (let i = 0; i < decision.headerNames.length; i++) {
      this.echoNames.push(decision.headerNames[i]);
      this.echoValues.push(decision.headerValues[i]);
    }
    for (let i = 0; i < this.echoNames.length; i++) {
      setHeader(MapType.HttpRequestHeaders, this.echoNames[i], this.echoValues[i]);
    }
    if (askUsage) {
      // The usage chunk is taken out of the stream again, which needs readable events.
      setHeader(MapType.HttpRequestHeaders, "accept-encoding", "identity");
      this.stripUsage = true;
    }
    if (config.reportUsage) {
      this.usageModel = decision.model;
      this.labelNames = decision.labelNames;
      this.labelValues = decision.labelValues;
    }
    if (!clearRouteCache()) logWarn("switchyard: clear_route_cache is not available; the route was not re-selected");
    return true;
  }

  onResponseHeaders(endOfStream: bool): i32 {
    for (let i = 0; i < this.echoNames.length; i++) {
      setHeader(MapType.HttpResponseHeaders, this.echoNames[i], this.echoValues[i]);
    }
    if (this.usageModel.length > 0 && !endOfStream) {
      const response = new ResponseUsage(this.stripUsage, this.config().usageMaxBodyBytes);
      const reading = response.start(getHeader(MapType.HttpResponseHeaders, ":status"),
        getHeader(MapType.HttpResponseHeaders, "content-type"), getHeader(MapType.HttpResponseHeaders, "content-encoding"));
      if (reading || response.unreadable) this.response = response;
      // Taking the usage chunk out shortens the body: a stream sent with a length goes on without one.
      if (reading && this.stripUsage) removeHeader(MapType.HttpResponseHeaders, "content-length");
    }
    return FilterAction.Continue;
  }

  onResponseBody(bodySize: usize, endOfStream: bool): i32 {
    const response = this.response;
    if (response !== null) response.onBody(bodySize, endOfStream);
    return FilterAction.Continue;
  }

  onDelete(): void {
    if (this.state == State.Deciding) forgetCall(this.token);
    const response = this.response;
    if (response === null) return;
    response.release();
    // Recorded when the stream ends however it ends: tokens a client hung up on were still spent.
    const m = this.metrics();
    if (response.usage.found()) {
      increment(m.usageRead);
      changetype<UsageReporter>(this.root.usage).add(this.usageModel, this.api, this.streaming, this.labelNames, this.labelValues, response.usage);
    } else {
      increment(response.unreadable ? m.usageUnreadable : m.usageMissing);
    }
  }

  // Applies failure_mode inside a request callback: open lets the request go on unchanged, closed
  // answers 503 and keeps it stopped.
  private fail(cause: i32): i32 {
    this.state = State.Done;
    return this.recordFailure(cause) ? FilterAction.Pause : FilterAction.Continue;
  }

  // The same after an http call response, when the stream waits for an explicit resume.
  private failAndResume(cause: i32): void {
    if (!this.recordFailure(cause)) proxy_continue_stream(StreamType.Request);
  }

  // Returns whether a local reply was sent (closed mode).
  private recordFailure(cause: i32): bool {
    const m = this.metrics();
    const name = CAUSE_NAMES[cause];
    increment(m.causes[cause]);
    if (countsForBreaker(cause)) this.breaker().failed(this.probe, nowMs());
    const message = "switchyard: request " + this.id.toString() + ": failure " + name;
    // Client faults are routine, and an open breaker already logged its opening once.
    if (cause == Cause.BadBody || cause == Cause.BodyTooLarge || cause == Cause.BreakerOpen) logDebug(message);
    else logWarn(message);
    if (this.config().failClosed) {
      increment(m.failuresClosed);
      const body = new ByteWriter(160);
      writeError(body, "Routing is unavailable (" + name + ")", "switchyard_unavailable", name);
      sendJsonResponse(503, "switchyard_" + name, body.ptr, body.len);
      body.free();
      return true;
    }
    increment(m.failuresOpen);
    this.echoNames.push(FAILURE_HEADER);
    this.echoValues.push(name);
    return false;
  }

  // Only reached on handled streams, which exist only after a successful configure.
  private config(): Config {
    return changetype<Config>(this.root.config);
  }

  private metrics(): Metrics {
    return changetype<Metrics>(this.root.metrics);
  }

  private breaker(): Breaker {
    return changetype<Breaker>(this.root.breaker);
  }
}

// stream_options.include_usage = true, over a false the client sent.
function includeUsageOp(): PatchOp {
  const op = new PatchOp();
  op.path = ["stream_options", "include_usage"];
  op.value = "true";
  return op;
}

function writeError(w: ByteWriter, message: string, type: string, code: string): void {
  w.ascii("{\"error\":{\"message\":");
  w.jsonString(message);
  w.ascii(",\"type\":");
  w.jsonString(type);
  w.ascii(",\"code\":");
  w.jsonString(code);
  w.ascii("}}");
}

function isTrigger(fields: RequestFields, triggers: string[]): bool {
  const s = fields.starts[Field.Model];
  const e = fields.ends[Field.Model];
  for (let i = 0; i < triggers.length; i++) {
    if (stringIs(s, e, fields.modelEscaped, triggers[i])) return true;
  }
  return false;
}

// application/json, with or without parameters, in any letter case.
function isJson(contentType: string | null): bool {
  if (contentType === null) return false;
  const ct = contentType.toLowerCase();
  if (!ct.startsWith("application/json")) return false;
  if (ct.length == 16) return true;
  const next = ct.charCodeAt(16);
  return next == 0x3b || next == 0x20;
}

function pathOf(path: string | null): string {
  if (path === null) return "";
  const q = path.indexOf("?");
  return q < 0 ? path : path.substring(0, q);
}

// content-length larger than `max`; digits only, anything else is left to Envoy's own checks.
function exceeds(length: string, max: usize): bool {
  if (length.length > 12) return true;
  let v: u64 = 0;
  for (let i = 0; i < length.length; i++) {
    const c = length.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
    v = v * 10 + <u64>(c - 0x30);
  }
  return v > <u64>max;
}

// A proxy-wasm ABI 0.2.1 host for tests, modelled on Envoy's behaviour where the filter depends on
// it: http call responses arrive on the root context, request body callbacks report the whole
// buffered size, response body callbacks (the filter never buffers responses) report each chunk,
// proxy_set_buffer_bytes only replaces from offset 0, a paused stream moves on only when the module
// returns Continue or calls proxy_continue_stream, and ticks come when the test calls tick().
import { readFileSync } from "node:fs";

export type Headers = [string, string][];

export const Action = { Continue: 0, Pause: 1 } as const;
const Status = { Ok: 0, NotFound: 1, BadArgument: 2, CasMismatch: 8 } as const;

// Envoy's shared data (proxy-wasm-cpp-host SharedData): one store for all VMs of a plugin, each
// value with a CAS number that changes on every write. Pass one instance to several hosts to model
// several worker threads.
export class SharedData {
  private values = new Map<string, { value: Buffer; cas: number }>();
  private nextCas = 1;

  get(key: string): { value: Buffer; cas: number } | undefined {
    return this.values.get(key);
  }

  // A non-zero cas must match the stored value's; a missing key is created whatever the cas.
  set(key: string, value: Buffer, cas: number): number {
    const old = this.values.get(key);
    if (old && cas !== 0 && cas !== old.cas) return Status.CasMismatch;
    this.values.set(key, { value: Buffer.from(value), cas: this.nextCas++ });
    return Status.Ok;
  }
}

export interface HttpCall {
  token: number;
  rootId: number;
  upstream: string;
  headers: Headers;
  body: Buffer;
  timeoutMs: number;
}

export interface LocalResponse {
  status: number;
  details: string;
  body: Buffer;
  headers: Headers;
}

export interface LogEntry {
  level: number;
  message: string;
}

export interface HostOptions {
  // Names of clusters proxy_http_call accepts; any other makes the call fail synchronously.
  clusters?: string[];
  // Foreign functions the host offers, by name.
  foreignFunctions?: string[];
  // Shared data store; give several hosts the same one to model several worker VMs.
  sharedData?: SharedData;
}

const encoder = new TextEncoder();

export class ProxyWasmHost {
  readonly logs: LogEntry[] = [];
  readonly metrics = new Map<string, number>();
  readonly httpCalls: HttpCall[] = [];
  readonly foreignCalls: { name: string; contextId: number }[] = [];
  readonly sharedData: SharedData;
  // Metric type by name (0 counter, 1 gauge, 2 histogram).
  readonly metricTypes = new Map<string, number>();
  // Every value recorded into each histogram, in order.
  readonly histograms = new Map<string, number[]>();
  // The host clock, in nanoseconds; tests move it with advance().
  now = 1_000_000_000n;
  // What the root context last asked for with proxy_set_tick_period_milliseconds (0: no ticks).
  tickPeriodMs = 0;

  private instance!: WebAssembly.Instance;
  private metricNames: string[] = [];
  private nextContextId = 1;
  private nextToken = 1;
  private current = 0;
  private streams = new Map<number, HttpStream>();
  private pluginConfig = Buffer.alloc(0);
  private callResponse: { headers: Headers; body: Buffer } | null = null;
  private clusters: Set<string>;
  private foreign: Set<string>;
  rootId = 0;

  private constructor(options: HostOptions) {
    this.clusters = new Set(options.clusters ?? ["switchyard_controlplane"]);
    this.foreign = new Set(options.foreignFunctions ?? ["clear_route_cache"]);
    this.sharedData = options.sharedData ?? new SharedData();
  }

  static async load(wasmPath: string, options: HostOptions = {}): Promise<ProxyWasmHost> {
    const host = new ProxyWasmHost(options);
    const module = await WebAssembly.compile(readFileSync(wasmPath));
    host.instance = await WebAssembly.instantiate(module, { env: host.imports() });
    return host;
  }

  private get exports(): Record<string, (...args: number[]) => number> {
    return this.instance.exports as never;
  }

  private get memory(): WebAssembly.Memory {
    return this.instance.exports.memory as WebAssembly.Memory;
  }

  // --- driving the module, as Envoy would ---

  // Creates the root context, starts the VM and configures the plugin; returns proxy_on_configure's answer.
  configure(config: string | object = ""): boolean {
    this.pluginConfig = Buffer.from(typeof config === "string" ? config : JSON.stringify(config));
    if (this.rootId === 0) {
      this.rootId = this.nextContextId++;
      this.call(this.rootId, "proxy_on_context_create", this.rootId, 0);
      this.call(this.rootId, "proxy_on_vm_start", this.rootId, 0);
    }
    return this.call(this.rootId, "proxy_on_configure", this.rootId, this.pluginConfig.length) !== 0;
  }

  newStream(): HttpStream {
    const id = this.nextContextId++;
    const stream = new HttpStream(this, id);
    this.streams.set(id, stream);
    this.call(id, "proxy_on_context_create", id, this.rootId);
    return stream;
  }

  // Delivers the control plane's answer to a pending call (on the root context, like Envoy).
  respond(call: HttpCall, status: number, body: string | Buffer, headers: Headers = [["content-type", "application/json"]]): void {
    this.callResponse = { headers: [[":status", String(status)], ...headers], body: Buffer.from(body) };
    try {
      this.call(call.rootId, "proxy_on_http_call_response", call.rootId, call.token, this.callResponse.headers.length,
        this.callResponse.body.length, 0);
    } finally {
      this.callResponse = null;
    }
  }

  // A call that ended without a response (reset, or Envoy's timeout on a call it could not send).
  failCall(call: HttpCall): void {
    this.call(call.rootId, "proxy_on_http_call_response", call.rootId, call.token, 0, 0, 0);
  }

  // One timer tick on the root context, as Envoy delivers them every tickPeriodMs.
  tick(): void {
    if (this.tickPeriodMs === 0) throw new Error("the module asked for no ticks");
    this.call(this.rootId, "proxy_on_tick", this.rootId);
  }

  advance(ms: number): void {
    this.now += BigInt(ms) * 1_000_000n;
  }

  metric(name: string): number {
    return this.metrics.get(name) ?? 0;
  }

  lastCall(): HttpCall {
    const call = this.httpCalls.at(-1);
    if (!call) throw new Error("no http call was made");
    return call;
  }

  call(contextId: number, name: string, ...args: number[]): number {
    const fn = this.exports[name];
    if (typeof fn !== "function") throw new Error(`module does not export ${name}`);
    const saved = this.current;
    this.current = contextId;
    try {
      return Number(fn(...args) ?? 0);
    } finally {
      this.current = saved;
    }
  }

  // --- memory helpers ---

  private bytes(ptr: number, len: number): Buffer {
    return Buffer.from(new Uint8Array(this.memory.buffer, ptr, len));
  }

  private text(ptr: number, len: number): string {
    return this.bytes(ptr, len).toString("utf8");
  }

  private u32(ptr: number, value: number): void {
    new DataView(this.memory.buffer).setUint32(ptr, value, true);
  }

  // Copies data into module memory the way a host does: through proxy_on_memory_allocate.
  private give(data: Uint8Array, ptrPtr: number, sizePtr: number): number {
    const ptr = this.exports.proxy_on_memory_allocate(data.length) >>> 0;
    new Uint8Array(this.memory.buffer, ptr, data.length).set(data);
    this.u32(ptrPtr, ptr);
    this.u32(sizePtr, data.length);
    return Status.Ok;
  }

  private readPairs(ptr: number, len: number): Headers {
    if (len === 0) return [];
    const view = new DataView(this.memory.buffer, ptr, len);
    const n = view.getUint32(0, true);
    const out: Headers = [];
    let data = 4 + n * 8;
    for (let i = 0; i < n; i++) {
      const k = view.getUint32(4 + i * 8, true);
      const v = view.getUint32(8 + i * 8, true);
      const key = this.text(ptr + data, k);
      data += k + 1;
      const value = this.text(ptr + data, v);
      data += v + 1;
      out.push([key, value]);
    }
    return out;
  }

  private stream(): HttpStream | undefined {
    return this.streams.get(this.current);
  }

  private headerMap(type: number): Headers | undefined {
    if (type === 6) return this.callResponse?.headers;
    const s = this.stream();
    if (!s) return undefined;
    if (type === 0) return s.requestHeaders;
    if (type === 2) return s.responseHeaders ?? undefined;
    return undefined;
  }

  private imports(): Record<string, (...args: never[]) => number | void> {
    const fns = {
      proxy_log: (level: number, ptr: number, len: number) => {
        this.logs.push({ level, message: this.text(ptr, len) });
        return Status.Ok;
      },
      proxy_get_current_time_nanoseconds: (ptr: number) => {
        new DataView(this.memory.buffer).setBigUint64(ptr, this.now, true);
        return Status.Ok;
      },
      proxy_get_buffer_bytes: (type: number, start: number, max: number, ptrPtr: number, sizePtr: number) => {
        const buf = type === 0 ? this.stream()?.bufferedBody : type === 1 ? this.stream()?.responseChunk : type === 4 ? this.callResponse?.body
          : type === 7 ? this.pluginConfig : undefined;
        if (!buf) return Status.NotFound;
        return this.give(buf.subarray(start, start + max), ptrPtr, sizePtr);
      },
      proxy_set_buffer_bytes: (type: number, start: number, size: number, ptr: number, len: number) => {
        const s = this.stream();
        if ((type !== 0 && type !== 1) || !s) return Status.NotFound;
        const data = this.bytes(ptr, len);
        const old = type === 0 ? s.bufferedBody : s.responseChunk;
        let next: Buffer;
        if (start === 0) next = Buffer.concat([data, old.subarray(size)]);
        else if (start >= old.length) next = Buffer.concat([old, data]);
        else return Status.BadArgument;
        if (type === 0) s.bufferedBody = next;
        else s.responseChunk = next;
        return Status.Ok;
      },
      proxy_get_header_map_value: (type: number, kPtr: number, kLen: number, ptrPtr: number, sizePtr: number) => {
        const map = this.headerMap(type);
        const key = this.text(kPtr, kLen).toLowerCase();
        const hit = map?.find(([k]) => k === key);
        if (!hit) return Status.NotFound;
        return this.give(encoder.encode(hit[1]), ptrPtr, sizePtr);
      },
      proxy_replace_header_map_value: (type: number, kPtr: number, kLen: number, vPtr: number, vLen: number) => {
        const map = this.headerMap(type);
        if (!map) return Status.NotFound;
        const key = this.text(kPtr, kLen).toLowerCase();
        const value = this.text(vPtr, vLen);
        const rest = map.filter(([k]) => k !== key);
        map.length = 0;
        map.push(...rest, [key, value]);
        return Status.Ok;
      },
      proxy_remove_header_map_value: (type: number, kPtr: number, kLen: number) => {
        const map = this.headerMap(type);
        if (!map) return Status.NotFound;
        const key = this.text(kPtr, kLen).toLowerCase();
        const rest = map.filter(([k]) => k !== key);
        map.length = 0;
        map.push(...rest);
        return Status.Ok;
      },
      proxy_send_local_response: (status: number, dPtr: number, dLen: number, bPtr: number, bLen: number,
                                  hPtr: number, hLen: number) => {
        const s = this.stream();
        if (!s) return Status.NotFound;
        s.localResponse = { status, details: this.text(dPtr, dLen), body: this.bytes(bPtr, bLen), headers: this.readPairs(hPtr, hLen) };
        return Status.Ok;
      },
      proxy_http_call: (uPtr: number, uLen: number, hPtr: number, hLen: number, bPtr: number, bLen: number,
                        _tPtr: number, _tLen: number, timeout: number, tokenPtr: number) => {
        const upstream = this.text(uPtr, uLen);
        if (!this.clusters.has(upstream)) return Status.BadArgument;
        const token = this.nextToken++;
        // Envoy retargets calls to the root context; responses are delivered there.
        this.httpCalls.push({ token, rootId: this.rootId, upstream, headers: this.readPairs(hPtr, hLen),
          body: this.bytes(bPtr, bLen), timeoutMs: timeout });
        this.u32(tokenPtr, token);
        return Status.Ok;
      },
      proxy_set_tick_period_milliseconds: (ms: number) => {
        if (this.current !== this.rootId) return Status.BadArgument;
        this.tickPeriodMs = ms;
        return Status.Ok;
      },
      proxy_set_effective_context: (id: number) => {
        if (!this.streams.has(id) && id !== this.rootId) return Status.BadArgument;
        this.current = id;
        return Status.Ok;
      },
      proxy_continue_stream: (type: number) => {
        const s = this.stream();
        if (!s || type !== 0) return Status.BadArgument;
        s.resume();
        return Status.Ok;
      },
      proxy_define_metric: (type: number, nPtr: number, nLen: number, idPtr: number) => {
        if (type !== 0 && type !== 1 && type !== 2) return Status.BadArgument;
        const name = this.text(nPtr, nLen);
        this.metricNames.push(name);
        this.metricTypes.set(name, type);
        if (!this.metrics.has(name)) this.metrics.set(name, 0);
        this.u32(idPtr, this.metricNames.length - 1);
        return Status.Ok;
      },
      proxy_increment_metric: (id: number, offset: bigint) => {
        const name = this.metricNames[id];
        if (name === undefined) return Status.NotFound;
        this.metrics.set(name, (this.metrics.get(name) ?? 0) + Number(offset));
        return Status.Ok;
      },
      proxy_record_metric: (id: number, value: bigint) => {
        const name = this.metricNames[id];
        if (name === undefined) return Status.NotFound;
        // Recording a counter would be a filter bug worth seeing.
        const type = this.metricTypes.get(name);
        if (type === 2) {
          this.histograms.set(name, [...(this.histograms.get(name) ?? []), Number(value)]);
          return Status.Ok;
        }
        if (type !== 1) return Status.BadArgument;
        this.metrics.set(name, Number(value));
        return Status.Ok;
      },
      proxy_get_shared_data: (kPtr: number, kLen: number, ptrPtr: number, sizePtr: number, casPtr: number) => {
        const hit = this.sharedData.get(this.text(kPtr, kLen));
        if (!hit) return Status.NotFound;
        this.u32(casPtr, hit.cas);
        return this.give(hit.value, ptrPtr, sizePtr);
      },
      proxy_set_shared_data: (kPtr: number, kLen: number, vPtr: number, vLen: number, cas: number) =>
        this.sharedData.set(this.text(kPtr, kLen), this.bytes(vPtr, vLen), cas),
      proxy_call_foreign_function: (nPtr: number, nLen: number, _aPtr: number, _aLen: number,
                                    ptrPtr: number, sizePtr: number) => {
        const name = this.text(nPtr, nLen);
        if (!this.foreign.has(name)) return Status.NotFound;
        this.foreignCalls.push({ name, contextId: this.current });
        this.u32(ptrPtr, 0);
        this.u32(sizePtr, 0);
        return Status.Ok;
      },
    };
    return fns as never;
  }
}

// One HTTP request through the filter. Body bytes sit in `bufferedBody` while the filter holds them
// and move to `forwardedBody` (what the router would send upstream) when it lets them go.
export class HttpStream {
  requestHeaders: Headers = [];
  responseHeaders: Headers | null = null;
  bufferedBody: Buffer = Buffer.alloc(0);
  forwardedBody = Buffer.alloc(0);
  localResponse: LocalResponse | null = null;
  headersReleased = false;
  // The response chunk the module sees in proxy_on_response_body, and what went on to the client.
  responseChunk: Buffer = Buffer.alloc(0);
  forwardedResponse = Buffer.alloc(0);
  private waiting = false;

  constructor(private host: ProxyWasmHost, readonly id: number) {}

  sendRequestHeaders(headers: Headers, endOfStream = false): number {
    this.requestHeaders = headers.map(([k, v]) => [k.toLowerCase(), v]);
    const action = this.host.call(this.id, "proxy_on_request_headers", this.id, headers.length, endOfStream ? 1 : 0);
    if (action === Action.Continue) this.release();
    else this.waiting = true;
    return action;
  }

  // Appends a chunk; the callback sees the whole buffered size, as Envoy reports it while buffering.
  sendRequestBody(chunk: string | Buffer, endOfStream = true): number {
    this.bufferedBody = Buffer.concat([this.bufferedBody, Buffer.from(chunk)]);
    const action = this.host.call(this.id, "proxy_on_request_body", this.id, this.bufferedBody.length, endOfStream ? 1 : 0);
    if (action === Action.Continue) this.release();
    else this.waiting = true;
    return action;
  }

  sendResponseHeaders(headers: Headers, endOfStream = false): number {
    this.responseHeaders = headers.map(([k, v]) => [k.toLowerCase(), v]);
    return this.host.call(this.id, "proxy_on_response_headers", this.id, headers.length, endOfStream ? 1 : 0);
  }

  // One response body chunk; what the module leaves in it goes on to the client.
  sendResponseBody(chunk: string | Buffer, endOfStream = false): number {
    this.responseChunk = Buffer.from(chunk);
    const action = this.host.call(this.id, "proxy_on_response_body", this.id, this.responseChunk.length, endOfStream ? 1 : 0);
    if (action !== Action.Continue) throw new Error("the filter must not hold response bodies");
    this.forwardedResponse = Buffer.concat([this.forwardedResponse, this.responseChunk]);
    this.responseChunk = Buffer.alloc(0);
    return action;
  }

  delete(): void {
    this.host.call(this.id, "proxy_on_done", this.id);
    this.host.call(this.id, "proxy_on_delete", this.id);
  }

  resume(): void {
    if (!this.waiting) throw new Error("proxy_continue_stream on a stream that is not paused");
    this.waiting = false;
    this.release();
  }

  private release(): void {
    this.headersReleased = true;
    this.forwardedBody = Buffer.concat([this.forwardedBody, this.bufferedBody]);
    this.bufferedBody = Buffer.alloc(0);
  }

  requestHeader(name: string): string | undefined {
    return this.requestHeaders.find(([k]) => k === name)?.[1];
  }

  responseHeader(name: string): string | undefined {
    return this.responseHeaders?.find(([k]) => k === name)?.[1];
  }
}

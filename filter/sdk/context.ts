import { proxy_set_effective_context } from "../abi/imports";
import { Action } from "../abi/types";

// Context model of the ABI: Envoy creates one root context per plugin (parent id 0) and one
// stream context per HTTP request, whose parent is that root. These exports route each callback to
// the object that owns the id.

export abstract class HttpContext {
  constructor(public id: u32) {}
  abstract onRequestHeaders(endOfStream: bool): i32;
  abstract onRequestBody(bodySize: usize, endOfStream: bool): i32;
  abstract onResponseHeaders(endOfStream: bool): i32;
  abstract onResponseBody(bodySize: usize, endOfStream: bool): i32;
  abstract onHttpCallResponse(numHeaders: u32, bodySize: usize): void;
  abstract onDelete(): void;
}

export abstract class RootContext {
  constructor(public id: u32) {}
  abstract onConfigure(configSize: usize): bool;
  abstract newHttpContext(id: u32): HttpContext;
  abstract onTick(): void;
  // The answer to a call the root context made itself (trackCall with stream 0).
  abstract onHttpCallResponse(token: u32, numHeaders: u32, bodySize: usize): void;
}

type RootFactory = (id: u32) => RootContext;

let rootFactory: RootFactory | null = null;
const roots = new Map<u32, RootContext>();
const streams = new Map<u32, HttpContext>();
// Pending http calls: token -> stream context id, or 0 for the root's own calls. Envoy reports every
// response on the root context.
const calls = new Map<u32, u32>();

export function setRootFactory(factory: RootFactory): void {
  rootFactory = factory;
}

export function trackCall(token: u32, stream: u32): void {
  calls.set(token, stream);
}

export function proxy_on_context_create(contextId: u32, parentId: u32): void {
  if (parentId == 0) {
    const factory = rootFactory;
    if (factory !== null) roots.set(contextId, factory(contextId));
  } else if (roots.has(parentId)) {
    streams.set(contextId, roots.get(parentId).newHttpContext(contextId));
  }
}

export function proxy_on_vm_start(_rootId: u32, _vmConfigSize: usize): bool {
  return true;
}

export function proxy_on_configure(rootId: u32, configSize: usize): bool {
  return roots.has(rootId) && roots.get(rootId).onConfigure(configSize);
}

export function proxy_on_request_headers(contextId: u32, _numHeaders: u32, endOfStream: bool): i32 {
  return streams.has(contextId) ? streams.get(contextId).onRequestHeaders(endOfStream) : Action.Continue;
}

export function proxy_on_request_body(contextId: u32, bodySize: usize, endOfStream: bool): i32 {
  return streams.has(contextId) ? streams.get(contextId).onRequestBody(bodySize, endOfStream) : Action.Continue;
}

export function proxy_on_response_headers(contextId: u32, _numHeaders: u32, endOfStream: bool): i32 {
  return streams.has(contextId) ? streams.get(contextId).onResponseHeaders(endOfStream) : Action.Continue;
}

export function proxy_on_response_body(contextId: u32, bodySize: usize, endOfStream: bool): i32 {
  return streams.has(contextId) ? streams.get(contextId).onResponseBody(bodySize, endOfStream) : Action.Continue;
}

export function proxy_on_tick(rootId: u32): void {
  if (roots.has(rootId)) roots.get(rootId).onTick();
}

export function proxy_on_http_call_response(rootId: u32, token: u32, numHeaders: u32, bodySize: usize, _numTrailers: u32): void {
  if (!calls.has(token)) return;
  const streamId = calls.get(token);
  calls.delete(token);
  if (streamId == 0) {
    if (roots.has(rootId)) roots.get(rootId).onHttpCallResponse(token, numHeaders, bodySize);
    return;
  }
  if (!streams.has(streamId)) return;
  // Header, body and continue calls now act on the stream that made the call, not on the root.
  proxy_set_effective_context(streamId);
  streams.get(streamId).onHttpCallResponse(numHeaders, bodySize);
}

// Nothing is pending at teardown, so every context is done at once.
export function proxy_on_done(_contextId: u32): bool {
  return true;
}

// Access logging is not used; exported so the lifecycle is complete for hosts that expect it.
export function proxy_on_log(_contextId: u32): void {}

export function proxy_on_delete(contextId: u32): void {
  if (streams.has(contextId)) {
    streams.get(contextId).onDelete();
    streams.delete(contextId);
  } else {
    roots.delete(contextId);
  }
}

export function forgetCall(token: u32): void {
  calls.delete(token);
}

import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { HostOptions, HttpCall, HttpStream, ProxyWasmHost, Headers } from "../emulator/host.ts";

export const WASM = fileURLToPath(new URL("../../build/switchyard.wasm", import.meta.url));

export async function loadHost(config: string | object = "", options: HostOptions = {}): Promise<ProxyWasmHost> {
  if (!existsSync(WASM)) throw new Error(`${WASM} is missing: build the filter first (npm run build:filter)`);
  const host = await ProxyWasmHost.load(WASM, options);
  if (!host.configure(config)) throw new Error("configure failed: " + host.logs.map((l) => l.message).join("; "));
  return host;
}

export function requestHeaders(path = "/v1/chat/completions", extra: Headers = [], body?: string): Headers {
  const h: Headers = [[":method", "POST"], [":path", path], [":authority", "llm.local"], ["content-type", "application/json"]];
  if (body !== undefined) h.push(["content-length", String(Buffer.byteLength(body))]);
  return [...h, ...extra];
}

// Sends a whole request; returns the stream and the decision call, if one was made.
export function send(host: ProxyWasmHost, body: string, path = "/v1/chat/completions", extra: Headers = []): { stream: HttpStream; call: HttpCall | undefined } {
  const before = host.httpCalls.length;
  const stream = host.newStream();
  stream.sendRequestHeaders(requestHeaders(path, extra, body));
  stream.sendRequestBody(body, true);
  return { stream, call: host.httpCalls.length > before ? host.lastCall() : undefined };
}

// The decision request the filter sent for `body`.
export function decisionRequest(host: ProxyWasmHost, body: string, path = "/v1/chat/completions", extra: Headers = []): Record<string, unknown> {
  const { call } = send(host, body, path, extra);
  if (!call) throw new Error("no decision call for " + body.slice(0, 200));
  return JSON.parse(call.body.toString("utf8"));
}

export const chat = (model: unknown, messages: unknown[] = [{ role: "user", content: "hi" }], extra: object = {}) =>
  JSON.stringify({ model, messages, ...extra });

export const routeTo = (model: string, headers: Record<string, string> = {}) =>
  JSON.stringify({ version: 1, action: "route", model, headers });

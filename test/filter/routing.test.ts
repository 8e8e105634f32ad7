import { test } from "node:test";
import assert from "node:assert/strict";
import { Action } from "../emulator/host.ts";
import { chat, loadHost, requestHeaders, routeTo, send } from "./helpers.ts";

test("explicit model passes byte-identical without a decision call, routed by header when asked", async () => {
  const host = await loadHost({ route_explicit_models: true });
  const body = '{ "model" : "gpt-4o",\n "messages":[{"role":"user","content":"hi"}], "stream": true }';
  const { stream, call } = send(host, body);
  assert.equal(call, undefined);
  assert.ok(stream.headersReleased);
  assert.equal(stream.forwardedBody.toString(), body);
  assert.equal(stream.requestHeader("x-selected-model"), "gpt-4o", "the route follows the named model");
  assert.deepEqual(host.foreignCalls.map((c) => c.name), ["clear_route_cache"]);
  stream.sendResponseHeaders([[":status", "200"]]);
  assert.deepEqual(stream.responseHeaders, [[":status", "200"], ["x-selected-model", "gpt-4o"]]);
  assert.equal(host.metric("switchyard_requests_seen"), 1);
  assert.equal(host.metric("switchyard_requests_passthrough"), 1);
  assert.equal(host.metric("switchyard_requests_triggered"), 0);
});

test("by default explicit requests get no header and no re-route", async () => {
  const host = await loadHost();
  const body = chat("gpt-4o");
  const { stream } = send(host, body);
  assert.equal(stream.forwardedBody.toString(), body);
  assert.equal(stream.requestHeader("x-selected-model"), undefined);
  assert.equal(host.foreignCalls.length, 0);
});

test("an explicit model name that cannot be a header value is not used for routing", async () => {
  const host = await loadHost({ route_explicit_models: true });
  for (const model of ["", "bad\nname", "x".repeat(257), "caf\u00e9"]) {
    const body = `{"model":"${model}","messages":[]}`;
    const { stream } = send(host, body);
    assert.equal(stream.forwardedBody.toString(), body);
    assert.equal(stream.requestHeader("x-selected-model"), undefined, model);
  }
  assert.equal(host.foreignCalls.length, 0);
});

test("requests the filter does not handle are not held", async () => {
  const host = await loadHost();
  const cases: [string, string][][] = [
    [[":method", "GET"], [":path", "/v1/chat/completions"], ["content-type", "application/json"]],
    [[":method", "POST"], [":path", "/v1/embeddings"], ["content-type", "application/json"]],
    [[":method", "POST"], [":path", "/v1/chat/completions"], ["content-type", "text/plain"]],
    [[":method", "POST"], [":path", "/v1/chat/completions"], ["content-type", "application/jsonx"]],
    [[":method", "POST"], [":path", "/v1/chat/completions"]],
  ];
  for (const headers of cases) {
    const stream = host.newStream();
    assert.equal(stream.sendRequestHeaders(headers), Action.Continue);
    assert.equal(stream.sendRequestBody(chat("auto")), Action.Continue);
  }
  assert.equal(host.httpCalls.length, 0);
  assert.equal(host.metric("switchyard_requests_seen"), 0);
});

test("query strings and content-type parameters are accepted", async () => {
  const host = await loadHost();
  const stream = host.newStream();
  const body = chat("auto");
  assert.equal(stream.sendRequestHeaders([[":method", "POST"], [":path", "/v1/chat/completions?x=1"],
    ["content-type", "Application/JSON; charset=utf-8"]]), Action.Pause);
  stream.sendRequestBody(body);
  assert.equal(JSON.parse(host.lastCall().body.toString()).path, "/v1/chat/completions");
});

test("route: rewrites the model in place, fixes content-length, sets headers, clears the route cache", async () => {
  const host = await loadHost();
  const body = '{"stream":false,  "model":"auto" ,"messages":[{"role":"user","content":"integrate x^2"}],"x":"auto"}';
  const stream = host.newStream();
  assert.equal(stream.sendRequestHeaders(requestHeaders("/v1/chat/completions", [], body)), Action.Pause);
  assert.equal(stream.sendRequestBody(body.slice(0, 10), false), Action.Pause);
  assert.equal(stream.sendRequestBody(body.slice(10), true), Action.Pause);
  const call = host.lastCall();
  assert.equal(call.upstream, "switchyard_controlplane");
  assert.equal(call.timeoutMs, 300);
  assert.deepEqual(Object.fromEntries(call.headers), {
    ":method": "POST", ":path": "/v1/route", ":authority": "switchyard-controlplane", "content-type": "application/json",
  });
  assert.equal(stream.headersReleased, false);

  host.respond(call, 200, routeTo("qwen-math", { "x-switchyard-category": "math" }));
  const expected = body.replace('"model":"auto"', '"model":"qwen-math"');
  assert.equal(stream.forwardedBody.toString(), expected);
  assert.equal(stream.requestHeader("content-length"), String(Buffer.byteLength(expected)));
  assert.equal(stream.requestHeader("x-selected-model"), "qwen-math");
  assert.equal(stream.requestHeader("x-switchyard-category"), "math");
  assert.deepEqual(host.foreignCalls, [{ name: "clear_route_cache", contextId: stream.id }]);

  stream.sendResponseHeaders([[":status", "200"], ["content-type", "text/event-stream"]]);
  assert.equal(stream.responseHeader("x-selected-model"), "qwen-math");
  assert.equal(stream.responseHeader("x-switchyard-category"), "math");
  assert.equal(host.metric("switchyard_requests_triggered"), 1);
  assert.equal(host.metric("switchyard_requests_routed"), 1);
});

test("route: a model needing escapes is written as a JSON string", async () => {
  const host = await loadHost();
  const { stream, call } = send(host, chat("MoM"));
  host.respond(call!, 200, routeTo('org/"m"\\v1'));
  assert.equal(JSON.parse(stream.forwardedBody.toString()).model, 'org/"m"\\v1');
  assert.equal(stream.requestHeader("x-selected-model"), 'org/"m"\\v1');
});

test("route: a chunked request (no content-length) gets none added", async () => {
  const host = await loadHost();
  const stream = host.newStream();
  stream.sendRequestHeaders(requestHeaders());
  stream.sendRequestBody(chat("auto"));
  host.respond(host.lastCall(), 200, routeTo("m1"));
  assert.equal(stream.requestHeader("content-length"), undefined);
  assert.equal(JSON.parse(stream.forwardedBody.toString()).model, "m1");
});

test("pass leaves the request exactly as it came", async () => {
  const host = await loadHost();
  const body = chat("auto");
  const { stream, call } = send(host, body);
  host.respond(call!, 200, JSON.stringify({ version: 1, action: "pass", extra: [1] }));
  assert.equal(stream.forwardedBody.toString(), body);
  assert.equal(stream.requestHeader("x-selected-model"), undefined);
  assert.equal(host.foreignCalls.length, 0);
  stream.sendResponseHeaders([[":status", "200"]]);
  assert.deepEqual(stream.responseHeaders, [[":status", "200"]]);
});

test("block answers locally with the decision's status and an OpenAI-shaped error", async () => {
  const host = await loadHost();
  const { stream, call } = send(host, chat("auto"));
  host.respond(call!, 200, JSON.stringify({ version: 1, action: "block",
    block: { status: 403, type: "switchyard_blocked", code: "jailbreak", message: "Request blocked: \"x\"" } }));
  assert.equal(stream.localResponse?.status, 403);
  assert.deepEqual(JSON.parse(stream.localResponse!.body.toString()),
    { error: { message: 'Request blocked: "x"', type: "switchyard_blocked", code: "jailbreak" } });
  assert.deepEqual(stream.localResponse?.headers, [["content-type", "application/json"]]);
  assert.equal(stream.headersReleased, false);
  assert.equal(host.metric("switchyard_requests_blocked"), 1);
});

const badDecisions: [string, string][] = [
  ["not JSON", "ok"],
  ["array", "[]"],
  ["wrong version", JSON.stringify({ version: 2, action: "pass" })],
  ["no version", JSON.stringify({ action: "pass" })],
  ["unknown action", JSON.stringify({ version: 1, action: "reroute" })],
  ["route without model", JSON.stringify({ version: 1, action: "route" })],
  ["route with empty model", JSON.stringify({ version: 1, action: "route", model: "" })],
  ["route with newline in model", JSON.stringify({ version: 1, action: "route", model: "a\nb" })],
  ["header with upper case", JSON.stringify({ version: 1, action: "route", model: "m", headers: { "X-A": "1" } })],
  ["header overriding content-length", JSON.stringify({ version: 1, action: "route", model: "m", headers: { "content-length": "1" } })],
  ["header value too long", JSON.stringify({ version: 1, action: "route", model: "m", headers: { "x-a": "v".repeat(257) } })],
  ["too many headers", JSON.stringify({ version: 1, action: "route", model: "m",
    headers: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`x-h${i}`, "v"])) })],
  ["block without block", JSON.stringify({ version: 1, action: "block" })],
  ["block status 200", JSON.stringify({ version: 1, action: "block", block: { status: 200, type: "t", code: "c", message: "m" } })],
  ["block missing code", JSON.stringify({ version: 1, action: "block", block: { status: 403, type: "t", message: "m" } })],
];

for (const [name, decision] of badDecisions) {
  test(`invalid decision (${name}) fails open with bad_decision`, async () => {
    const host = await loadHost();
    const body = chat("auto");
    const { stream, call } = send(host, body);
    host.respond(call!, 200, decision);
    assert.ok(stream.headersReleased);
    assert.equal(stream.forwardedBody.toString(), body);
    stream.sendResponseHeaders([[":status", "200"]]);
    assert.equal(stream.responseHeader("x-switchyard-failure"), "bad_decision");
    assert.equal(host.metric("switchyard_failure_bad_decision"), 1);
    assert.equal(host.metric("switchyard_failures_open"), 1);
  });
}

test("16 decision headers are accepted", async () => {
  const host = await loadHost();
  const { stream, call } = send(host, chat("auto"));
  host.respond(call!, 200, routeTo("m", Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`x-h${i}`, "v"]))));
  assert.equal(stream.requestHeader("x-h15"), "v");
});

test("failure causes: bad_status, timeout, unreachable", async () => {
  const host = await loadHost({ timeout_ms: 100, breaker_failures: 100 });
  let { stream, call } = send(host, chat("auto"));
  host.respond(call!, 500, '{"error":"x"}');
  stream.sendResponseHeaders([[":status", "200"]]);
  assert.equal(stream.responseHeader("x-switchyard-failure"), "bad_status");

  ({ stream, call } = send(host, chat("auto")));
  host.advance(100);
  host.respond(call!, 504, "upstream request timeout", [["content-type", "text/plain"]]);
  stream.sendResponseHeaders([[":status", "200"]]);
  assert.equal(stream.responseHeader("x-switchyard-failure"), "timeout");

  // Envoy's timeout reply, read while the host clock still says a little under the timeout.
  ({ stream, call } = send(host, chat("auto")));
  host.advance(95);
  host.respond(call!, 504, "upstream request timeout", [["content-type", "text/plain"]]);
  stream.sendResponseHeaders([[":status", "200"]]);
  assert.equal(stream.responseHeader("x-switchyard-failure"), "timeout");

  // The control plane's own 504 is just a bad status.
  ({ stream, call } = send(host, chat("auto")));
  host.respond(call!, 504, '{"error":"x"}');
  stream.sendResponseHeaders([[":status", "200"]]);
  assert.equal(stream.responseHeader("x-switchyard-failure"), "bad_status");

  ({ stream, call } = send(host, chat("auto")));
  host.respond(call!, 503, "upstream connect error", [["content-type", "text/plain"]]);
  stream.sendResponseHeaders([[":status", "200"]]);
  assert.equal(stream.responseHeader("x-switchyard-failure"), "unreachable");

  ({ stream, call } = send(host, chat("auto")));
  host.failCall(call!);
  stream.sendResponseHeaders([[":status", "200"]]);
  assert.equal(stream.responseHeader("x-switchyard-failure"), "unreachable");

  for (const cause of ["bad_status", "timeout"]) assert.equal(host.metric(`switchyard_failure_${cause}`), 2);
  assert.equal(host.metric("switchyard_failure_unreachable"), 2);
  assert.equal(host.metric("switchyard_failures_open"), 6);
});

test("unknown cluster fails at dispatch with unreachable", async () => {
  const host = await loadHost({ cluster: "nowhere" });
  const body = chat("auto");
  const { stream, call } = send(host, body);
  assert.equal(call, undefined);
  assert.equal(stream.forwardedBody.toString(), body);
  stream.sendResponseHeaders([[":status", "200"]]);
  assert.equal(stream.responseHeader("x-switchyard-failure"), "unreachable");
});

test("closed mode answers 503 with the cause", async () => {
  const host = await loadHost({ failure_mode: "closed" });
  const { stream, call } = send(host, chat("auto"));
  host.respond(call!, 502, "bad gateway", [["content-type", "text/plain"]]);
  assert.equal(stream.localResponse?.status, 503);
  assert.deepEqual(JSON.parse(stream.localResponse!.body.toString()),
    { error: { message: "Routing is unavailable (bad_status)", type: "switchyard_unavailable", code: "bad_status" } });
  assert.equal(stream.headersReleased, false);
  assert.equal(host.metric("switchyard_failures_closed"), 1);

  const bad = send(host, "{not json");
  assert.equal(bad.stream.localResponse?.status, 503);
  assert.equal(JSON.parse(bad.stream.localResponse!.body.toString()).error.code, "bad_body");
});

test("unparsable and empty bodies are bad_body; open mode lets them through unchanged", async () => {
  const host = await loadHost();
  const { stream } = send(host, '{"model":"auto",');
  assert.equal(stream.forwardedBody.toString(), '{"model":"auto",');
  stream.sendResponseHeaders([[":status", "400"]]);
  assert.equal(stream.responseHeader("x-switchyard-failure"), "bad_body");

  const empty = host.newStream();
  assert.equal(empty.sendRequestHeaders(requestHeaders(), true), Action.Continue);
  empty.sendResponseHeaders([[":status", "400"]]);
  assert.equal(empty.responseHeader("x-switchyard-failure"), "bad_body");
  assert.equal(host.metric("switchyard_failure_bad_body"), 2);
});

test("body over max_body_bytes: open mode stops buffering and continues unchanged", async () => {
  const host = await loadHost({ max_body_bytes: 64 });
  const body = chat("auto", [{ role: "user", content: "x".repeat(100) }]);
  const stream = host.newStream();
  stream.sendRequestHeaders(requestHeaders());
  assert.equal(stream.sendRequestBody(body.slice(0, 40), false), Action.Pause);
  assert.equal(stream.sendRequestBody(body.slice(40, 80), false), Action.Continue);
  assert.equal(stream.sendRequestBody(body.slice(80), true), Action.Continue);
  assert.equal(stream.forwardedBody.toString(), body);
  assert.equal(host.httpCalls.length, 0);
  stream.sendResponseHeaders([[":status", "200"]]);
  assert.equal(stream.responseHeader("x-switchyard-failure"), "body_too_large");
});

test("body over max_body_bytes by content-length fails before any buffering", async () => {
  const host = await loadHost({ max_body_bytes: 64, failure_mode: "closed" });
  const body = chat("auto", [{ role: "user", content: "x".repeat(100) }]);
  const stream = host.newStream();
  assert.equal(stream.sendRequestHeaders(requestHeaders("/v1/chat/completions", [], body)), Action.Pause);
  assert.equal(stream.localResponse?.status, 503);
  assert.equal(JSON.parse(stream.localResponse!.body.toString()).error.code, "body_too_large");
  assert.equal(host.metric("switchyard_failure_body_too_large"), 1);
});

test("a body exactly at the cap is routed", async () => {
  const body = chat("auto");
  const host = await loadHost({ max_body_bytes: Buffer.byteLength(body) });
  assert.ok(send(host, body).call);
});

test("a stream deleted while deciding ignores the late response", async () => {
  const host = await loadHost();
  const { stream, call } = send(host, chat("auto"));
  stream.delete();
  host.respond(call!, 200, routeTo("m"));
  assert.equal(host.metric("switchyard_requests_routed"), 0);
});

test("logs name the failure", async () => {
  const host = await loadHost();
  const { call } = send(host, chat("auto"));
  host.respond(call!, 500, "");
  assert.ok(host.logs.some((l) => l.level === 3 && /failure bad_status/.test(l.message)));
});

test("reports the VM's memory size, and it does not grow over repeated requests", async () => {
  const host = await loadHost();
  const round = () => {
    const { stream, call } = send(host, chat("auto", [{ role: "user", content: "x".repeat(2000) }]));
    host.respond(call!, 200, routeTo("m1", { "x-switchyard-category": "math" }));
    stream.sendResponseHeaders([[":status", "200"]]);
    stream.delete();
  };
  for (let i = 0; i < 50; i++) round();
  const warm = host.metric("switchyard_wasm_memory_bytes");
  assert.ok(warm >= 65536 && warm % 65536 === 0, `gauge ${warm}`);
  for (let i = 0; i < 2000; i++) round();
  assert.equal(host.metric("switchyard_wasm_memory_bytes"), warm, "memory grew over 2,000 requests");
});

test("every decision call's round trip goes into a histogram, in milliseconds", async () => {
  const host = await loadHost();
  const first = send(host, chat("auto")).call!;
  host.advance(12);
  host.respond(first, 200, routeTo("m"));
  const second = send(host, chat("auto")).call!;
  host.advance(300);
  host.failCall(second);
  assert.equal(host.metricTypes.get("switchyard_decision_rtt_ms"), 2);
  assert.deepEqual(host.histograms.get("switchyard_decision_rtt_ms"), [12, 300]);
});

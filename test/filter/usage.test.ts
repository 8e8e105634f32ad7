// Token usage on the response path (docs/filter.md#token-usage), in the host emulator: what the
// filter asks the upstream for, what the client gets back, and the reports it sends on ticks.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { DEMO_APIS, type Answer, type ServerSentEvent } from "../../demo/apis.ts";
import { ProxyWasmHost, type HttpStream } from "../emulator/host.ts";
import { WASM, chat, loadHost, send } from "./helpers.ts";

const ANSWER: Answer = { id: "c1", model: "math-model", created: 1, text: "four", pieces: ["fo", "ur"], promptTokens: 12, completionTokens: 34 };
const api = (path: string) => DEMO_APIS.find((a) => a.path === path)!;
const sse = (events: readonly ServerSentEvent[]) => events.map(({ event, data }) => `${event === undefined ? "" : `event: ${event}\n`}data: ${data}\n\n`).join("");
const decision = (extra: object = {}) => JSON.stringify({ version: 1, action: "route", model: "math-model", labels: { category: "math", tenant: "team-a" }, ...extra });

// A routed request: sends it, answers the decision call, returns the stream and what went upstream.
function routed(host: ProxyWasmHost, body: string, path = "/v1/chat/completions", answer = decision()): { stream: HttpStream; upstream: Record<string, any> } {
  const { stream, call } = send(host, body, path);
  assert.ok(call, "a decision call");
  host.respond(call, 200, answer);
  return { stream, upstream: JSON.parse(stream.forwardedBody.toString()) };
}

// Sends a response in the given chunks and ends the stream; returns what the client received.
function respond(stream: HttpStream, chunks: readonly string[], headers: [string, string][] = [[":status", "200"], ["content-type", "text/event-stream"]]): string {
  stream.sendResponseHeaders(headers);
  chunks.forEach((c, i) => stream.sendResponseBody(c, i === chunks.length - 1));
  const out = stream.forwardedResponse.toString();
  stream.delete();
  return out;
}

// The report bodies sent on the next tick.
function reports(host: ProxyWasmHost): Record<string, any>[] {
  const before = host.httpCalls.length;
  host.tick();
  return host.httpCalls.slice(before).map((c) => {
    assert.equal(c.upstream, "switchyard_controlplane");
    assert.deepEqual(c.headers.slice(0, 2), [[":method", "POST"], [":path", "/v1/usage/report"]]);
    return JSON.parse(c.body.toString());
  });
}

test("a JSON response's usage is reported on the next tick with the decision's labels", async () => {
  const host = await loadHost();
  assert.equal(host.tickPeriodMs, 1000);
  const { stream, upstream } = routed(host, chat("auto"));
  assert.equal(upstream.stream_options, undefined, "nothing is asked of non-streaming requests");
  const body = JSON.stringify(api("/v1/chat/completions").complete(ANSWER));
  assert.equal(respond(stream, [body.slice(0, 20), body.slice(20)], [[":status", "200"], ["content-type", "application/json"]]), body);
  assert.deepEqual(reports(host), [{ version: 1, records: [
    { model: "math-model", api: "openai.chat", stream: false, labels: { category: "math", tenant: "team-a" }, prompt_tokens: 12, completion_tokens: 34 },
  ] }]);
  assert.deepEqual(reports(host), [], "an empty tick sends nothing");
  assert.equal(host.metric("switchyard_usage_read"), 1);
  assert.equal(host.metric("switchyard_usage_reports_sent"), 1);
});

test("an OpenAI stream is asked for its usage chunk, which the client that did not ask never sees", async () => {
  const host = await loadHost();
  const { stream, upstream } = routed(host, chat("auto", undefined, { stream: true }));
  assert.deepEqual(upstream.stream_options, { include_usage: true });
  assert.equal(stream.requestHeader("accept-encoding"), "identity");
  const withUsage = sse(api("/v1/chat/completions").stream(ANSWER, true));
  const events = withUsage.split("\n\n").filter((e) => e !== "");
  const expected = events.filter((e) => !e.includes('"choices":[]')).map((e) => `${e}\n\n`).join("");
  // Split inside the usage event, so that it spans chunks.
  const cut = withUsage.indexOf('"choices":[]') + 5;
  // A stream sent with its length loses the header: the client gets fewer bytes than it announced.
  assert.equal(respond(stream, [withUsage.slice(0, cut), withUsage.slice(cut)],
    [[":status", "200"], ["content-type", "text/event-stream"], ["content-length", String(withUsage.length)]]), expected);
  assert.equal(stream.responseHeader("content-length"), undefined);
  assert.match(expected, /data: \[DONE\]\n\n$/);
  assert.deepEqual(reports(host)[0].records.map((r: any) => [r.stream, r.prompt_tokens, r.completion_tokens]), [[true, 12, 34]]);
});

test("a client that asked for usage gets it; one that said false is overridden and the chunk removed", async () => {
  const host = await loadHost();
  const asked = routed(host, chat("auto", undefined, { stream: true, stream_options: { include_usage: true } }));
  assert.deepEqual(asked.upstream.stream_options, { include_usage: true });
  assert.equal(asked.stream.requestHeader("accept-encoding"), undefined);
  const withUsage = sse(api("/v1/chat/completions").stream(ANSWER, true));
  assert.equal(respond(asked.stream, [withUsage]), withUsage);

  const refused = routed(host, chat("auto", undefined, { stream: true, stream_options: { include_usage: false, x: 1 } }));
  assert.deepEqual(refused.upstream.stream_options, { include_usage: true, x: 1 });
  assert.doesNotMatch(respond(refused.stream, [withUsage]), /"choices":\[\]/);
  assert.equal(reports(host)[0].records.length, 2);
});

test("Anthropic streams report input tokens at the start and output tokens at the end", async () => {
  const host = await loadHost();
  const { stream, upstream } = routed(host, JSON.stringify({ model: "auto", max_tokens: 10, stream: true, messages: [{ role: "user", content: "hi" }] }), "/v1/messages");
  assert.equal(upstream.stream_options, undefined);
  const events = sse(api("/v1/messages").stream(ANSWER, false)).replace(/"input_tokens":12/, '"input_tokens":2,"cache_read_input_tokens":10');
  // One byte at a time: events are found however the body is cut.
  assert.equal(respond(stream, [...events]), events);
  const [record] = reports(host)[0].records;
  assert.deepEqual([record.api, record.prompt_tokens, record.completion_tokens], ["anthropic.messages", 12, 34]);
});

test("Responses API streams report the usage of response.completed; CRLF line ends work", async () => {
  const host = await loadHost();
  const { stream } = routed(host, JSON.stringify({ model: "auto", input: "hi", stream: true }), "/v1/responses");
  const events = [
    `event: response.created\r\ndata: ${JSON.stringify({ type: "response.created", response: { id: "r", usage: null } })}\r\n\r\n`,
    `event: response.output_text.delta\r\ndata: ${JSON.stringify({ type: "response.output_text.delta", delta: "four" })}\r\n\r\n`,
    `event: response.completed\r\ndata: ${JSON.stringify({ type: "response.completed", response: { id: "r", usage: { input_tokens: 5, input_tokens_details: { cached_tokens: 1 }, output_tokens: 7, total_tokens: 12 } } })}\r\n\r\n`,
  ].join("");
  assert.equal(respond(stream, [events]), events);
  const [record] = reports(host)[0].records;
  assert.deepEqual([record.api, record.prompt_tokens, record.completion_tokens], ["openai.responses", 5, 7]);
});

test("responses without readable usage are counted, not reported: error status, compressed, too large, none", async () => {
  const host = await loadHost({ usage_max_body_bytes: 1024 });
  const json = JSON.stringify(api("/v1/chat/completions").complete(ANSWER));
  const cases: [string, [string, string][], string[]][] = [
    ["error", [[":status", "500"], ["content-type", "application/json"]], ['{"error":{}}']],
    ["gzip", [[":status", "200"], ["content-type", "application/json"], ["content-encoding", "gzip"]], ["\x1f\x8b"]],
    ["large", [[":status", "200"], ["content-type", "application/json"]], [json.slice(0, -1) + " ".repeat(2000) + "}"]],
    ["no usage", [[":status", "200"], ["content-type", "application/json; charset=utf-8"]], ['{"id":"x","choices":[]}']],
    ["not JSON", [[":status", "200"], ["content-type", "text/plain"]], ["usage"]],
  ];
  for (const [name, headers, chunks] of cases) {
    const { stream } = routed(host, chat("auto"));
    assert.equal(respond(stream, chunks, headers), chunks.join(""), name);
  }
  assert.deepEqual(reports(host), []);
  assert.equal(host.metric("switchyard_usage_read"), 0);
  assert.equal(host.metric("switchyard_usage_unreadable"), 2);
  assert.equal(host.metric("switchyard_usage_missing"), 1);
});

test("an event larger than the limit passes through whole, and reading stops", async () => {
  const host = await loadHost({ usage_max_body_bytes: 1024 });
  const { stream } = routed(host, chat("auto", undefined, { stream: true }));
  const big = `data: ${JSON.stringify({ choices: [{ delta: { content: "x".repeat(3000) } }] })}\n\n`;
  const rest = sse(api("/v1/chat/completions").stream(ANSWER, true));
  assert.equal(respond(stream, [big.slice(0, 1500), big.slice(1500), rest]), big + rest);
  assert.equal(host.metric("switchyard_usage_unreadable"), 1);
});

test("a failed report loses its records, counted; a client that hung up still has its usage recorded", async () => {
  const host = await loadHost();
  const json = JSON.stringify(api("/v1/chat/completions").complete(ANSWER));
  for (let i = 0; i < 3; i++) respond(routed(host, chat("auto")).stream, [json], [[":status", "200"], ["content-type", "application/json"]]);
  host.tick();
  host.respond(host.lastCall(), 503, "no", [["content-type", "text/plain"]]);
  assert.equal(host.metric("switchyard_usage_reports_failed"), 1);
  assert.equal(host.metric("switchyard_usage_records_dropped"), 3);
  // A stream reset after Anthropic's message_start: the input tokens were spent.
  const { stream } = routed(host, JSON.stringify({ model: "auto", max_tokens: 5, stream: true, messages: [] }), "/v1/messages");
  stream.sendResponseHeaders([[":status", "200"], ["content-type", "text/event-stream"]]);
  stream.sendResponseBody(sse(api("/v1/messages").stream(ANSWER, false)).split("\n\n").slice(0, 2).join("\n\n") + "\n\n");
  stream.delete();
  host.tick();
  assert.equal(JSON.parse(host.lastCall().body.toString()).records[0].prompt_tokens, 12);
  host.respond(host.lastCall(), 200, '{"accepted":1}');
  assert.equal(host.metric("switchyard_usage_reports_failed"), 1);
});

test("pending records are bounded between ticks, and sent in reports of bounded size", async () => {
  const host = await loadHost();
  const json = JSON.stringify(api("/v1/chat/completions").complete(ANSWER));
  for (let i = 0; i < 4097; i++) respond(routed(host, chat("auto")).stream, [json], [[":status", "200"], ["content-type", "application/json"]]);
  assert.equal(host.metric("switchyard_usage_records_dropped"), 1);
  // Sent as several reports, each under the control plane's default body limit.
  const before = host.httpCalls.length;
  const sent = reports(host);
  assert.ok(sent.length > 1);
  assert.equal(sent.reduce((n, r) => n + r.records.length, 0), 4096);
  for (const call of host.httpCalls.slice(before)) assert.ok(call.body.length < 300 * 1024, `${call.body.length} bytes`);
});

test("report_usage false: no ticks, nothing asked of the upstream, nothing read", async () => {
  const host = await loadHost({ report_usage: false });
  assert.equal(host.tickPeriodMs, 0);
  const { stream, upstream } = routed(host, chat("auto", undefined, { stream: true }));
  assert.equal(upstream.stream_options, undefined);
  const events = sse(api("/v1/chat/completions").stream(ANSWER, true));
  assert.equal(respond(stream, [events]), events);
  assert.equal(host.metric("switchyard_usage_read") + host.metric("switchyard_usage_missing"), 0);
});

test("usage settings are checked, and the flush period and report path are used", async () => {
  const host = await loadHost({ usage_flush_ms: 250, usage_path: "/usage" });
  assert.equal(host.tickPeriodMs, 250);
  respond(routed(host, chat("auto")).stream, [JSON.stringify(api("/v1/chat/completions").complete(ANSWER))], [[":status", "200"], ["content-type", "application/json"]]);
  host.tick();
  assert.equal(host.lastCall().headers[1][1], "/usage");
  const bad = await ProxyWasmHost.load(WASM);
  assert.equal(bad.configure({ report_usage: "yes", usage_path: "usage", usage_flush_ms: 10, usage_max_body_bytes: 100 }), false);
  assert.deepEqual(bad.logs.map((l) => l.message), [
    "switchyard: config: report_usage: must be true or false",
    "switchyard: config: usage_path: must start with \"/\"",
    "switchyard: config: usage_flush_ms: must be an integer from 100 to 60000",
    "switchyard: config: usage_max_body_bytes: must be an integer from 1024 to 67108864",
  ]);
});

test("decision labels are checked like headers: a bad one makes the decision bad", async () => {
  const host = await loadHost({ breaker_failures: 100 });
  for (const labels of [{ Category: "x" }, { category: 1 }, { category: "" }, { category: "a\nb" }, [], Object.fromEntries([...Array(9)].map((_, i) => [`l${"abcdefghi"[i]}`, "x"]))]) {
    const { stream, call } = send(host, chat("auto"));
    host.respond(call!, 200, decision({ labels }));
    stream.sendResponseHeaders([[":status", "200"]]);
    assert.equal(stream.responseHeader("x-switchyard-failure"), "bad_decision", JSON.stringify(labels));
  }
  assert.equal(host.metric("switchyard_failure_bad_decision"), 6);
});

test("property: however an OpenAI stream is cut, the client gets every event but the usage chunk it did not ask for", async () => {
  const host = await loadHost();
  const full = sse(api("/v1/chat/completions").stream({ ...ANSWER, pieces: ["a", "b", "c", "d"] }, true));
  const expected = full.split(/(?<=\n\n)/).filter((e) => !e.includes('"choices":[]')).join("");
  fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 1, max: full.length - 1 }), { maxLength: 12 }), (cuts) => {
    const at = [0, ...cuts.sort((a, b) => a - b), full.length];
    const chunks = at.slice(1).map((end, i) => full.slice(at[i], end));
    const { stream } = routed(host, chat("auto", undefined, { stream: true }));
    assert.equal(respond(stream, chunks), expected);
  }), { numRuns: 200 });
  assert.equal(reports(host)[0].records.length, 200);
});

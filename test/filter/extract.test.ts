import { test } from "node:test";
import assert from "node:assert/strict";
import { chat, decisionRequest, loadHost, send } from "./helpers.ts";

test("chat: system and developer messages joined, last user message, stream flag, forwarded headers", async () => {
  const host = await loadHost();
  const body = JSON.stringify({
    model: "auto", stream: true, messages: [
      { role: "system", content: "Be brief." },
      { role: "user", content: "first" },
      { role: "assistant", content: "ok" },
      { content: [{ type: "text", text: "Use LaTeX." }], role: "developer" },
      { role: "user", content: [{ type: "text", text: "line1" }, { type: "image_url", image_url: { url: "data:" } }, { type: "text", text: "line2" }] },
      { role: "tool", content: "tool output" },
    ],
  });
  const req = decisionRequest(host, body, "/v1/chat/completions", [["x-switchyard-tenant", "team-a"], ["authorization", "secret"]]);
  assert.deepEqual(req, {
    version: 1, api: "openai.chat", path: "/v1/chat/completions", model: "auto",
    system: "Be brief.\nUse LaTeX.", prompt: "line1\nline2", context: ["first"], stream: true, headers: { "x-switchyard-tenant": "team-a" },
  });
});

test("escapes and unicode in text are carried exactly", async () => {
  const host = await loadHost();
  const text = 'quote " backslash \\ tab \t newline \n é 漢字 😀 \u0001 \u2028';
  const req = decisionRequest(host, chat("auto", [{ role: "user", content: text }]));
  assert.equal(req.prompt, text);
  const raw = '{"model":"auto","messages":[{"role":"user","content":"\\ud83d\\ude00 \\u00e9\\/"}]}';
  assert.equal(decisionRequest(host, raw).prompt, "😀 é/");
});

test("escaped keys and model names mean what they decode to", async () => {
  const host = await loadHost();
  const req = decisionRequest(host, '{"mod\\u0065l":"\\u0061uto","messages":[{"r\\u006fle":"user","content":"x"}]}');
  assert.equal(req.model, "auto");
  assert.equal(req.prompt, "x");
});

test("no system key when there is no system text; empty prompt when no user message", async () => {
  const host = await loadHost();
  const req = decisionRequest(host, chat("auto", [{ role: "assistant", content: "x" }]));
  assert.equal("system" in req, false);
  assert.equal(req.prompt, "");
  assert.equal(req.stream, false);
  assert.equal("headers" in req, false);
});

test("anthropic messages: top-level system string or text parts", async () => {
  const host = await loadHost();
  let req = decisionRequest(host, JSON.stringify({ model: "auto", system: "Sys", messages: [{ role: "user", content: "q" }] }), "/v1/messages");
  assert.deepEqual([req.api, req.system, req.prompt], ["anthropic.messages", "Sys", "q"]);
  req = decisionRequest(host, JSON.stringify({
    model: "auto", system: [{ type: "text", text: "A" }, { type: "text", text: "B", cache_control: {} }],
    messages: [{ role: "user", content: [{ type: "image", source: {} }, { type: "text", text: "q2" }] }],
  }), "/v1/messages");
  assert.deepEqual([req.system, req.prompt], ["A\nB", "q2"]);
});

test("a user message without text (a tool result, an image alone) is neither the prompt nor context: the question it continues is", async () => {
  const host = await loadHost();
  const toolLoop = {
    model: "auto", system: "You can look up the weather.",
    messages: [
      { role: "user", content: "What's the weather in Paris?" },
      { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "weather", input: { city: "Paris" } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: "18 C, cloudy" }] },
    ],
  };
  let req = decisionRequest(host, JSON.stringify(toolLoop), "/v1/messages");
  assert.deepEqual([req.prompt, "context" in req], ["What's the weather in Paris?", false]);
  req = decisionRequest(host, chat("auto", [
    { role: "user", content: "Is this a heron?" },
    { role: "user", content: "" },
    { role: "user", content: [{ type: "text", text: "" }, { type: "image_url", image_url: { url: "data:" } }] },
  ]));
  assert.deepEqual([req.prompt, "context" in req], ["Is this a heron?", false]);
  req = decisionRequest(host, JSON.stringify({ ...toolLoop, messages: [...toolLoop.messages, { role: "user", content: "And tomorrow?" }] }), "/v1/messages");
  assert.deepEqual([req.prompt, req.context], ["And tomorrow?", ["What's the weather in Paris?"]]);
});

test("responses: instructions and input as string or items", async () => {
  const host = await loadHost();
  let req = decisionRequest(host, JSON.stringify({ model: "auto", instructions: "I", input: "hello" }), "/v1/responses");
  assert.deepEqual([req.api, req.system, req.prompt], ["openai.responses", "I", "hello"]);
  req = decisionRequest(host, JSON.stringify({ model: "auto", input: [
    { role: "user", content: "old" },
    { type: "message", role: "user", content: [{ type: "input_text", text: "new" }, { type: "input_image", image_url: "x" }] },
    { type: "function_call_output", output: "o" },
  ] }), "/v1/responses");
  assert.deepEqual([req.system, req.prompt, req.context], [undefined, "new", ["old"]]);
});

test("context: the earlier user messages' texts, oldest first, in every conversation API; none without them", async () => {
  const host = await loadHost();
  const turns = [
    { role: "user", content: "How do I integrate x^2?" },
    { role: "assistant", content: "Use the power rule." },
    { role: "user", content: [{ type: "text", text: "And x^3" }, { type: "image_url", image_url: { url: "data:" } }] },
    { role: "system", content: "Be brief." },
    { role: "user", content: "Why?" },
  ];
  let req = decisionRequest(host, chat("auto", turns));
  assert.deepEqual([req.prompt, req.context, req.system], ["Why?", ["How do I integrate x^2?", "And x^3"], "Be brief."]);
  req = decisionRequest(host, JSON.stringify({ model: "auto", messages: turns.filter((t) => t.role !== "system") }), "/v1/messages");
  assert.deepEqual([req.api, req.prompt, req.context], ["anthropic.messages", "Why?", ["How do I integrate x^2?", "And x^3"]]);
  req = decisionRequest(host, JSON.stringify({ model: "auto", input: turns }), "/v1/responses");
  assert.deepEqual([req.prompt, req.context], ["Why?", ["How do I integrate x^2?", "And x^3"]]);
  // One user message, a string input and completions have no conversation before them.
  for (const [body, path] of [[chat("auto", [{ role: "assistant", content: "hi" }, { role: "user", content: "q" }]), "/v1/chat/completions"],
    [JSON.stringify({ model: "auto", input: "q" }), "/v1/responses"], [JSON.stringify({ model: "auto", prompt: "q" }), "/v1/completions"]]) {
    assert.equal("context" in decisionRequest(host, body, path), false, body);
  }
});

test("context: the newest texts within context_bytes, the oldest kept cut at a character, never inside an escape; 0 sends none", async () => {
  const conversation = (...texts: string[]) => chat("auto", [...texts.map((content) => ({ role: "user", content })), { role: "user", content: "Why?" }]);
  let host = await loadHost({ context_bytes: 10 });
  assert.deepEqual(decisionRequest(host, conversation("abcdefghijklmnopqrstuvwxyz")).context, ["qrstuvwxyz"]);
  assert.deepEqual(decisionRequest(host, conversation("old", "aaaa", "", "bbbb")).context, ["ld", "aaaa", "bbbb"]);
  assert.deepEqual(decisionRequest(host, conversation("x", "aaaaaa", "bbbb")).context, ["aaaaaa", "bbbb"], "a budget used up exactly");
  assert.deepEqual(decisionRequest(host, conversation("aaaa", "bbbbbbbbbb")).context, ["bbbbbbbbbb"]);
  host = await loadHost({ context_bytes: 65536 });
  const many = Array.from({ length: 12 }, (_, i) => `turn ${i}`);
  assert.deepEqual(decisionRequest(host, conversation(...many)).context, many.slice(4), "the last eight");
  // Every cut of content with escapes and multi-byte characters still parses, to a suffix of the text.
  const raw = String.raw`é \"q\" \\ 漢字😀\n\u0001\ud83d\ude00z`;
  const decoded = JSON.parse(`"${raw}"`) as string;
  const body = `{"model":"auto","messages":[{"role":"user","content":"${raw}"},{"role":"user","content":"Why?"}]}`;
  for (let bytes = 1; bytes <= Buffer.byteLength(raw) + 1; bytes++) {
    host = await loadHost({ context_bytes: bytes });
    const context = (decisionRequest(host, body).context ?? []) as string[];
    assert.ok(context.length <= 1, `${bytes}`);
    const text = context[0] ?? "";
    assert.ok(decoded.endsWith(text), `${bytes}: ${JSON.stringify(text)}`);
    assert.ok(Buffer.byteLength(JSON.stringify(text)) - 2 <= bytes, `${bytes}: ${JSON.stringify(text)}`);
  }
  assert.deepEqual(decisionRequest(host, body).context, [decoded]);
  host = await loadHost({ context_bytes: 0 });
  assert.equal("context" in decisionRequest(host, conversation("earlier")), false);
});

test("completions: prompt string or array of strings", async () => {
  const host = await loadHost();
  let req = decisionRequest(host, JSON.stringify({ model: "auto", prompt: "p" }), "/v1/completions");
  assert.deepEqual([req.api, req.prompt], ["openai.completions", "p"]);
  req = decisionRequest(host, JSON.stringify({ model: "auto", prompt: ["a", 1, "b"] }), "/v1/completions");
  assert.equal(req.prompt, "a\nb");
});

test("prefixed paths keep their API", async () => {
  const host = await loadHost({ paths: ["/openai/v1/chat/completions"] });
  const req = decisionRequest(host, chat("auto"), "/openai/v1/chat/completions");
  assert.deepEqual([req.api, req.path], ["openai.chat", "/openai/v1/chat/completions"]);
});

test("missing or non-string model passes through untouched", async () => {
  const host = await loadHost();
  for (const body of ['{"messages":[]}', '{"model":null}', '{"model":["auto"]}', '{"model":{"name":"auto"}}', '{"model":"Auto"}', '{"nested":{"model":"auto"}}']) {
    const { stream, call } = send(host, body);
    assert.equal(call, undefined, body);
    assert.equal(stream.forwardedBody.toString(), body);
  }
  assert.equal(host.metric("switchyard_requests_passthrough"), 6);
});

const badBodies: [string, string][] = [
  ["non-object root", '["auto"]'],
  ["string root", '"auto"'],
  ["truncated", '{"model":"auto","messages":[{"role":"user","content":"hi'],
  ["trailing garbage", '{"model":"auto"} x'],
  ["two documents", '{"model":"auto"}{}'],
  ["duplicate model", '{"model":"gpt-4o","model":"auto"}'],
  ["duplicate temperature (params)", '{"model":"auto","temperature":0.2,"temperature":1,"messages":[]}'],
  ["raw control character", '{"model":"auto","x":"a\u0001b"}'],
  ["bad escape", '{"model":"auto","x":"\\q"}'],
  ["short unicode escape", '{"model":"auto","x":"\\u12"}'],
  ["leading zero", '{"model":"auto","n":01}'],
  ["trailing comma", '{"model":"auto",}'],
  ["single quotes", "{'model':'auto'}"],
  ["deeply nested", '{"model":"auto","x":' + "[".repeat(100) + "]".repeat(100) + "}"],
  ["unterminated deep", "[".repeat(100000)],
  ["empty", ""],
];

for (const [name, body] of badBodies) {
  test(`bad body: ${name}`, async () => {
    const host = await loadHost();
    const { stream, call } = send(host, body);
    assert.equal(call, undefined);
    stream.sendResponseHeaders([[":status", "400"]]);
    assert.equal(stream.responseHeader("x-switchyard-failure"), "bad_body");
  });
}

test("invalid UTF-8 bytes are refused", async () => {
  const host = await loadHost();
  for (const bytes of [[0xc3, 0x28], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xf5, 0x80, 0x80, 0x80], [0xff]]) {
    const body = Buffer.concat([Buffer.from('{"model":"auto","x":"'), Buffer.from(bytes), Buffer.from('"}')]);
    const stream = host.newStream();
    stream.sendRequestHeaders([[":method", "POST"], [":path", "/v1/chat/completions"], ["content-type", "application/json"]]);
    stream.sendRequestBody(body);
    assert.equal(host.httpCalls.length, 0, Buffer.from(bytes).toString("hex"));
  }
  assert.equal(host.metric("switchyard_failure_bad_body"), 5);
});

test("nesting up to the depth limit is fine", async () => {
  const host = await loadHost();
  const body = '{"model":"auto","x":' + "[".repeat(62) + "]".repeat(62) + "}";
  assert.ok(send(host, body).call);
});

test("a large body is handled in one pass", async () => {
  const host = await loadHost({ max_body_bytes: 8 * 1024 * 1024 });
  const big = "y".repeat(4 * 1024 * 1024);
  const req = decisionRequest(host, chat("auto", [{ role: "system", content: "s" }, { role: "user", content: big }]));
  assert.equal((req.prompt as string).length, big.length);
});

test("params: length and sampling numbers as written, tool_choice as its string or its object's type", async () => {
  const host = await loadHost();
  const chatReq = decisionRequest(host, JSON.stringify({
    model: "auto", messages: [{ role: "user", content: "q" }], temperature: 0.2, top_p: 1, max_completion_tokens: 2048, tool_choice: "required", seed: 7, n: 1,
  }));
  assert.deepEqual(chatReq.params, { max_completion_tokens: 2048, temperature: 0.2, top_p: 1, tool_choice: "required" });
  const anthropic = decisionRequest(host, '{"model":"auto","max_tokens":1024,"top_k":-1,"temperature":1.0e0,"tool_choice":{"disable_parallel_tool_use":true,"type":"any"},"messages":[{"role":"user","content":"q"}]}', "/v1/messages");
  assert.deepEqual(anthropic.params, { max_tokens: 1024, temperature: 1, top_k: -1, tool_choice: "any" });
  const responses = decisionRequest(host, JSON.stringify({ model: "auto", input: "q", max_output_tokens: 300, tool_choice: { type: "function", name: "f" } }), "/v1/responses");
  assert.deepEqual(responses.params, { max_output_tokens: 300, tool_choice: "function" });
});

test("params: values of other types are left out, and so is params when none is left", async () => {
  const host = await loadHost();
  const odd = decisionRequest(host, JSON.stringify({
    model: "auto", messages: [{ role: "user", content: "q" }], temperature: "0.2", max_tokens: null, top_p: [1], tool_choice: { name: "f" }, top_k: true,
  }));
  assert.equal("params" in odd, false);
  assert.equal("params" in decisionRequest(host, chat("auto", [{ role: "user", content: "q" }])), false);
  const kept = decisionRequest(host, JSON.stringify({ model: "auto", messages: [{ role: "user", content: "q" }], temperature: "hot", top_k: 40, tool_choice: 3 }));
  assert.deepEqual(kept.params, { top_k: 40 });
});

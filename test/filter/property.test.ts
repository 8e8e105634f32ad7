import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ProxyWasmHost } from "../emulator/host.ts";
import { chat, loadHost, requestHeaders } from "./helpers.ts";

// Every body must end in exactly one of: a decision call carrying valid JSON, an untouched
// pass-through, or a bad_body failure. A trap would surface here as a thrown RuntimeError.
function outcome(host: ProxyWasmHost, body: Buffer): "call" | "pass" | "failure" {
  const calls = host.httpCalls.length;
  const failures = host.metric("switchyard_failure_bad_body");
  const stream = host.newStream();
  stream.sendRequestHeaders(requestHeaders());
  stream.sendRequestBody(body);
  if (host.httpCalls.length > calls) {
    const req = JSON.parse(host.lastCall().body.toString("utf8"));
    assert.equal(req.version, 1);
    assert.equal(typeof req.prompt, "string");
    host.respond(host.lastCall(), 200, JSON.stringify({ version: 1, action: "route", model: "m" }));
    const routed = JSON.parse(stream.forwardedBody.toString("utf8"));
    assert.equal(routed.model, "m");
    stream.delete();
    return "call";
  }
  stream.delete();
  if (host.metric("switchyard_failure_bad_body") > failures) return "failure";
  assert.deepEqual(stream.forwardedBody, body);
  return "pass";
}

const jsonValue = fc.jsonValue({ maxDepth: 6 });
const message = fc.record({
  role: fc.constantFrom("user", "system", "developer", "assistant", "tool"),
  content: fc.oneof(fc.string({ unit: "binary" }), fc.array(fc.oneof(
    fc.record({ type: fc.constant("text"), text: fc.string({ unit: "binary" }) }), jsonValue), { maxLength: 4 }), jsonValue),
});
const requestBody = fc.record({
  model: fc.oneof(fc.constantFrom("auto", "MoM", "gpt-4o"), jsonValue),
  messages: fc.array(message, { maxLength: 5 }),
  stream: fc.oneof(fc.boolean(), jsonValue),
  extra: jsonValue,
}, { requiredKeys: [] }).map((o) => Buffer.from(JSON.stringify(o)));

// Byte-level damage to an otherwise plausible body: truncation, flipped and inserted bytes.
const mutated = fc.tuple(requestBody, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom("set", "insert", "cut")), { minLength: 1, maxLength: 4 }))
  .map(([body, edits]) => {
    let b = Buffer.from(body);
    for (const [at, byte, op] of edits) {
      const i = b.length === 0 ? 0 : at % b.length;
      if (op === "set" && b.length > 0) b[i] = byte;
      else if (op === "insert") b = Buffer.concat([b.subarray(0, i), Buffer.from([byte]), b.subarray(i)]);
      else b = b.subarray(0, i);
    }
    return b;
  });

test("valid request bodies always give a decision call or a pass-through", async () => {
  const host = await loadHost();
  fc.assert(fc.property(requestBody, (body) => {
    assert.notEqual(outcome(host, body), "failure");
  }), { numRuns: 400 });
});

test("mutated and random bodies never trap and end cleanly", async () => {
  const host = await loadHost();
  fc.assert(fc.property(fc.oneof(mutated, fc.uint8Array({ maxLength: 512 }).map((a) => Buffer.from(a))), (body) => {
    outcome(host, body);
  }), { numRuns: 1500 });
});

test("the module keeps working after many requests (no leak-driven growth)", async () => {
  const host = await loadHost();
  const body = Buffer.from(chat("auto", [{ role: "user", content: "z".repeat(10000) }]));
  for (let i = 0; i < 200; i++) outcome(host, body);
  const memory = (host as unknown as { instance: WebAssembly.Instance }).instance.exports.memory as WebAssembly.Memory;
  assert.ok(memory.buffer.byteLength < 16 * 1024 * 1024, `memory grew to ${memory.buffer.byteLength}`);
});

test("context: the newest earlier user texts that fit the budget, the oldest kept a suffix of its text", async () => {
  const budgets = [1, 7, 64, 2048];
  const hosts = await Promise.all(budgets.map((context_bytes) => loadHost({ context_bytes })));
  // Raw bytes as the body writes a text, escapes included: what context_bytes counts.
  const rawBytes = (t: string) => Buffer.byteLength(JSON.stringify(t)) - 2;
  fc.assert(fc.property(fc.array(fc.string({ unit: "binary", maxLength: 40 }), { minLength: 1, maxLength: 10 }), fc.nat(budgets.length - 1), (texts, b) => {
    const host = hosts[b];
    const calls = host.httpCalls.length;
    const stream = host.newStream();
    stream.sendRequestHeaders(requestHeaders());
    stream.sendRequestBody(Buffer.from(chat("auto", texts.map((content) => ({ role: "user", content })))));
    assert.equal(host.httpCalls.length, calls + 1);
    const sent = JSON.parse(host.lastCall().body.toString("utf8"));
    host.respond(host.lastCall(), 200, JSON.stringify({ version: 1, action: "pass" }));
    stream.delete();
    const withText = texts.filter((t) => t !== "");
    assert.equal(sent.prompt, withText.at(-1) ?? "");
    const earlier = withText.slice(0, -1);
    const context: string[] = sent.context ?? [];
    assert.ok(context.length <= Math.min(8, earlier.length));
    const expected = earlier.slice(earlier.length - context.length);
    context.forEach((c, k) => {
      if (k === 0) assert.ok(expected[0].endsWith(c), JSON.stringify([c, expected[0]]));
      else assert.equal(c, expected[k]);
    });
    assert.ok(context.reduce((n, c) => n + rawBytes(c), 0) <= budgets[b]);
    // Nothing is sent only when the budget is under one character: six bytes at most, as an escape.
    if (context.length === 0 && earlier.length > 0) assert.ok(budgets[b] < 6);
  }), { numRuns: 400 });
});

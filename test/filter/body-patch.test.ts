// Route decisions that edit the body (docs/decision-contract.md): body_patch operations for the
// reasoning families and system prompts per API, applied by the real wasm in the host emulator.

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { chat, loadHost, send } from "./helpers.ts";

type Op = { op: "set" | "remove"; path: string[]; value?: unknown; if_absent?: boolean };

async function routeWith(body: string, decision: Record<string, unknown>, path = "/v1/chat/completions") {
  const host = await loadHost();
  const { stream, call } = send(host, body, path);
  assert.ok(call, "a decision call");
  host.respond(call, 200, JSON.stringify({ version: 1, action: "route", model: "m1", ...decision }));
  return { host, stream, out: stream.forwardedBody.toString() };
}

async function patched(body: string, ops: Op[], path?: string): Promise<unknown> {
  const { stream, out } = await routeWith(body, { body_patch: ops }, path);
  assert.equal(stream.requestHeader("content-length"), String(Buffer.byteLength(out)));
  return JSON.parse(out);
}

const messages = [{ role: "user", content: "solve x" }];

test("reasoning patches of each family reach the body", async () => {
  const families: [Op, Record<string, unknown>][] = [
    [{ op: "set", path: ["chat_template_kwargs", "enable_thinking"], value: true, if_absent: true }, { chat_template_kwargs: { enable_thinking: true } }],
    [{ op: "set", path: ["chat_template_kwargs", "thinking"], value: false, if_absent: true }, { chat_template_kwargs: { thinking: false } }],
    [{ op: "set", path: ["reasoning_effort"], value: "high", if_absent: true }, { reasoning_effort: "high" }],
    [{ op: "set", path: ["thinking"], value: { type: "enabled", budget_tokens: 4096 }, if_absent: true }, { thinking: { type: "enabled", budget_tokens: 4096 } }],
  ];
  for (const [op, added] of families) {
    assert.deepEqual(await patched(chat("auto", messages, { stream: false }), [op]), { model: "m1", messages, stream: false, ...added });
  }
});

test("if_absent keeps what the client set; without it the decision wins", async () => {
  const body = chat("auto", messages, { chat_template_kwargs: { enable_thinking: false, other: 1 }, reasoning_effort: "low" });
  const keep = await patched(body, [
    { op: "set", path: ["chat_template_kwargs", "enable_thinking"], value: true, if_absent: true },
    { op: "set", path: ["reasoning_effort"], value: "high", if_absent: true },
  ]);
  assert.deepEqual(keep, { model: "m1", messages, chat_template_kwargs: { enable_thinking: false, other: 1 }, reasoning_effort: "low" });
  const force = await patched(body, [{ op: "set", path: ["chat_template_kwargs", "enable_thinking"], value: true }]);
  assert.deepEqual(force, { model: "m1", messages, chat_template_kwargs: { enable_thinking: true, other: 1 }, reasoning_effort: "low" });
});

test("remove drops a member; a non-object on the path leaves the op out", async () => {
  const body = chat("auto", messages, { reasoning_effort: "high", chat_template_kwargs: "odd" });
  const out = await patched(body, [
    { op: "remove", path: ["reasoning_effort"] },
    { op: "set", path: ["chat_template_kwargs", "enable_thinking"], value: true },
    { op: "remove", path: ["absent"] },
  ]);
  assert.deepEqual(out, { model: "m1", messages, chat_template_kwargs: "odd" });
});

test("system prompts per API and mode", async () => {
  const withSystem = [{ role: "system", content: "old" }, ...messages];
  const insert = await routeWith(chat("auto", withSystem), { system_prompt: { text: "Be exact.", mode: "insert" } });
  assert.deepEqual(JSON.parse(insert.out).messages, [{ role: "system", content: "Be exact." }, ...withSystem]);
  const replace = await routeWith(chat("auto", [{ role: "developer", content: "d" }, ...withSystem]), { system_prompt: { text: "Be exact.", mode: "replace" } });
  assert.deepEqual(JSON.parse(replace.out).messages, [{ role: "system", content: "Be exact." }, ...messages]);

  const anthropic = (extra: object) => JSON.stringify({ model: "auto", max_tokens: 10, messages, ...extra });
  const absent = await routeWith(anthropic({}), { system_prompt: { text: "Be exact." } }, "/v1/messages");
  assert.equal(JSON.parse(absent.out).system, "Be exact.");
  const prepended = await routeWith(anthropic({ system: "You are terse." }), { system_prompt: { text: "Be exact." } }, "/v1/messages");
  assert.equal(JSON.parse(prepended.out).system, "Be exact.\n\nYou are terse.");
  const blocks = await routeWith(anthropic({ system: [{ type: "text", text: "t" }] }), { system_prompt: { text: "Be exact." } }, "/v1/messages");
  assert.deepEqual(JSON.parse(blocks.out).system, [{ type: "text", text: "Be exact." }, { type: "text", text: "t" }]);
  const responses = await routeWith(JSON.stringify({ model: "auto", input: "hi", instructions: "old" }), { system_prompt: { text: "New.", mode: "replace" } }, "/v1/responses");
  assert.equal(JSON.parse(responses.out).instructions, "New.");
  const completions = await routeWith(JSON.stringify({ model: "auto", prompt: "hi" }), { system_prompt: { text: "New." } }, "/v1/completions");
  assert.deepEqual(JSON.parse(completions.out), { model: "m1", prompt: "hi" });
});

test("a decision without edits still rewrites only the model bytes", async () => {
  const body = '{ "model" : "auto",\n  "messages": [ {"role":"user","content":"hi"} ] }';
  const { out } = await routeWith(body, {});
  assert.equal(out, '{ "model" : "m1",\n  "messages": [ {"role":"user","content":"hi"} ] }');
});

test("invalid body_patch or system_prompt is a bad_decision failure", async () => {
  const bad: unknown[] = [
    { body_patch: {} },
    { body_patch: [{ op: "set", path: [] , value: 1 }] },
    { body_patch: [{ op: "set", path: ["a", "b", "c", "d", "e"], value: 1 }] },
    { body_patch: [{ op: "set", path: ["a"] }] },
    { body_patch: [{ op: "merge", path: ["a"], value: 1 }] },
    { body_patch: [{ op: "set", path: [""], value: 1 }] },
    { body_patch: [{ op: "set", path: ["model"], value: "other" }] },
    { body_patch: [{ op: "set", path: ["a"], value: 1, if_absent: "yes" }] },
    { body_patch: Array.from({ length: 17 }, () => ({ op: "remove", path: ["a"] })) },
    { body_patch: [{ op: "set", path: ["a"], value: "x".repeat(5000) }] },
    { system_prompt: "text" },
    { system_prompt: { text: "" } },
    { system_prompt: { text: "t", mode: "append" } },
  ];
  for (const decision of bad) {
    const host = await loadHost();
    const body = chat("auto");
    const { stream, call } = send(host, body);
    host.respond(call!, 200, JSON.stringify({ version: 1, action: "route", model: "m1", ...(decision as object) }));
    assert.equal(stream.forwardedBody.toString(), body, JSON.stringify(decision));
    assert.equal(host.metric("switchyard_failure_bad_decision"), 1, JSON.stringify(decision));
  }
});

test("any valid body with any valid patch yields valid JSON, and never traps", async () => {
  const host = await loadHost();
  const key = fc.constantFrom("a", "b", "chat_template_kwargs", "enable_thinking", "messages", "k\u00e9y", 'q"');
  const op = fc.record({
    op: fc.constantFrom("set", "remove") as fc.Arbitrary<"set" | "remove">,
    path: fc.array(key, { minLength: 1, maxLength: 4 }),
    value: fc.jsonValue({ maxDepth: 3 }),
    if_absent: fc.boolean(),
  });
  await fc.assert(
    fc.asyncProperty(fc.dictionary(key, fc.jsonValue({ maxDepth: 3 })), fc.array(op, { maxLength: 6 }), async (extra, ops) => {
      const body = JSON.stringify({ ...extra, model: "auto", messages });
      const { stream, call } = send(host, body);
      host.respond(call!, 200, JSON.stringify({ version: 1, action: "route", model: "m1", body_patch: ops, system_prompt: { text: "S" } }));
      const out = JSON.parse(stream.forwardedBody.toString()) as Record<string, unknown>;
      assert.equal(out.model, "m1");
    }),
    { numRuns: 300 },
  );
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { ProxyWasmHost } from "../emulator/host.ts";
import { WASM, chat, send } from "./helpers.ts";

async function configure(config: string | object): Promise<{ ok: boolean; errors: string[] }> {
  const host = await ProxyWasmHost.load(WASM);
  const ok = host.configure(config);
  return { ok, errors: host.logs.filter((l) => l.level === 4).map((l) => l.message) };
}

test("empty configuration and {} use the defaults", async () => {
  for (const config of ["", "{}", " { } "]) {
    const r = await configure(config);
    assert.deepEqual(r, { ok: true, errors: [] });
  }
});

test("a full valid configuration is accepted and applied", async () => {
  const host = await ProxyWasmHost.load(WASM, { clusters: ["cp"] });
  assert.ok(host.configure({
    cluster: "cp", authority: "router.internal", path: "/decide", timeout_ms: 250,
    trigger_models: ["router"], paths: ["/openai/v1/chat/completions"], max_body_bytes: 4096,
    failure_mode: "closed", selected_model_header: "x-model", forward_headers: ["x-team"],
  }));
  const { call } = send(host, chat("router"), "/openai/v1/chat/completions", [["x-team", "a"]]);
  assert.ok(call);
  assert.equal(call.upstream, "cp");
  assert.equal(call.timeoutMs, 250);
  assert.deepEqual(Object.fromEntries(call.headers), {
    ":method": "POST", ":path": "/decide", ":authority": "router.internal", "content-type": "application/json",
  });
  assert.deepEqual(JSON.parse(call.body.toString()).headers, { "x-team": "a" });
  assert.equal(send(host, chat("auto"), "/openai/v1/chat/completions").call, undefined);
});

const cases: [string, string | object, string[]][] = [
  ["not JSON", "{cluster:", ["switchyard: config: (root): not valid JSON"]],
  ["not an object", "[1]", ["switchyard: config: (root): must be a JSON object"]],
  ["unknown field", { clustr: "x" }, ["switchyard: config: clustr: unknown field"]],
  ["duplicate field", '{"path":"/a","path":"/b"}', ["switchyard: config: path: given more than once"]],
  ["empty cluster", { cluster: "" }, ["switchyard: config: cluster: must be a non-empty string"]],
  ["cluster not a string", { cluster: 5 }, ["switchyard: config: cluster: must be a non-empty string"]],
  ["authority with newline", { authority: "a\nb" }, ["switchyard: config: authority: must contain only printable ASCII characters"]],
  ["relative path", { path: "v1/route" }, ['switchyard: config: path: must start with "/"']],
  ["timeout zero", { timeout_ms: 0 }, ["switchyard: config: timeout_ms: must be an integer from 1 to 60000"]],
  ["timeout too big", { timeout_ms: 60001 }, ["switchyard: config: timeout_ms: must be an integer from 1 to 60000"]],
  ["timeout fraction", '{"timeout_ms":1.5}', ["switchyard: config: timeout_ms: must be an integer from 1 to 60000"]],
  ["timeout string", { timeout_ms: "300" }, ["switchyard: config: timeout_ms: must be an integer from 1 to 60000"]],
  ["body cap too big", { max_body_bytes: 67108865 }, ["switchyard: config: max_body_bytes: must be an integer from 1 to 67108864"]],
  ["context too big", { context_bytes: 65537 }, ["switchyard: config: context_bytes: must be an integer from 0 to 65536"]],
  ["context negative", { context_bytes: -1 }, ["switchyard: config: context_bytes: must be an integer from 0 to 65536"]],
  ["failure mode", { failure_mode: "half" }, ['switchyard: config: failure_mode: must be "open" or "closed"']],
  ["triggers not array", { trigger_models: "auto" }, ["switchyard: config: trigger_models: must be an array of strings"]],
  ["triggers empty", { trigger_models: [] }, ["switchyard: config: trigger_models: must not be empty"]],
  ["trigger not string", { trigger_models: ["auto", 1] }, ["switchyard: config: trigger_models[1]: must be a non-empty string"]],
  ["unknown api path", { paths: ["/v1/embeddings"] }, ["switchyard: config: paths[0]: must be a path starting with \"/\" and ending with one of /v1/chat/completions, /v1/completions, /v1/responses, /v1/messages"]],
  ["header upper-case", { selected_model_header: "X-Model" }, ['switchyard: config: selected_model_header: must be a lower-case header name (a-z, 0-9, "-")']],
  ["forward header invalid", { forward_headers: ["ok", "no space"] }, ['switchyard: config: forward_headers[1]: must be a lower-case header name (a-z, 0-9, "-")']],
  ["several errors", { timeout_ms: -1, failure_mode: 1, extra: true }, [
    "switchyard: config: timeout_ms: must be an integer from 1 to 60000",
    'switchyard: config: failure_mode: must be "open" or "closed"',
    "switchyard: config: extra: unknown field",
  ]],
];

for (const [name, config, errors] of cases) {
  test(`refuses config: ${name}`, async () => {
    const r = await configure(config);
    assert.equal(r.ok, false);
    assert.deepEqual(r.errors, errors);
  });
}

test("empty forward_headers is allowed", async () => {
  assert.deepEqual(await configure({ forward_headers: [] }), { ok: true, errors: [] });
});

test("an unconfigured plugin leaves requests alone", async () => {
  const host = await ProxyWasmHost.load(WASM);
  assert.equal(host.configure({ bogus: 1 }), false);
  const { stream, call } = send(host, chat("auto"));
  assert.equal(call, undefined);
  assert.ok(stream.headersReleased);
});

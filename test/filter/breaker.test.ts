import { test } from "node:test";
import assert from "node:assert/strict";
import { ProxyWasmHost, SharedData } from "../emulator/host.ts";
import { WASM, chat, loadHost, routeTo, send } from "./helpers.ts";

const FAILURES = 3;
const COOLDOWN_MS = 1000;
const CONFIG = { breaker_failures: FAILURES, breaker_cooldown_ms: COOLDOWN_MS };

// A trigger request whose decision call fails the way a stopped control plane does.
function failOne(host: ProxyWasmHost): void {
  const { call } = send(host, chat("auto"));
  assert.ok(call, "a decision call was made");
  host.respond(call, 503, "no healthy upstream", [["content-type", "text/plain"]]);
}

async function openBreaker(config: object = CONFIG, options = {}): Promise<ProxyWasmHost> {
  const host = await loadHost(config, options);
  for (let i = 0; i < FAILURES; i++) failOne(host);
  return host;
}

function assertRejected(host: ProxyWasmHost): void {
  const { stream, call } = send(host, chat("auto"));
  assert.equal(call, undefined, "no decision call while open");
  assert.ok(stream.headersReleased, "open mode continues at once");
  stream.sendResponseHeaders([[":status", "200"]]);
  assert.equal(stream.responseHeader("x-switchyard-failure"), "breaker_open");
}

test("opens after breaker_failures consecutive failures, then makes no call", async () => {
  const host = await loadHost(CONFIG);
  for (let i = 0; i < FAILURES - 1; i++) failOne(host);
  assert.equal(host.metric("switchyard_breaker_open"), 0);
  assert.equal(host.metricTypes.get("switchyard_breaker_open"), 1, "defined as a gauge");
  failOne(host);
  assert.equal(host.metric("switchyard_breaker_open"), 1);
  const calls = host.httpCalls.length;
  for (let i = 0; i < 5; i++) assertRejected(host);
  assert.equal(host.httpCalls.length, calls);
  assert.equal(host.metric("switchyard_failure_breaker_open"), 5);
  assert.equal(host.metric("switchyard_failure_unreachable"), FAILURES);
  assert.equal(host.metric("switchyard_requests_triggered"), FAILURES + 5);
  assert.equal(host.metric("switchyard_failures_open"), FAILURES + 5);
});

test("every counted cause opens it; a success in between resets the count", async () => {
  const host = await loadHost(CONFIG);
  let { call } = send(host, chat("auto"));
  host.failCall(call!); // unreachable
  ({ call } = send(host, chat("auto")));
  host.respond(call!, 500, "{}"); // bad_status
  ({ call } = send(host, chat("auto")));
  host.respond(call!, 200, routeTo("math-model"));
  ({ call } = send(host, chat("auto")));
  host.advance(400);
  host.failCall(call!); // timeout
  ({ call } = send(host, chat("auto")));
  host.respond(call!, 200, "not json"); // bad_decision
  assert.equal(host.metric("switchyard_breaker_open"), 0, "the success reset the count to 0, so 2 < 3");
  ({ call } = send(host, chat("auto")));
  host.respond(call!, 500, "{}");
  assert.equal(host.metric("switchyard_breaker_open"), 1);
  assertRejected(host);
});

test("bad_body and body_too_large never count", async () => {
  const host = await loadHost({ ...CONFIG, max_body_bytes: 256 });
  for (let i = 0; i < FAILURES * 2; i++) {
    send(host, "{not json");
    send(host, chat("auto", [{ role: "user", content: "x".repeat(300) }]));
  }
  assert.equal(host.metric("switchyard_failure_bad_body"), FAILURES * 2);
  assert.equal(host.metric("switchyard_failure_body_too_large"), FAILURES * 2);
  assert.equal(host.metric("switchyard_breaker_open"), 0);
  assert.ok(send(host, chat("auto")).call, "still calls the control plane");
});

test("explicit models pass while open and never read shared data", async () => {
  const shared = new SharedData();
  let reads = 0;
  const get = shared.get.bind(shared);
  shared.get = (key) => (reads++, get(key));
  const host = await openBreaker(CONFIG, { sharedData: shared });
  reads = 0;
  const { stream, call } = send(host, chat("gpt-4o"));
  assert.equal(call, undefined);
  assert.equal(stream.requestHeader("x-selected-model"), undefined, "untouched: the default is no header routing");
  assert.equal(reads, 0);
});

test("closed mode answers 503 breaker_open while open", async () => {
  const host = await openBreaker({ ...CONFIG, failure_mode: "closed" });
  const { stream, call } = send(host, chat("auto"));
  assert.equal(call, undefined);
  assert.equal(stream.localResponse?.status, 503);
  assert.equal(JSON.parse(stream.localResponse!.body.toString()).error.code, "breaker_open");
  assert.equal(host.metric("switchyard_failures_closed"), FAILURES + 1);
});

test("after the cool-down exactly one request probes; success closes it", async () => {
  const host = await openBreaker();
  host.advance(COOLDOWN_MS - 1);
  assertRejected(host);
  host.advance(1);
  const probe = send(host, chat("auto"));
  assert.ok(probe.call, "the first request after the cool-down probes");
  for (let i = 0; i < 3; i++) assertRejected(host); // while the probe is in flight
  host.respond(probe.call!, 200, routeTo("math-model"));
  assert.equal(probe.stream.requestHeader("x-selected-model"), "math-model");
  assert.equal(host.metric("switchyard_breaker_open"), 0);
  const { call } = send(host, chat("auto"));
  assert.ok(call, "closed again: requests call the control plane");
  host.respond(call!, 500, "{}");
  assert.equal(host.metric("switchyard_breaker_open"), 0, "the count started again from 0");
});

test("a failed probe re-opens it for another cool-down", async () => {
  const host = await openBreaker();
  host.advance(COOLDOWN_MS);
  const probe = send(host, chat("auto"));
  host.advance(50);
  host.respond(probe.call!, 503, "down", [["content-type", "text/plain"]]);
  assert.equal(host.metric("switchyard_breaker_open"), 1);
  assertRejected(host);
  host.advance(COOLDOWN_MS - 1);
  assertRejected(host);
  host.advance(1);
  assert.ok(send(host, chat("auto")).call, "the next probe, one cool-down after the failed one");
});

test("a probe that never answers gives up its claim after timeout_ms plus a cool-down", async () => {
  const host = await openBreaker();
  host.advance(COOLDOWN_MS);
  const probe = send(host, chat("auto"));
  probe.stream.delete(); // the client went away; its answer will never be seen
  host.advance(300 + COOLDOWN_MS - 1);
  assertRejected(host);
  host.advance(1);
  assert.ok(send(host, chat("auto")).call);
});

test("state is shared across worker VMs: one opens it for all, and only one probes", async () => {
  const sharedData = new SharedData();
  const a = await loadHost(CONFIG, { sharedData });
  const b = await loadHost(CONFIG, { sharedData });
  failOne(a);
  failOne(b);
  failOne(a);
  assertRejected(b);
  a.advance(COOLDOWN_MS);
  b.advance(COOLDOWN_MS);
  const probe = send(b, chat("auto"));
  assert.ok(probe.call);
  assertRejected(a);
  b.respond(probe.call!, 200, routeTo("math-model"));
  assert.ok(send(a, chat("auto")).call, "closed for the other VM too");
});

test("a CAS conflict makes the loser re-read instead of overwriting", async () => {
  const sharedData = new SharedData();
  const host = await openBreaker(CONFIG, { sharedData });
  host.advance(COOLDOWN_MS);
  // Another worker writes between this VM's read and its write: the claim must fail and re-read.
  const set = sharedData.set.bind(sharedData);
  let interfered = false;
  sharedData.set = (key, value, cas) => {
    if (!interfered) {
      interfered = true;
      const probing = Buffer.from(sharedData.get(key)!.value);
      probing.writeUInt32LE(2, 4); // state Probing, claimed by the other worker
      probing.writeBigInt64LE(BigInt(Number(host.now / 1_000_000n) + 60_000), 8);
      set(key, probing, 0);
    }
    return set(key, value, cas);
  };
  assert.equal(send(host, chat("auto")).call, undefined, "the other worker holds the probe");
});

test("breaker config fields are validated", async () => {
  const cases: [object, string][] = [
    [{ breaker_failures: 0 }, "switchyard: config: breaker_failures: must be an integer from 1 to 1000"],
    [{ breaker_failures: 1001 }, "switchyard: config: breaker_failures: must be an integer from 1 to 1000"],
    [{ breaker_failures: "5" }, "switchyard: config: breaker_failures: must be an integer from 1 to 1000"],
    [{ breaker_cooldown_ms: 99 }, "switchyard: config: breaker_cooldown_ms: must be an integer from 100 to 600000"],
    [{ breaker_cooldown_ms: 600001 }, "switchyard: config: breaker_cooldown_ms: must be an integer from 100 to 600000"],
    [{ breaker_cooldown_ms: 1.5 }, "switchyard: config: breaker_cooldown_ms: must be an integer from 100 to 600000"],
    [{ breaker_cooldwn_ms: 100 }, "switchyard: config: breaker_cooldwn_ms: unknown field"],
  ];
  for (const [config, error] of cases) {
    const host = await ProxyWasmHost.load(WASM);
    assert.equal(host.configure(config), false, JSON.stringify(config));
    assert.deepEqual(host.logs.filter((l) => l.level === 4).map((l) => l.message), [error]);
  }
  for (const config of [{ breaker_failures: 1, breaker_cooldown_ms: 100 }, { breaker_failures: 1000, breaker_cooldown_ms: 600000 }]) {
    assert.equal((await ProxyWasmHost.load(WASM)).configure(config), true);
  }
});

test("defaults: 5 failures, 5 s cool-down", async () => {
  const host = await loadHost();
  for (let i = 0; i < 4; i++) failOne(host);
  assert.equal(host.metric("switchyard_breaker_open"), 0);
  failOne(host);
  assert.equal(host.metric("switchyard_breaker_open"), 1);
  host.advance(4999);
  assertRejected(host);
  host.advance(1);
  assert.ok(send(host, chat("auto")).call);
});

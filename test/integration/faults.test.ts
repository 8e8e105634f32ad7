// Faults through real Envoy while clients keep sending: the control plane stopped and restarted
// under a steady stream (open: every request answered; closed: only 503s, then routing resumes),
// and a control plane too slow for the filter's timeout.

import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { startControlPlane, type ControlPlane } from '../../controlplane/server.ts';
import type { Classifier } from '../../controlplane/signals.ts';
import { chatBody, MODEL_HEADER, post, SUITE, useStack, type Reply } from './harness.ts';

const CHAT = '/v1/chat/completions';
const MATH = chatBody('MoM', 'What is the derivative of f(x) = x^3?');
const WORKERS = 3;

interface Outcome {
  status: number;
  failure: string | null;
  selected: string | null;
  answeredBy: string | null;
  body: string;
  ms: number;
}

/** Sends MATH from WORKERS clients back to back until `stop` resolves; returns every outcome. */
async function stream(url: string, stop: Promise<void>): Promise<Outcome[]> {
  let running = true;
  void stop.then(() => (running = false));
  const outcomes: Outcome[] = [];
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      while (running) {
        const started = performance.now();
        let reply: Reply;
        try {
          reply = await post(url, CHAT, MATH);
        } catch (err) {
          outcomes.push({ status: 0, failure: String(err), selected: null, answeredBy: null, body: '', ms: 0 });
          continue;
        }
        outcomes.push({
          status: reply.status,
          failure: reply.headers.get('x-switchyard-failure'),
          selected: reply.headers.get('x-selected-model'),
          answeredBy: reply.headers.get(MODEL_HEADER),
          body: reply.body.toString(),
          ms: performance.now() - started,
        });
      }
    }),
  );
  return outcomes;
}

/** Stops the stack's control plane mid-stream, restarts it on the same port, and streams on until it routes again. */
async function outageUnderLoad(stack: ReturnType<typeof useStack>, restarted: ControlPlane[]): Promise<Outcome[]> {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const load = stream(stack().url, done);
  await sleep(700);
  await stack().stopControlPlane();
  await sleep(1500);
  const cp = await startControlPlane({ port: stack().controlPlanePort });
  restarted.push(cp);
  await cp.ready;
  // Routing resumes on its own: wait for a routed answer among the stream's own requests.
  const deadline = Date.now() + 20_000;
  for (;;) {
    const probe = await post(stack().url, CHAT, MATH);
    if (probe.headers.get('x-switchyard-failure') === null && probe.status === 200) break;
    assert.ok(Date.now() < deadline, 'routing did not resume within 20 s of the restart');
    await sleep(100);
  }
  await sleep(500);
  finish();
  return load;
}

describe('control plane killed and restarted under load, failure_mode open', SUITE, () => {
  const stack = useStack({ failure_mode: 'open', timeout_ms: 300, breaker_cooldown_ms: 500 });
  const restarted: ControlPlane[] = [];
  after(() => Promise.all(restarted.map((cp) => cp.close())));

  it('answers every request: routed before and after, by the default model during the outage', async () => {
    const outcomes = await outageUnderLoad(stack, restarted);
    const errors = outcomes.filter((o) => o.status !== 200);
    assert.deepEqual(errors, [], `${errors.length} of ${outcomes.length} requests failed`);
    const failedOpen = outcomes.filter((o) => o.failure !== null);
    assert.ok(failedOpen.length > 0, 'the outage was not noticed');
    for (const o of failedOpen) assert.equal(o.answeredBy, stack().config.default_model, `failure ${o.failure}`);
    const routed = outcomes.filter((o) => o.failure === null);
    assert.ok(routed.length > 0);
    for (const o of routed) assert.equal(o.selected, 'math-model');
    assert.equal(outcomes.at(-1)?.failure, null, 'routing had resumed by the end');
  });
});

describe('control plane killed and restarted under load, failure_mode closed', SUITE, () => {
  const stack = useStack({ failure_mode: 'closed', timeout_ms: 300, breaker_cooldown_ms: 500 });
  const restarted: ControlPlane[] = [];
  after(() => Promise.all(restarted.map((cp) => cp.close())));

  it('fails only with 503 JSON during the outage, then routes again', async () => {
    const outcomes = await outageUnderLoad(stack, restarted);
    const unexpected = outcomes.filter((o) => o.status !== 200 && o.status !== 503);
    assert.deepEqual(unexpected, []);
    const refused = outcomes.filter((o) => o.status === 503);
    assert.ok(refused.length > 0, 'the outage was not noticed');
    for (const o of refused) assert.equal((JSON.parse(o.body) as { error: { type: string } }).error.type, 'switchyard_unavailable');
    for (const o of outcomes.filter((x) => x.status === 200)) assert.equal(o.selected, 'math-model');
    assert.equal(outcomes.at(-1)?.status, 200);
  });
});

describe('control plane slower than the filter timeout', SUITE, () => {
  const TIMEOUT_MS = 400;
  const stack = useStack({ failure_mode: 'open', timeout_ms: TIMEOUT_MS });
  const restarted: ControlPlane[] = [];
  after(() => Promise.all(restarted.map((cp) => cp.close())));

  it('holds the timeout: requests are answered by the default model within timeout + margin', async () => {
    await stack().stopControlPlane();
    // The real control plane, with a classifier that takes 5 s per prompt.
    const slow: Classifier = { init: async () => {}, classify: async () => (await sleep(5000), {}) };
    const cp = await startControlPlane({ port: stack().controlPlanePort, createClassifier: () => slow });
    restarted.push(cp);
    await cp.ready;
    const latencies: number[] = [];
    for (let i = 0; i < 8; i++) {
      const started = performance.now();
      const reply = await post(stack().url, CHAT, MATH);
      latencies.push(performance.now() - started);
      assert.equal(reply.status, 200);
      assert.ok(['timeout', 'breaker_open'].includes(reply.headers.get('x-switchyard-failure') ?? ''), reply.headers.get('x-switchyard-failure') ?? 'none');
      assert.equal(reply.headers.get(MODEL_HEADER), stack().config.default_model);
    }
    // The slowest of 8 stands for p99 here; the margin covers Envoy and the demo backend on a busy machine.
    const worst = Math.max(...latencies);
    assert.ok(worst < TIMEOUT_MS + 600, `slowest request took ${worst.toFixed(0)} ms (timeout ${TIMEOUT_MS} ms)`);
  });
});

// The filter's circuit breaker in real Envoy: a stopped control plane opens it after
// breaker_failures failures, later requests fail open at once without a decision call, and a
// restarted control plane is used again after the cool-down (one probe closes the breaker).

import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { startControlPlane } from '../../controlplane/server.ts';
import type { FilterConfig } from '../../stack/bootstrap.ts';
import { chatBody, MODEL_HEADER, post, promCounter, SUITE, useStack } from './harness.ts';

const CHAT = '/v1/chat/completions';
const MATH = chatBody('MoM', 'What is the derivative of f(x) = x^3?');
const FAILURES = 3;
const EXTRA = 4;
// Short, so the test stays fast; long enough that the restart check below is not racing it.
const COOLDOWN_MS = 1500;
const TIMEOUT_MS = 300;

describe('circuit breaker, control plane stopped and restarted', SUITE, () => {
  const filter: FilterConfig = {
    failure_mode: 'open', timeout_ms: TIMEOUT_MS, breaker_failures: FAILURES, breaker_cooldown_ms: COOLDOWN_MS,
  };
  const stack = useStack(filter);
  let openedAt = 0;

  it('routes while the control plane is up; the breaker gauge is exported at 0', async () => {
    const reply = await post(stack().url, CHAT, MATH);
    assert.equal(reply.status, 200, reply.body.toString());
    assert.equal(reply.headers.get('x-selected-model'), 'math-model');
    assert.equal(await promCounter(stack().adminUrl, 'switchyard_breaker_open'), 0);
  });

  it(`opens after ${FAILURES} failures; the next ${EXTRA} requests make no decision call`, async () => {
    await stack().stopControlPlane();
    for (let i = 0; i < FAILURES; i++) {
      const reply = await post(stack().url, CHAT, MATH);
      assert.equal(reply.status, 200, reply.body.toString());
      assert.equal(reply.headers.get('x-switchyard-failure'), 'unreachable', `request ${i}`);
    }
    openedAt = Date.now();
    for (let i = 0; i < EXTRA; i++) {
      const started = performance.now();
      const reply = await post(stack().url, CHAT, MATH);
      const elapsed = performance.now() - started;
      assert.equal(reply.status, 200, reply.body.toString());
      assert.equal(reply.headers.get('x-switchyard-failure'), 'breaker_open', `request ${FAILURES + i}`);
      assert.equal(reply.headers.get(MODEL_HEADER), stack().config.default_model);
      assert.ok(elapsed < TIMEOUT_MS, `answered in ${elapsed.toFixed(0)} ms, without waiting on a call`);
    }
    const admin = stack().adminUrl;
    assert.equal(await promCounter(admin, 'switchyard_failure_unreachable'), FAILURES, 'no call while open');
    assert.equal(await promCounter(admin, 'switchyard_failure_breaker_open'), EXTRA);
    assert.equal(await promCounter(admin, 'switchyard_breaker_open'), 1);
  });

  it('routes again once the control plane is back and the cool-down is over', async () => {
    const restarted = await startControlPlane({ port: stack().controlPlanePort });
    try {
      await restarted.ready;
      await sleep(Math.max(0, openedAt + COOLDOWN_MS - Date.now()));
      const reply = await post(stack().url, CHAT, MATH);
      assert.equal(reply.status, 200, reply.body.toString());
      assert.equal(reply.headers.get('x-switchyard-failure'), null);
      assert.equal(reply.headers.get('x-selected-model'), 'math-model');
      assert.equal(await promCounter(stack().adminUrl, 'switchyard_breaker_open'), 0);
      const next = await post(stack().url, CHAT, MATH);
      assert.equal(next.headers.get('x-selected-model'), 'math-model');
    } finally {
      await restarted.close();
    }
  });
});

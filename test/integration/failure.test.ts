// The filter's failure modes in real Envoy: a stopped control plane and an oversized body, open and closed.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chatBody, MODEL_HEADER, post, SUITE, useStack } from './harness.ts';

const CHAT = '/v1/chat/completions';
const MATH = chatBody('MoM', 'What is the derivative of f(x) = x^3?');

describe('failure_mode open, control plane stopped', SUITE, () => {
  const stack = useStack({ failure_mode: 'open' });

  it('answers 200 from the default model, marked unreachable', async () => {
    await stack().stopControlPlane();
    const reply = await post(stack().url, CHAT, MATH);
    assert.equal(reply.status, 200, reply.body.toString());
    assert.equal(reply.headers.get(MODEL_HEADER), stack().config.default_model);
    assert.equal(reply.headers.get('x-switchyard-failure'), 'unreachable');
    assert.equal(reply.headers.get('x-selected-model'), null);
  });
});

describe('failure_mode closed', SUITE, () => {
  const MAX_BODY_BYTES = 2048;
  const stack = useStack({ failure_mode: 'closed', max_body_bytes: MAX_BODY_BYTES });

  function assertUnavailable(reply: Awaited<ReturnType<typeof post>>, cause: string) {
    assert.equal(reply.status, 503, reply.body.subarray(0, 300).toString());
    assert.match(reply.headers.get('content-type') ?? '', /^application\/json/);
    const { error } = reply.json() as { error: { message: unknown; type: unknown; code: unknown } };
    assert.equal(error.type, 'switchyard_unavailable');
    assert.equal(error.code, cause);
    assert.equal(typeof error.message, 'string');
  }

  it('routes normally while the control plane is up', async () => {
    const reply = await post(stack().url, CHAT, MATH);
    assert.equal(reply.status, 200, reply.body.toString());
    assert.equal(reply.headers.get('x-selected-model'), 'math-model');
  });

  it('answers 503 JSON for a body over max_body_bytes', async () => {
    const body = chatBody('MoM', 'y'.repeat(MAX_BODY_BYTES * 2));
    assertUnavailable(await post(stack().url, CHAT, body), 'body_too_large');
  });

  it('still passes explicit models through without asking the control plane', async () => {
    await stack().stopControlPlane();
    const reply = await post(stack().url, CHAT, chatBody('general', 'hello'));
    assert.equal(reply.status, 200, reply.body.toString());
  });

  it('answers 503 JSON when the control plane is unreachable', async () => {
    await stack().stopControlPlane();
    assertUnavailable(await post(stack().url, CHAT, MATH), 'unreachable');
  });
});

// A chosen model's backend is down: the decision names ordered fallbacks, and Envoy retries down
// that chain (aggregate cluster + previous_priorities) so the client still gets an answer.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chatBody, MODEL_HEADER, post, SUITE, useStack } from './harness.ts';

const CHAT = '/v1/chat/completions';
const CODE = chatBody('auto', 'Fix this python function');

describe('backend down, decision fallbacks retried by Envoy', SUITE, () => {
  const stack = useStack({ failure_mode: 'open' });

  it('answers from the chosen model while it is up', async () => {
    const reply = await post(stack().url, CHAT, CODE);
    assert.equal(reply.status, 200, reply.body.toString());
    assert.equal(reply.headers.get('x-selected-model'), 'code-model');
    assert.equal(reply.headers.get('x-switchyard-fallbacks'), 'general');
    assert.equal(reply.headers.get(MODEL_HEADER), 'code-model');
  });

  it('answers from the first fallback once the chosen backend is down', async () => {
    await stack().stopModel('code-model');
    for (let i = 0; i < 3; i++) {
      const reply = await post(stack().url, CHAT, CODE);
      assert.equal(reply.status, 200, reply.body.toString());
      assert.equal(reply.headers.get('x-selected-model'), 'code-model', 'the decision is unchanged');
      assert.equal(reply.headers.get(MODEL_HEADER), 'general', 'Envoy retried to the fallback');
    }
  });
});

// Reasoning edits that depend on the client's request, through real Envoy: the filter sends the
// request's length and sampling settings as `params`, and the control plane writes the field each
// API and family takes, or holds Anthropic thinking back where the provider would refuse it.

import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { ECHO_BODY_HEADER, post, SUITE, useStack } from './harness.ts';

const CONFIG = fileURLToPath(new URL('./fixtures/reasoning.yaml', import.meta.url));

describe('reasoning fields for the request at hand', SUITE, () => {
  const stack = useStack({}, CONFIG);
  const received = async (path: string, body: object) => {
    const reply = await post(stack().url, path, JSON.stringify(body), { [ECHO_BODY_HEADER]: '1' });
    assert.equal(reply.status, 200, reply.body.toString());
    return { body: reply.json() as Record<string, unknown>, explain: reply.headers.get('x-switchyard-explain') ?? '' };
  };
  const ask = { model: 'auto', messages: [{ role: 'user', content: 'What is the derivative of x^3?' }] };

  it('switches Anthropic thinking on within the request\'s max_tokens', async () => {
    const { body, explain } = await received('/v1/messages', { ...ask, max_tokens: 1500 });
    assert.deepEqual(body, { ...ask, model: 'math-model', max_tokens: 1500, thinking: { type: 'enabled', budget_tokens: 1499 } });
    assert.match(explain, / think=on$/);
  });

  it('holds it back when the request sets a temperature, a forced tool or too few tokens, and says which', async () => {
    for (const [extra, why] of [
      [{ max_tokens: 8000, temperature: 0.2 }, 'temperature'],
      [{ max_tokens: 8000, tool_choice: { type: 'any' } }, 'tool_choice'],
      [{ max_tokens: 1024 }, 'max_tokens'],
    ] as const) {
      const { body, explain } = await received('/v1/messages', { ...ask, ...extra });
      assert.deepEqual(body, { ...ask, ...extra, model: 'math-model' }, why);
      assert.match(explain, new RegExp(` think=off:${why}$`));
    }
  });

  it('nests the OpenAI effort on the Responses API and writes the Chat Completions field on chat', async () => {
    const input = 'Write a python function that reverses a list';
    const responses = await received('/v1/responses', { model: 'auto', input, reasoning: { summary: 'auto' } });
    assert.deepEqual(responses.body, { model: 'code-model', input, reasoning: { summary: 'auto', effort: 'medium' } });
    const chat = await received('/v1/chat/completions', { model: 'auto', messages: [{ role: 'user', content: input }] });
    assert.equal(chat.body.reasoning_effort, 'medium');
  });
});

// Token usage through real Envoy: the filter reads usage from routed JSON responses and streams
// (asking OpenAI streams for it and hiding that chunk from clients that did not ask), reports it on
// its tick, and the control plane summarizes it at GET /v1/usage, priced at the config's prices.

import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { chatBody, post, promCounter, SUITE, useStack } from './harness.ts';

interface Totals { requests: number; prompt_tokens: number; completion_tokens: number; cost_usd: number }

describe('token usage in Envoy', SUITE, () => {
  const stack = useStack({ usage_flush_ms: 100 });

  const usage = async (): Promise<{ totals: Totals; by_model: Array<Totals & { model: string }> }> =>
    (await fetch(`http://127.0.0.1:${stack().controlPlanePort}/v1/usage?window=1h`)).json() as never;

  // The totals once `n` more requests have been reported than in `before` (reports come on ticks).
  async function reported(before: Totals, n: number): Promise<Totals> {
    for (let i = 0; i < 300; i++) {
      const { totals } = await usage();
      if (totals.requests >= before.requests + n) return totals;
      await sleep(50);
    }
    throw new Error(`usage of ${n} request(s) was not reported within 15 s`);
  }

  const delta = (a: Totals, b: Totals) => [b.requests - a.requests, b.prompt_tokens - a.prompt_tokens, b.completion_tokens - a.completion_tokens];

  it('reports what a JSON response says, priced at the chosen model\'s prices', async () => {
    const before = (await usage()).totals;
    const reply = await post(stack().url, '/v1/chat/completions', chatBody('auto', 'What is the derivative of x^3?'));
    assert.equal(reply.status, 200, reply.body.toString());
    assert.equal(reply.headers.get('x-selected-model'), 'math-model');
    const { usage: seen } = reply.json() as { usage: { prompt_tokens: number; completion_tokens: number } };
    const after = await reported(before, 1);
    assert.deepEqual(delta(before, after), [1, seen.prompt_tokens, seen.completion_tokens]);
    const price = stack().config.models.find((m) => m.name === 'math-model')!.pricing!;
    const cost = (seen.prompt_tokens * price.input_per_1m + seen.completion_tokens * price.output_per_1m) / 1e6;
    assert.ok(Math.abs(after.cost_usd - before.cost_usd - cost) < 1e-6, `${after.cost_usd - before.cost_usd} vs ${cost}`);
  });

  it('asks an OpenAI stream for usage and takes that chunk out for a client that did not ask', async () => {
    const prompt = 'Write a python function that reverses a list';
    const start = (await usage()).totals;
    // The same request with include_usage shows what the backend counts for this prompt.
    const asked = await post(stack().url, '/v1/chat/completions', chatBody('auto', prompt, { stream: true, stream_options: { include_usage: true } }));
    const chunk = asked.body.toString().split('\n\n').find((e) => e.includes('"choices":[]'));
    assert.ok(chunk, `the client that asked gets the usage chunk: ${asked.body}`);
    const counted = JSON.parse(chunk.slice('data: '.length)).usage as { prompt_tokens: number; completion_tokens: number };

    // Its own record first, so that the next one is told apart.
    const before = await reported(start, 1);
    const reply = await post(stack().url, '/v1/chat/completions', chatBody('auto', prompt, { stream: true }));
    assert.equal(reply.status, 200);
    assert.match(reply.headers.get('content-type') ?? '', /^text\/event-stream/);
    const text = reply.body.toString();
    assert.doesNotMatch(text, /"choices":\[\]/);
    assert.match(text, /data: \[DONE\]\n\n$/);
    assert.match(text, /\[code-model\]/);
    const after = await reported(before, 1);
    assert.deepEqual(delta(before, after), [1, counted.prompt_tokens, counted.completion_tokens]);
  });

  it('reports an Anthropic stream, and counts every read in Envoy\'s stats', async () => {
    const before = (await usage()).totals;
    const body = JSON.stringify({ model: 'auto', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'Solve 2x + 3 = 7' }] });
    const reply = await post(stack().url, '/v1/messages', body);
    assert.equal(reply.status, 200, reply.body.toString());
    const after = await reported(before, 1);
    const [requests, prompt, completion] = delta(before, after);
    assert.equal(requests, 1);
    assert.ok(prompt > 0 && completion > 0);
    assert.equal(await promCounter(stack().adminUrl, 'switchyard_usage_read'), 4);
    assert.equal(await promCounter(stack().adminUrl, 'switchyard_usage_reports_failed'), 0);
  });

  it('reports a Responses API stream from its response.completed event', async () => {
    const before = (await usage()).totals;
    const reply = await post(stack().url, '/v1/responses', JSON.stringify({ model: 'auto', stream: true, input: 'Write a python function that sorts a list' }));
    assert.equal(reply.status, 200, reply.body.toString());
    const completed = reply.body.toString().split('\n\n').find((e) => e.startsWith('event: response.completed\n'));
    assert.ok(completed, reply.body.toString());
    const { input_tokens, output_tokens } = JSON.parse(completed.slice(completed.indexOf('data: ') + 6)).response.usage;
    const after = await reported(before, 1);
    assert.deepEqual(delta(before, after), [1, input_tokens, output_tokens]);
  });
});

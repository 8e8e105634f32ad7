// The filter in real Envoy with a healthy control plane and failure_mode open: routing, pass-through,
// streaming, the body cap and metrics.

import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { chatBody, ECHO_BODY_HEADER, MODEL_HEADER, post, promCounter, SUITE, useStack } from './harness.ts';

const CHAT = '/v1/chat/completions';
const MAX_BODY_BYTES = 4096;

describe('filter in Envoy, control plane up, failure_mode open', SUITE, () => {
  const stack = useStack({ failure_mode: 'open', max_body_bytes: MAX_BODY_BYTES });

  it("routes the guide's MoM math question to the math model", async () => {
    const body = '{"model": "MoM", "messages": [{"role": "user", "content": "What is the derivative of f(x) = x^3?"}]}';
    const reply = await post(stack().url, CHAT, body);
    assert.equal(reply.status, 200, reply.body.toString());
    assert.equal(reply.headers.get('x-selected-model'), 'math-model');
    assert.equal(reply.headers.get(MODEL_HEADER), 'math-model', 'answered by the math model cluster');
    const answer = reply.json() as { model: string; choices: { message: { content: string } }[] };
    assert.equal(answer.model, 'math-model', 'the body model was rewritten before it reached the backend');
    assert.match(answer.choices[0].message.content, /^\[math-model\]/);
    assert.equal(reply.headers.get('x-switchyard-failure'), null);
  });

  it('rewrites only the model field of a routed body when the decision edits nothing else', async () => {
    const body = '{"model":"auto",  "messages":[{"role":"user","content":"Fix this python function \\u00e9 ünïcödé"}], "temperature": 0.25}';
    const reply = await post(stack().url, CHAT, body, { [ECHO_BODY_HEADER]: '1' });
    assert.equal(reply.status, 200, reply.body.toString());
    assert.equal(reply.body.toString('utf8'), body.replace('"auto"', '"code-model"'));
  });

  it("switches reasoning on for a reasoning category, in the chosen model family's field", async () => {
    const body = chatBody('auto', 'Solve the equation x^2 = 4', { temperature: 0.25 });
    const reply = await post(stack().url, CHAT, body, { [ECHO_BODY_HEADER]: '1' });
    assert.equal(reply.status, 200, reply.body.toString());
    assert.deepEqual(reply.json(), { ...JSON.parse(body), model: 'math-model', chat_template_kwargs: { enable_thinking: true } });
    assert.match(reply.headers.get('x-switchyard-explain') ?? '', /^cat=math@1\.00 by=rule:math:keyword;best_score pick=math-model .*think=on$/);
    // A client's own choice stands.
    const own = chatBody('auto', 'Solve the equation x^2 = 4', { chat_template_kwargs: { enable_thinking: false } });
    assert.deepEqual((await post(stack().url, CHAT, own, { [ECHO_BODY_HEADER]: '1' })).json(), { ...JSON.parse(own), model: 'math-model' });
  });

  it('routes the Responses and Completions APIs, writing only the reasoning field each has', async () => {
    const responses = JSON.stringify({ model: 'auto', instructions: 'Be brief.', input: [{ role: 'user', content: [{ type: 'input_text', text: 'Solve the equation x^2 = 4' }] }] });
    const routed = await post(stack().url, '/v1/responses', responses, { [ECHO_BODY_HEADER]: '1' });
    assert.equal(routed.status, 200, routed.body.toString());
    assert.equal(routed.headers.get(MODEL_HEADER), 'math-model');
    assert.deepEqual(routed.json(), { ...JSON.parse(responses), model: 'math-model', chat_template_kwargs: { enable_thinking: true } });
    // A stream gets no stream_options: the Responses API reports usage unasked and has no include_usage.
    const streaming = JSON.stringify({ ...JSON.parse(responses), stream: true });
    const received = await post(stack().url, '/v1/responses', streaming, { [ECHO_BODY_HEADER]: '1' });
    assert.deepEqual(received.json(), { ...JSON.parse(streaming), model: 'math-model', chat_template_kwargs: { enable_thinking: true } });
    // Answered by the demo LLM's Responses API, streamed, through Envoy.
    const streamed = await post(stack().url, '/v1/responses', streaming);
    assert.equal(streamed.status, 200, streamed.body.toString());
    assert.match(streamed.body.toString(), /event: response\.completed\ndata: \{"type":"response\.completed","response":\{"id":"resp_demo_\d+","object":"response","created_at":\d+,"status":"completed","model":"math-model"/);
    // A completion has no chat template: the model is rewritten and nothing else.
    const completion = '{"model":"auto","prompt":"Solve the equation x^2 = 4","max_tokens":16}';
    const rewritten = await post(stack().url, '/v1/completions', completion, { [ECHO_BODY_HEADER]: '1' });
    assert.equal(rewritten.status, 200, rewritten.body.toString());
    assert.equal(rewritten.headers.get('x-selected-model'), 'math-model');
    assert.equal(rewritten.body.toString(), completion.replace('"auto"', '"math-model"'));
    assert.match(rewritten.headers.get('x-switchyard-explain') ?? '', / think=off:completions$/);
  });

  it("inserts the category's system prompt before the client's messages", async () => {
    const body = JSON.stringify({ model: 'MoM', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Write a haiku about rain' }] });
    const reply = await post(stack().url, CHAT, body, { [ECHO_BODY_HEADER]: '1' });
    assert.equal(reply.status, 200, reply.body.toString());
    const received = reply.json() as { model: string; messages: unknown[] };
    assert.equal(received.model, 'general');
    assert.deepEqual(received.messages, [
      { role: 'system', content: 'You are a creative writing assistant: vivid, concise, original.' },
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Write a haiku about rain' },
    ]);
  });

  it('reads a follow-up in its conversation: the filter sends the earlier user turns as context', async () => {
    const messages = [
      { role: 'user', content: 'What role do mitochondria play in cellular respiration?' },
      { role: 'assistant', content: 'They make most of the cell\'s ATP.' },
      { role: 'user', content: 'Can you explain that more simply?' },
    ];
    const reply = await post(stack().url, CHAT, JSON.stringify({ model: 'auto', messages }));
    assert.equal(reply.status, 200, reply.body.toString());
    assert.match(reply.headers.get('x-switchyard-explain') ?? '', /^cat=biology@0\.\d\d by=encoder:biology:model:context pick=general /);
    const alone = await post(stack().url, CHAT, JSON.stringify({ model: 'auto', messages: messages.slice(2) }));
    assert.match(alone.headers.get('x-switchyard-explain') ?? '', / by=default /);
  });

  it('lists the trigger names and the configured models at GET /v1/models, and each at /v1/models/<id>, from the control plane', async () => {
    const res = await fetch(`${stack().url}/v1/models`);
    assert.equal(res.status, 200);
    const list = (await res.json()) as { object: string; data: { id: string; object: string; owned_by: string }[] };
    assert.equal(list.object, 'list');
    assert.deepEqual(list.data.map((m) => [m.id, m.owned_by]), [
      ['auto', 'switchyard'], ['MoM', 'switchyard'], ['math-model', 'demo'], ['code-model', 'demo'], ['general', 'demo'],
    ]);
    const one = await fetch(`${stack().url}/v1/models/MoM`);
    assert.deepEqual([one.status, await one.json()], [200, list.data[1]]);
    assert.equal((await fetch(`${stack().url}/v1/models/gpt-4o`)).status, 404);
    // A client that picks a listed trigger name gets it routed.
    const reply = await post(stack().url, CHAT, chatBody(list.data[1]!.id, 'Write a python function that reverses a list'));
    assert.equal(reply.headers.get('x-selected-model'), 'code-model');
  });

  it('passes an explicit model through byte-identical, to that model', async () => {
    const body = '{ "model" : "code-model", "messages": [ {"role":"user","content":"What is the derivative of x^3?  ✓"} ],\n "n": 1 }';
    const reply = await post(stack().url, CHAT, body, { [ECHO_BODY_HEADER]: '1' });
    assert.equal(reply.status, 200, reply.body.toString());
    assert.deepEqual(reply.body, Buffer.from(body), 'the backend received exactly the client bytes');
    assert.equal(reply.headers.get('x-selected-model'), 'code-model', 'routed by the model the client named');
    assert.equal(reply.headers.get(MODEL_HEADER), 'code-model', 'answered by the named model, not the default');
    assert.equal(reply.headers.get('x-switchyard-category'), null, 'no decision was made');
    assert.equal(reply.headers.get('x-switchyard-failure'), null);
  });

  it('streams SSE chunks of a routed request intact', async () => {
    const res = await fetch(stack().url + CHAT, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chatBody('MoM', 'What is the integral of 2x?', { stream: true }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-selected-model'), 'math-model');
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const text = await res.text();
    assert.ok(text.endsWith('\n\n'), 'the stream ends on an event boundary');
    const events = text.trimEnd().split('\n\n');
    for (const event of events) assert.match(event, /^data: /, `every event is a data event: ${JSON.stringify(event)}`);
    assert.equal(events.at(-1), 'data: [DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice('data: '.length)) as { model: string; choices: { delta: { content?: string } }[] });
    assert.ok(chunks.length >= 3, `several chunks (got ${chunks.length})`);
    for (const chunk of chunks) assert.equal(chunk.model, 'math-model');
    const content = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    assert.equal(content, '[math-model] This is a demo answer from math-model to: "What is the integral of 2x?"');
  });

  it('passes a body over max_body_bytes through unchanged, marked body_too_large', async () => {
    const body = chatBody('MoM', `What is the derivative of ${'x^3 + '.repeat(MAX_BODY_BYTES / 4)}1?`);
    assert.ok(Buffer.byteLength(body) > MAX_BODY_BYTES);
    const reply = await post(stack().url, CHAT, body, { [ECHO_BODY_HEADER]: '1' });
    assert.equal(reply.status, 200, reply.body.subarray(0, 300).toString());
    assert.equal(reply.headers.get('x-switchyard-failure'), 'body_too_large');
    assert.equal(reply.headers.get(MODEL_HEADER), stack().config.default_model, 'sent to the default route');
    assert.deepEqual(reply.body, Buffer.from(body));
  });

  it('exports the filter counters at the admin /stats/prometheus', async () => {
    const admin = stack().adminUrl;
    // Every test above went through the filter; at least these many requests were seen. The
    // oversized body is not counted as triggered: its model was never read.
    for (const [name, atLeast] of [
      ['switchyard_requests_seen', 5],
      ['switchyard_requests_triggered', 3],
      ['switchyard_requests_routed', 3],
      ['switchyard_requests_passthrough', 1],
      ['switchyard_failures_open', 1],
      ['switchyard_failure_body_too_large', 1],
    ] as const) {
      const value = await promCounter(admin, name);
      assert.notEqual(value, undefined, `${name} is exported`);
      assert.ok(value! >= atLeast, `${name} = ${value}, expected >= ${atLeast}`);
    }
    for (const name of ['switchyard_requests_blocked', 'switchyard_failures_closed', 'switchyard_failure_unreachable', 'switchyard_failure_timeout']) {
      assert.notEqual(await promCounter(admin, name), undefined, `${name} is exported (before it first counts)`);
    }
  });

  it('exports the decision round-trip time as a histogram in milliseconds', async () => {
    // Envoy merges histograms into its admin output on its stats flush (every 5 s by default).
    let text = '';
    for (let i = 0; i < 60 && !/^switchyard_decision_rtt_ms_count(\{[^}]*\})? [3-9]/m.test(text); i++) {
      await sleep(250);
      text = await (await fetch(`${stack().adminUrl}/stats/prometheus`)).text();
    }
    const count = /^switchyard_decision_rtt_ms_count(?:\{[^}]*\})? (\d+)$/m.exec(text);
    assert.ok(count && Number(count[1]) >= 3, `three or more decision calls recorded: ${count?.[0]}`);
    const buckets = [...text.matchAll(/^switchyard_decision_rtt_ms_bucket\{le="([^"]+)"\} (\d+)$/gm)];
    assert.ok(buckets.length > 5, 'with buckets');
    // Loopback decisions with rules take well under the 300 ms timeout.
    const under = buckets.find(([, le]) => le === '250');
    assert.equal(under?.[2], count![1], `every call under 250 ms: ${buckets.map((b) => b[0]).join(', ')}`);
  });
});

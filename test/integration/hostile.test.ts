// A hostile corpus through real Envoy: every body gets an answer (no hang, no reset), the filter
// counts the unparsable ones, and routing still works afterwards (the VM did not trap).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chatBody, post, promCounter, SUITE, useStack } from './harness.ts';

const CHAT = '/v1/chat/completions';
const MAX_BODY_BYTES = 65536;

const CORPUS: [string, string | Buffer][] = [
  ['malformed', '{"model": "auto", "messages": [}'],
  ['truncated', '{"model": "auto", "messages": [{"role": "user", "content": "hel'],
  ['deeply nested', `{"model": "auto", "x": ${'['.repeat(5000)}${']'.repeat(5000)}}`],
  ['nested past the limit inside messages', `{"model": "auto", "messages": [{"role":"user","content": ${'['.repeat(200)}${']'.repeat(200)}}]}`],
  ['huge string', chatBody('auto', 'x'.repeat(60_000))],
  ['over max_body_bytes', chatBody('auto', 'y'.repeat(70_000))],
  ['invalid UTF-8', Buffer.concat([Buffer.from('{"model":"auto","messages":[{"role":"user","content":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}]}')])],
  ['lone surrogate escape', '{"model":"auto","messages":[{"role":"user","content":"\\ud800 and \\udfff"}]}'],
  ['escaped key and model', '{"mod\\u0065l":"\\u0061uto","messages":[{"role":"user","content":"integral of x"}]}'],
  ['duplicate model key', '{"model":"auto","model":"code-model","messages":[{"role":"user","content":"hi"}]}'],
  ['model of wrong type', '{"model":42,"messages":[{"role":"user","content":"hi"}]}'],
  ['model null', '{"model":null,"messages":[{"role":"user","content":"hi"}]}'],
  ['content parts with non-text', JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:,x' } }, { type: 'text', text: 'what is this integral' }] }] })],
  ['content of wrong type', '{"model":"auto","messages":[{"role":"user","content":{"a":1}}]}'],
  ['messages not an array', '{"model":"auto","messages":"hi"}'],
  ['empty body', ''],
  ['top-level array', '[{"model":"auto"}]'],
  ['trailing garbage', '{"model":"auto","messages":[]} trailing'],
  ['NUL bytes', Buffer.from('{"model":"auto","messages":[{"role":"user","content":"a\u0000b"}]}\u0000')],
  ['personal data in a routed prompt', chatBody('auto', 'My email is jane.doe@example.com and my card 4111 1111 1111 1111')],
  ['personal data in an unreadable body', '{"model":"auto","messages":[{"role":"user","content":"jane.doe@example.com 4111 1111 1111 1111"}'],
  ['numbers at the edge', '{"model":"auto","temperature":1e999999,"n":-0.0e-0,"messages":[{"role":"user","content":"hi"}]}'],
];

describe('hostile request bodies through real Envoy', SUITE, () => {
  const stack = useStack({ failure_mode: 'open', max_body_bytes: MAX_BODY_BYTES });

  it('answers every body without a hang or a reset', async () => {
    for (const [name, body] of CORPUS) {
      const res = await fetch(stack().url + CHAT, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: typeof body === "string" ? body : new Uint8Array(body),
        signal: AbortSignal.timeout(10_000),
      });
      await res.arrayBuffer();
      assert.ok(res.status >= 200 && res.status < 600, `${name}: status ${res.status}`);
      // Open mode never turns a client's body into a gateway error of its own.
      assert.notEqual(res.status, 503, `${name}: 503 ${res.headers.get('x-switchyard-failure')}`);
    }
  });

  it("kept prompt text out of Envoy's log", () => {
    const log = stack().envoy.logTail(10_000);
    for (const secret of ['jane.doe@example.com', '4111 1111 1111 1111', 'what is this integral']) assert.ok(!log.includes(secret), `logged: ${secret}`);
  });

  it('counted the bodies it could not read, and still routes afterwards', async () => {
    const admin = stack().adminUrl;
    assert.ok(((await promCounter(admin, 'switchyard_failure_bad_body')) ?? 0) >= 5);
    assert.equal(await promCounter(admin, 'switchyard_failure_body_too_large'), 1);
    const reply = await post(stack().url, CHAT, chatBody('MoM', 'What is the derivative of f(x) = x^3?'));
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.get('x-selected-model'), 'math-model');
  });
});

describe('wasm memory under repeated requests through real Envoy', SUITE, () => {
  const stack = useStack({ failure_mode: 'open' });

  it('stays flat over 1,000 routed requests after warm-up (100k: npm run load)', async () => {
    const body = chatBody('MoM', `What is the derivative of f(x) = x^3? ${'context '.repeat(200)}`);
    for (let i = 0; i < 50; i++) await post(stack().url, CHAT, body);
    const warm = await promCounter(stack().adminUrl, 'switchyard_wasm_memory_bytes');
    assert.ok(warm !== undefined && warm >= 65536, `gauge ${warm}`);
    for (let i = 0; i < 1000; i++) {
      const reply = await post(stack().url, CHAT, body);
      assert.equal(reply.status, 200);
    }
    assert.equal(await promCounter(stack().adminUrl, 'switchyard_wasm_memory_bytes'), warm);
  });
});

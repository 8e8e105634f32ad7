import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { after, before, test } from 'node:test';
import express from 'express';
import { createEncoderClassifier, type EncoderClassifier } from '../../controlplane/classify/classifier.ts';
import { createClassifyRouter } from '../../controlplane/classify/routes.ts';

let clf: EncoderClassifier;
let server: Server;
let base: string;

before(async () => {
  clf = createEncoderClassifier({ intraOpThreads: 1, maxChars: 2000 });
  await clf.init();
  const app = express();
  app.use(createClassifyRouter(clf, { maxBatch: 4, bodyLimit: '10kb' }));
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.close();
  await clf.close();
});

async function post(path: string, body: unknown, raw = false) {
  const res = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw ? (body as string) : JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

test('POST /v1/classify with text', async () => {
  const { status, json } = await post('/v1/classify', { text: 'Solve 3x + 5 = 20 for x.' });
  assert.equal(status, 200);
  assert.equal(json.category.label, 'math');
  assert.deepEqual(Object.keys(json.jailbreak).sort(), ['label', 'score']);
  assert.ok(Array.isArray(json.pii.entities));
  assert.equal(json.embedding, undefined);
  assert.equal(typeof json.timings_ms.total, 'number');
});

test('POST /v1/classify with messages uses the last user message; embedding on request', async () => {
  const { status, json } = await post('/v1/classify', {
    embedding: true,
    messages: [{ role: 'system', content: 'You are helpful.' }, { role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' },
      { role: 'user', content: [{ type: 'text', text: 'My email is bob@example.org' }] }],
  });
  assert.equal(status, 200);
  assert.equal(json.embedding.length, 384);
  assert.equal(json.pii.entities[0].type, 'EMAIL_ADDRESS');
});

test('POST /v1/classify reads an unclear last message after the earlier user messages, or after "context"', async () => {
  const followUp = 'Can you explain that more simply?';
  const alone = await post('/v1/classify', { text: followUp });
  assert.equal(alone.json.category.below_threshold, true);
  assert.equal(alone.json.category.in_context, undefined);
  // Read again, to no avail: the time it took is reported all the same.
  const unhelped = await post('/v1/classify', { text: followUp, context: ['ok thanks'] });
  assert.deepEqual([unhelped.json.category.below_threshold, unhelped.json.category.in_context, typeof unhelped.json.timings_ms.context], [true, undefined, 'number']);
  const earlier = [{ role: 'user', content: 'How do I integrate x^2 from 0 to 3?' }, { role: 'assistant', content: 'Use the power rule.' }];
  for (const body of [{ messages: [...earlier, { role: 'user', content: followUp }] }, { text: followUp, context: ['How do I integrate x^2 from 0 to 3?'] },
    { messages: [...earlier, { role: 'user', content: [{ type: 'input_text', text: followUp }] }] },
    { messages: [...earlier, { role: 'user', content: followUp }, { role: 'user', content: [{ type: 'tool_result', content: 'x' }] }] }]) {
    const { status, json } = await post('/v1/classify', body);
    assert.equal(status, 200, JSON.stringify(json));
    assert.deepEqual([json.category.label, json.category.below_threshold, json.category.in_context, json.category.context_messages], ['math', false, true, 1], JSON.stringify(body));
    assert.equal(typeof json.timings_ms.context, 'number');
  }
  // A clear question is answered by itself: no second pass.
  const clear = await post('/v1/classify', { text: 'Who wrote Hamlet?', context: ['How do I integrate x^2 from 0 to 3?'] });
  assert.equal(clear.json.category.in_context, undefined);
  assert.equal(clear.json.timings_ms.context, undefined);
});

test('POST /v1/classify/batch', async () => {
  const { status, json } = await post('/v1/classify/batch', { texts: ['What is 2+2?', 'Who wrote Hamlet?'] });
  assert.equal(status, 200);
  assert.equal(json.results.length, 2);
});

const cases: Array<[string, string, unknown, number, string, boolean?]> = [
  ['invalid JSON', '/v1/classify', '{"text": ', 400, 'invalid_json', true],
  ['non-object body', '/v1/classify', '"just a string"', 400, 'invalid_json', true],
  ['array body', '/v1/classify', [1, 2], 400, 'invalid_request'],
  ['missing text', '/v1/classify', {}, 400, 'invalid_request'],
  ['text and messages', '/v1/classify', { text: 'a', messages: [] }, 400, 'invalid_request'],
  ['text not a string', '/v1/classify', { text: 42 }, 400, 'invalid_type'],
  ['empty text', '/v1/classify', { text: '  ' }, 400, 'empty_text'],
  ['text over limit', '/v1/classify', { text: 'x'.repeat(2001) }, 413, 'text_too_long'],
  ['body over limit', '/v1/classify', { text: 'x'.repeat(20_000) }, 413, 'body_too_large'],
  ['embedding not boolean', '/v1/classify', { text: 'a', embedding: 'yes' }, 400, 'invalid_type'],
  ['messages not array', '/v1/classify', { messages: 'hi' }, 400, 'invalid_type'],
  ['message without role', '/v1/classify', { messages: [{ content: 'hi' }] }, 400, 'invalid_type'],
  ['no user message', '/v1/classify', { messages: [{ role: 'system', content: 'x' }] }, 400, 'invalid_request'],
  ['bad content type', '/v1/classify', { messages: [{ role: 'user', content: 5 }] }, 400, 'invalid_type'],
  ['no user message with text', '/v1/classify', { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:' } }] }] }, 400, 'empty_text'],
  ['bad earlier content type', '/v1/classify', { messages: [{ role: 'user', content: null }, { role: 'user', content: 'why?' }] }, 400, 'invalid_type'],
  ['context not an array', '/v1/classify', { text: 'why?', context: 'a' }, 400, 'invalid_type'],
  ['context item not a string', '/v1/classify', { text: 'why?', context: ['a', 1] }, 400, 'invalid_type'],
  ['context with messages', '/v1/classify', { messages: [{ role: 'user', content: 'why?' }], context: ['a'] }, 400, 'invalid_request'],
  ['texts not array', '/v1/classify/batch', { texts: 'a' }, 400, 'invalid_type'],
  ['empty batch', '/v1/classify/batch', { texts: [] }, 400, 'empty_batch'],
  ['batch too large', '/v1/classify/batch', { texts: ['a', 'b', 'c', 'd', 'e'] }, 413, 'batch_too_large'],
  ['batch item not string', '/v1/classify/batch', { texts: ['a', 1] }, 400, 'invalid_type'],
  ['batch item empty', '/v1/classify/batch', { texts: ['a', ''] }, 400, 'empty_text'],
];
test('error messages name the field and what is wrong', async () => {
  assert.equal((await post('/v1/classify', { messages: [{ role: 'user', content: null }, { role: 'user', content: 'why?' }] })).json.error.message,
    'messages[0].content must be a string or an array of content parts, got null');
  assert.equal((await post('/v1/classify', { text: 'why?', context: 'a' })).json.error.message, '"context" must be an array of strings (the earlier user messages, oldest first), got string');
  assert.equal((await post('/v1/classify', { text: 'why?', context: ['a', 1] })).json.error.message, 'context[1] must be a string, got number');
  assert.equal((await post('/v1/classify', { messages: [{ role: 'user', content: 'why?' }], context: ['a'] })).json.error.message,
    '"context" goes with "text"; with "messages" the earlier user messages are the context');
});

for (const [name, path, body, status, code, raw] of cases) {
  test(`error: ${name} -> ${status} ${code}`, async () => {
    const r = await post(path, body, raw);
    assert.equal(r.status, status, JSON.stringify(r.json));
    assert.equal(r.json.error.code, code);
    assert.equal(typeof r.json.error.message, 'string');
  });
}

test('not ready -> 503', async () => {
  const app = express();
  app.use(createClassifyRouter(clf, { isReady: () => false }));
  const s = app.listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const res = await fetch(`http://127.0.0.1:${(s.address() as AddressInfo).port}/v1/classify`, { method: 'POST', body: '{"text":"a"}' });
  assert.equal(res.status, 503);
  s.close();
});

test('overload -> 429 with Retry-After', async () => {
  const { OverloadedError } = await import('../../controlplane/classify/encoder.ts');
  const busy = { ...clf, analyze: () => Promise.reject(new OverloadedError(256)) } as unknown as EncoderClassifier;
  const app = express();
  app.use(createClassifyRouter(busy));
  const s = app.listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const res = await fetch(`http://127.0.0.1:${(s.address() as AddressInfo).port}/v1/classify`, { method: 'POST', body: '{"text":"a"}' });
  assert.equal(res.status, 429);
  assert.equal(res.headers.get('retry-after'), '1');
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'overloaded');
  s.close();
});

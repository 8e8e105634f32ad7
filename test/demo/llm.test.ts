import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startDemoLLM, type DemoLLM } from '../../demo/llm.ts';

async function post(port: number, path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** The `data:` payloads and `event:` names of an SSE body, in order. */
function events(text: string): { event?: string; data: string }[] {
  assert.ok(text.endsWith('\n\n'), 'every event ends with a blank line');
  return text
    .trimEnd()
    .split('\n\n')
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
      const data = lines.find((l) => l.startsWith('data: '))?.slice(6) ?? assert.fail(`no data line in ${block}`);
      return event === undefined ? { data } : { event, data };
    });
}

const CHAT = { model: 'math-model', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'What is 2 + 2?' }] };

describe('demo LLM serving several models', () => {
  let llm: DemoLLM;
  before(async () => {
    llm = await startDemoLLM({ port: 0, models: ['math-model', 'general'] });
  });
  after(() => llm.close());

  it('answers chat completions as the requested model', async () => {
    const res = await post(llm.port, '/v1/chat/completions', CHAT);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-demo-llm-model'), 'math-model');
    const body = JSON.parse(res.text);
    assert.equal(body.object, 'chat.completion');
    assert.equal(body.model, 'math-model');
    assert.match(body.id, /^chatcmpl-/);
    assert.equal(body.choices.length, 1);
    assert.equal(body.choices[0].message.role, 'assistant');
    assert.match(body.choices[0].message.content, /^\[math-model\] .*What is 2 \+ 2\?/);
    assert.equal(body.choices[0].finish_reason, 'stop');
    const { prompt_tokens, completion_tokens, total_tokens } = body.usage;
    assert.ok(prompt_tokens > 0 && completion_tokens > 0 && total_tokens === prompt_tokens + completion_tokens);
  });

  it('answers another model on the same server as that model', async () => {
    const res = await post(llm.port, '/v1/chat/completions', { ...CHAT, model: 'general' });
    assert.equal(JSON.parse(res.text).model, 'general');
    assert.equal(res.headers.get('x-demo-llm-model'), 'general');
  });

  it('refuses a model it does not serve', async () => {
    const res = await post(llm.port, '/v1/chat/completions', { ...CHAT, model: 'gpt-4o' });
    assert.equal(res.status, 404);
    assert.deepEqual(JSON.parse(res.text), {
      error: { message: 'model "gpt-4o" is not served here (serving: math-model, general)', type: 'invalid_request_error', code: 'model_not_found' },
    });
  });

  it('streams chat completions as SSE chunks ending in [DONE], with usage when asked', async () => {
    const plain = JSON.parse((await post(llm.port, '/v1/chat/completions', CHAT)).text);
    const res = await post(llm.port, '/v1/chat/completions', { ...CHAT, stream: true, stream_options: { include_usage: true } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(res.headers.get('x-demo-llm-model'), 'math-model');
    const all = events(res.text);
    assert.equal(all.at(-1)?.data, '[DONE]');
    const chunks = all.slice(0, -1).map((e) => JSON.parse(e.data));
    assert.ok(chunks.length >= 5, `several chunks, got ${chunks.length}`);
    for (const c of chunks) {
      assert.equal(c.object, 'chat.completion.chunk');
      assert.equal(c.model, 'math-model');
      assert.equal(c.id, chunks[0].id);
    }
    const usageChunk = chunks.at(-1);
    assert.deepEqual(usageChunk.choices, []);
    assert.deepEqual(usageChunk.usage, plain.usage);
    assert.ok(chunks.slice(0, -1).every((c) => c.usage === null));
    assert.equal(chunks[0].choices[0].delta.role, 'assistant');
    assert.equal(chunks.at(-2).choices[0].finish_reason, 'stop');
    const content = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    assert.equal(content, plain.choices[0].message.content);
  });

  it('streams without a usage chunk unless asked', async () => {
    const chunks = events((await post(llm.port, '/v1/chat/completions', { ...CHAT, stream: true })).text);
    const last = JSON.parse(chunks.at(-2)!.data);
    assert.equal(last.choices[0].finish_reason, 'stop');
    assert.ok(chunks.slice(0, -1).every((e) => !('usage' in JSON.parse(e.data))));
  });

  it('answers completions, plain and streamed', async () => {
    const plain = JSON.parse((await post(llm.port, '/v1/completions', { model: 'general', prompt: 'Say hi' })).text);
    assert.equal(plain.object, 'text_completion');
    assert.match(plain.choices[0].text, /^\[general\] /);
    assert.ok(plain.usage.total_tokens > 0);
    const streamed = events((await post(llm.port, '/v1/completions', { model: 'general', prompt: ['Say hi'], stream: true, stream_options: { include_usage: true } })).text);
    assert.equal(streamed.at(-1)?.data, '[DONE]');
    const chunks = streamed.slice(0, -1).map((e) => JSON.parse(e.data));
    assert.equal(chunks.map((c) => c.choices[0]?.text ?? '').join(''), plain.choices[0].text);
    assert.deepEqual(chunks.at(-1).usage, plain.usage);
  });

  it('answers Anthropic messages, plain and streamed', async () => {
    const request = { model: 'general', max_tokens: 64, system: 'Be brief.', messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }] };
    const plain = JSON.parse((await post(llm.port, '/v1/messages', request)).text);
    assert.equal(plain.type, 'message');
    assert.equal(plain.model, 'general');
    assert.equal(plain.content[0].type, 'text');
    assert.match(plain.content[0].text, /^\[general\] .*Hello/);
    assert.equal(plain.stop_reason, 'end_turn');
    assert.ok(plain.usage.input_tokens > 0 && plain.usage.output_tokens > 0);

    const streamed = events((await post(llm.port, '/v1/messages', { ...request, stream: true })).text);
    const names = streamed.map((e) => e.event);
    assert.deepEqual([names[0], names[1], names.at(-3), names.at(-2), names.at(-1)], ['message_start', 'content_block_start', 'content_block_stop', 'message_delta', 'message_stop']);
    for (const e of streamed) assert.equal(JSON.parse(e.data).type, e.event);
    const text = streamed.filter((e) => e.event === 'content_block_delta').map((e) => JSON.parse(e.data).delta.text).join('');
    assert.equal(text, plain.content[0].text);
  });

  it('answers the Responses API, plain and streamed, from a string or the last user item', async () => {
    const request = { model: 'math-model', instructions: 'Be brief.', input: [
      { role: 'user', content: 'First question' },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'An answer' }] },
      { role: 'user', content: [{ type: 'input_text', text: 'What is 2 + 2?' }, { type: 'input_image', image_url: 'data:image/png;base64,AA' }] },
    ] };
    const plain = JSON.parse((await post(llm.port, '/v1/responses', request)).text);
    assert.equal(plain.object, 'response');
    assert.equal(plain.status, 'completed');
    assert.equal(plain.model, 'math-model');
    assert.match(plain.id, /^resp_demo_/);
    assert.equal(plain.output.length, 1);
    const [item] = plain.output;
    assert.deepEqual([item.type, item.role, item.status, item.content[0].type], ['message', 'assistant', 'completed', 'output_text']);
    assert.match(item.content[0].text, /^\[math-model\] .*What is 2 \+ 2\?/);
    const { input_tokens, output_tokens, total_tokens } = plain.usage;
    assert.ok(input_tokens > 0 && output_tokens > 0 && total_tokens === input_tokens + output_tokens);
    const fromString = JSON.parse((await post(llm.port, '/v1/responses', { model: 'general', input: 'Say hi' })).text);
    assert.match(fromString.output[0].content[0].text, /^\[general\] .*Say hi/);

    const res = await post(llm.port, '/v1/responses', { ...request, stream: true });
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const streamed = events(res.text);
    const data = streamed.map((e) => JSON.parse(e.data));
    for (const [i, e] of streamed.entries()) {
      assert.equal(data[i].type, e.event);
      assert.equal(data[i].sequence_number, i);
    }
    const names = streamed.map((e) => e.event);
    assert.deepEqual([...names.slice(0, 3), ...names.slice(-4)], [
      'response.created', 'response.output_item.added', 'response.content_part.added',
      'response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed',
    ]);
    assert.equal(data[0].response.status, 'in_progress');
    assert.equal(data[0].response.usage, null);
    const text = data.filter((d) => d.type === 'response.output_text.delta').map((d) => d.delta).join('');
    assert.equal(text, item.content[0].text);
    const completed = data.at(-1).response;
    assert.equal(completed.status, 'completed');
    assert.deepEqual(completed.usage, plain.usage);
    assert.equal(completed.output[0].content[0].text, text);
  });

  it('echoes the exact request body bytes when asked', async () => {
    const raw = Buffer.from('{ "model":"general" ,\n "messages":[{"role":"user","content":"caf\u00e9 \\u00e9 😀"}],  "x":1.50 }  ', 'utf8');
    const res = await fetch(`http://127.0.0.1:${llm.port}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-demo-echo-body': '1' },
      body: raw,
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-demo-llm-model'), 'general');
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), raw);
  });

  it('reports request errors as JSON', async () => {
    const invalid = await post(llm.port, '/v1/chat/completions', '{"model":');
    assert.equal(invalid.status, 400);
    assert.equal(JSON.parse(invalid.text).error.code, 'invalid_json');
    const noMessages = await post(llm.port, '/v1/chat/completions', { model: 'general' });
    assert.deepEqual(JSON.parse(noMessages.text).error, { message: 'messages: expected a non-empty array, got nothing', type: 'invalid_request_error', code: 'invalid_request' });
    const badPrompt = await post(llm.port, '/v1/completions', { model: 'general', prompt: 3 });
    assert.equal(JSON.parse(badPrompt.text).error.message, 'prompt: expected a string or an array of strings, got integer');
    const emptyMessages = await post(llm.port, '/v1/messages', { model: 'general', messages: [] });
    assert.equal(JSON.parse(emptyMessages.text).error.message, 'messages: expected a non-empty array, got an empty array');
    const badInput = await post(llm.port, '/v1/responses', { model: 'general', input: { text: 'hi' } });
    assert.equal(badInput.status, 400);
    assert.equal(JSON.parse(badInput.text).error.message, 'input: expected a string or a non-empty array of input items, got object');
    const noInput = await post(llm.port, '/v1/responses', { model: 'general' });
    assert.equal(JSON.parse(noInput.text).error.message, 'input: expected a string or a non-empty array of input items, got nothing');
    const wrongMethod = await fetch(`http://127.0.0.1:${llm.port}/v1/chat/completions`);
    assert.equal(wrongMethod.status, 405);
  });

  it('lists its models and reports health', async () => {
    const models = await (await fetch(`http://127.0.0.1:${llm.port}/v1/models`)).json();
    assert.equal(models.object, 'list');
    assert.deepEqual(models.data.map((m: { id: string; object: string }) => [m.id, m.object]), [
      ['math-model', 'model'],
      ['general', 'model'],
    ]);
    assert.deepEqual(await (await fetch(`http://127.0.0.1:${llm.port}/healthz`)).json(), { status: 'ok', models: ['math-model', 'general'] });
  });
});

describe('demo LLM serving one model', () => {
  it('answers as its model whatever the request names', async () => {
    const llm = await startDemoLLM({ port: 0, models: ['code-model'] });
    try {
      const res = await post(llm.port, '/v1/chat/completions', { ...CHAT, model: 'auto' });
      assert.equal(res.status, 200);
      assert.equal(JSON.parse(res.text).model, 'code-model');
      assert.equal(res.headers.get('x-demo-llm-model'), 'code-model');
    } finally {
      await llm.close();
    }
  });

  it('names the port when it is already in use', async () => {
    const llm = await startDemoLLM({ port: 0, models: ['a'] });
    try {
      await assert.rejects(startDemoLLM({ port: llm.port, models: ['b'] }), {
        message: `demo LLM (b): cannot listen on 127.0.0.1:${llm.port}: port ${llm.port} is already in use`,
      });
    } finally {
      await llm.close();
    }
  });

  it('needs at least one model', async () => {
    await assert.rejects(startDemoLLM({ port: 0, models: [] }), { message: 'demo LLM: at least one model name is required' });
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '../../controlplane/config/load.ts';
import { startControlPlane, type ControlPlane } from '../../controlplane/server.ts';
import type { Classifier } from '../../controlplane/signals.ts';

const GUIDE_REQUEST = {
  version: 1,
  api: 'openai.chat',
  path: '/v1/chat/completions',
  model: 'auto',
  system: 'You are a helpful assistant.',
  prompt: 'What is the derivative of f(x) = x^3?',
  stream: false,
  headers: { 'x-switchyard-tenant': 'team-a' },
};

async function call(port: number, path: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; body: any; text: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, init);
  const text = await res.text();
  const isJson = (res.headers.get('content-type') ?? '').startsWith('application/json');
  return { status: res.status, headers: res.headers, body: isJson ? JSON.parse(text) : undefined, text };
}

function route(port: number, body: unknown): ReturnType<typeof call> {
  return call(port, '/v1/route', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function assertError(res: { status: number; body: any }, status: number, code: string, message: string | RegExp): void {
  assert.equal(res.status, status);
  assert.deepEqual(Object.keys(res.body), ['error']);
  assert.deepEqual(Object.keys(res.body.error).sort(), ['code', 'message', 'type']);
  assert.equal(res.body.error.code, code);
  assert.equal(res.body.error.type, status >= 500 ? 'server_error' : 'invalid_request_error');
  if (typeof message === 'string') assert.equal(res.body.error.message, message);
  else assert.match(res.body.error.message, message);
}

/** A classifier whose init and answers the test controls. */
function controlledClassifier() {
  let finishInit!: (err?: Error) => void;
  const initDone = new Promise<void>((resolve, reject) => (finishInit = (err) => (err ? reject(err) : resolve())));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const classifier: Classifier = {
    init: () => initDone,
    classify: async () => {
      await released;
      return {};
    },
  };
  return { classifier, finishInit, release };
}

describe('control plane API', () => {
  let cp: ControlPlane;
  before(async () => {
    cp = await startControlPlane({ port: 0, maxBodyBytes: 4096 });
  });
  after(() => cp.close());

  it('routes the guide request to the math model', async () => {
    const res = await route(cp.port, GUIDE_REQUEST);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(res.body.action, 'route');
    assert.equal(res.body.model, 'math-model');
    assert.equal(res.body.headers['x-switchyard-category'], 'math');
    assert.equal(res.body.headers['x-switchyard-reason'], 'rule:math:keyword');
    assert.equal(res.body.headers['x-switchyard-explain'], res.body.explanation);
    assert.deepEqual(res.body.body_patch, [{ op: 'set', path: ['chat_template_kwargs', 'enable_thinking'], value: true, if_absent: true }]);
  });

  it('ignores unknown fields and accepts the minimal request', async () => {
    const { system: _s, headers: _h, ...minimal } = GUIDE_REQUEST;
    const res = await route(cp.port, { ...minimal, prompt: 'hi', future_field: { a: 1 } });
    assert.equal(res.status, 200);
    assert.equal(res.body.model, 'general');
  });

  it('answers pass for a model that is not a trigger', async () => {
    const res = await route(cp.port, { ...GUIDE_REQUEST, model: 'gpt-4o' });
    assert.deepEqual(res.body, { version: 1, action: 'pass' });
  });

  describe('errors', () => {
    it('invalid JSON', async () => {
      assertError(await route(cp.port, '{"version": 1,'), 400, 'invalid_json', /^request body is not valid JSON: /);
    });
    it('a body that is not an object', async () => {
      assertError(await route(cp.port, '[1]'), 400, 'invalid_request', 'request body must be a JSON object, got array');
    });
    it('an empty body', async () => {
      assertError(await call(cp.port, '/v1/route', { method: 'POST' }), 400, 'invalid_request', 'request body is empty; expected a JSON object');
    });
    it('missing prompt', async () => {
      const { prompt: _p, ...rest } = GUIDE_REQUEST;
      assertError(await route(cp.port, rest), 400, 'invalid_request', 'prompt: missing required field');
    });
    it('wrong types, all reported', async () => {
      assertError(
        await route(cp.port, { ...GUIDE_REQUEST, prompt: 42, context: 'a', stream: 'no', system: null, headers: { traceparent: 1 } }),
        400,
        'invalid_request',
        'system: expected a string, got null; prompt: expected a string, got integer; context: expected an array of strings, got string; stream: expected a boolean, got string; headers.traceparent: expected a string, got integer',
      );
    });
    it('params of the wrong types; unknown params ignored', async () => {
      assertError(await route(cp.port, { ...GUIDE_REQUEST, params: [1] }), 400, 'invalid_request', 'params: expected an object, got array');
      assertError(
        await route(cp.port, { ...GUIDE_REQUEST, params: { temperature: '0.2', max_tokens: null, tool_choice: { type: 'any' }, seed: 'x' } }),
        400,
        'invalid_request',
        'params.max_tokens: expected a number, got null; params.temperature: expected a number, got string; params.tool_choice: expected a string, got object',
      );
      assert.equal((await route(cp.port, { ...GUIDE_REQUEST, params: { top_k: 40, seed: 'x' } })).status, 200);
    });
    it('headers not an object', async () => {
      assertError(await route(cp.port, { ...GUIDE_REQUEST, headers: ['a'] }), 400, 'invalid_request', 'headers: expected an object of strings, got array');
    });
    it('missing version', async () => {
      const { version: _v, ...rest } = GUIDE_REQUEST;
      assertError(await route(cp.port, rest), 400, 'invalid_request', 'version: missing required field');
    });
    it('version other than 1', async () => {
      assertError(await route(cp.port, { ...GUIDE_REQUEST, version: 2 }), 400, 'unsupported_version', 'version: unsupported contract version 2 (this control plane speaks 1)');
      assertError(await route(cp.port, { ...GUIDE_REQUEST, version: '1' }), 400, 'unsupported_version', /version "1"/);
    });
    it('body over the limit', async () => {
      assertError(await route(cp.port, { ...GUIDE_REQUEST, prompt: 'x'.repeat(5000) }), 413, 'body_too_large', 'request body is larger than the limit of 4096 bytes');
    });
    it('an undecodable content-encoding', async () => {
      const res = await call(cp.port, '/v1/route', { method: 'POST', headers: { 'content-encoding': 'x-bogus' }, body: '{}' });
      assertError(res, 415, 'unsupported_encoding', 'unsupported content encoding "x-bogus"');
    });
    it('a gzip-compressed request', async () => {
      const res = await call(cp.port, '/v1/route', { method: 'POST', headers: { 'content-encoding': 'gzip' }, body: gzipSync(JSON.stringify(GUIDE_REQUEST)) });
      assert.equal(res.status, 200);
      assert.equal(res.body.model, 'math-model');
    });
    it('wrong method', async () => {
      const res = await call(cp.port, '/v1/route');
      assertError(res, 405, 'method_not_allowed', 'method GET not allowed on /v1/route (allowed: POST)');
      assert.equal(res.headers.get('allow'), 'POST');
    });
    it('unknown endpoint', async () => {
      assertError(await call(cp.port, '/v1/chat/completions', { method: 'POST' }), 404, 'not_found', 'no such endpoint: POST /v1/chat/completions');
    });
  });

  it('lists routable models and trigger names in the OpenAI shape', async () => {
    const res = await call(cp.port, '/v1/models');
    assert.equal(res.status, 200);
    assert.equal(res.body.object, 'list');
    assert.deepEqual(
      res.body.data.map((m: any) => [m.id, m.owned_by]),
      [
        ['auto', 'switchyard'],
        ['MoM', 'switchyard'],
        ['math-model', 'demo'],
        ['code-model', 'demo'],
        ['general', 'demo'],
      ],
    );
    for (const m of res.body.data) {
      assert.equal(m.object, 'model');
      assert.ok(Number.isInteger(m.created) && m.created > 1_600_000_000);
    }
  });

  it('answers one model by id, as OpenAI SDKs retrieve it, and 404 for another', async () => {
    const list = (await call(cp.port, '/v1/models')).body.data;
    assert.deepEqual((await call(cp.port, '/v1/models/MoM')).body, list[1]);
    assert.deepEqual((await call(cp.port, '/v1/models/code-model')).body, list[3]);
    assertError(await call(cp.port, '/v1/models/org%2Fmodel'), 404, 'model_not_found',
      'model "org/model" is neither a trigger name nor a configured model (GET /v1/models lists them)');
    assertError(await call(cp.port, '/v1/models/org/gpt-4o'), 404, 'model_not_found', /^model "org\/gpt-4o" /);
    assert.equal((await call(cp.port, '/v1/models/auto', { method: 'DELETE' })).status, 405);
  });

  it('reports health and readiness', async () => {
    assert.deepEqual((await call(cp.port, '/healthz')).body, { status: 'ok' });
    assert.deepEqual((await call(cp.port, '/readyz')).body, { status: 'ready', classifier: { encoder: true, provider: 'cpu', model: 'all-minilm-l6-v2-q-3-tuned', custom_categories: [] } });
  });

  it('exports decision metrics with bounded labels and no prompt text', async () => {
    await route(cp.port, GUIDE_REQUEST);
    const res = await call(cp.port, '/metrics');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    assert.match(res.text, /^switchyard_decisions_total\{action="route",category="math",model="math-model",reason="rule:math:keyword",tenant="other"\} [1-9]/m);
    assert.match(res.text, /^switchyard_decisions_total\{action="pass",category="none",model="",reason="not_trigger",tenant="other"\} 1$/m);
    assert.match(res.text, /^switchyard_decision_duration_seconds_count\{action="route"\} [1-9]/m);
    assert.match(res.text, /^switchyard_route_requests_rejected_total\{code="invalid_json"\} 1$/m);
    assert.match(res.text, /^process_cpu_user_seconds_total /m);
    assert.doesNotMatch(res.text, /derivative/);
  });
});

describe('control plane lifecycle', () => {
  it('names the port when it is already in use', async () => {
    const first = await startControlPlane({ port: 0 });
    try {
      await assert.rejects(startControlPlane({ port: first.port }), {
        message: `switchyard control plane: cannot listen on 127.0.0.1:${first.port}: port ${first.port} is already in use`,
      });
    } finally {
      await first.close();
    }
  });

  it('refuses to start with an invalid config, naming the file and the problem', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'switchyard-cp-')), 'bad.yaml');
    writeFileSync(path, 'version: 1\ndefault_model: x\nmodels: [{ name: y, backend: { type: demo } }]\n');
    await assert.rejects(startControlPlane({ port: 0, configPath: path }), (err: Error) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.message, `invalid config ${path}:\n  default_model: unknown model "x"`);
      return true;
    });
  });

  it('is not ready until the classifier has loaded', async () => {
    const { classifier, finishInit, release } = controlledClassifier();
    release();
    const cp = await startControlPlane({ port: 0, createClassifier: () => classifier });
    try {
      assertError(await call(cp.port, '/readyz'), 503, 'not_ready', 'not ready: classifier is still loading');
      assertError(await route(cp.port, GUIDE_REQUEST), 503, 'not_ready', 'not ready: classifier is still loading');
      assert.equal((await call(cp.port, '/healthz')).status, 200);
      finishInit();
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal((await call(cp.port, '/readyz')).status, 200);
      assert.equal((await route(cp.port, GUIDE_REQUEST)).status, 200);
    } finally {
      await cp.close();
    }
  });

  it('stays unready with the cause when the classifier fails to load', async (t) => {
    t.mock.method(console, 'error', () => {});
    const { classifier, finishInit } = controlledClassifier();
    const cp = await startControlPlane({ port: 0, createClassifier: () => classifier });
    try {
      finishInit(new Error('model file missing'));
      await new Promise((resolve) => setImmediate(resolve));
      assertError(await call(cp.port, '/readyz'), 503, 'not_ready', 'not ready: classifier failed to load: model file missing');
    } finally {
      await cp.close();
    }
  });

  it('drains in-flight requests on close', async () => {
    const { classifier, finishInit, release } = controlledClassifier();
    finishInit();
    const cp = await startControlPlane({ port: 0, createClassifier: () => classifier });
    await new Promise((resolve) => setImmediate(resolve));
    const inFlight = route(cp.port, GUIDE_REQUEST);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closed = cp.close();
    release();
    assert.equal((await inFlight).status, 200);
    await closed;
    await assert.rejects(fetch(`http://127.0.0.1:${cp.port}/healthz`));
  });
});

// The config REST API on a real control plane: auth, versions and ETags, validation errors with
// their paths, merge patches, history and rollback, the admin/decision port split, the filter
// module, and that concurrent requests never see a mix of two configs.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startControlPlane, type ControlPlane } from '../../controlplane/server.ts';
import { decide, rulesConfig } from './config-helpers.ts';

const TOKEN = 'test-admin-token-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'switchyard-config-api-'));

function writeConfig(name: string, document: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(document));
  return path;
}

async function call(port: number, path: string, init: RequestInit = {}) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, init);
  const text = await res.text();
  const isJson = (res.headers.get('content-type') ?? '').includes('json');
  return { status: res.status, headers: res.headers, body: isJson ? JSON.parse(text) : undefined, text };
}

function write(port: number, method: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  return call(port, path, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('config API', () => {
  let cp: ControlPlane;
  const seed = rulesConfig('alpha', 'math-model');

  before(async () => {
    cp = await startControlPlane({ port: 0, configPath: writeConfig('seed.json', seed), adminToken: TOKEN });
    await cp.ready;
  });
  after(() => cp.close());

  it('serves the seed as version 1 with its ETag', async () => {
    const res = await call(cp.port, '/v1/config');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('etag'), '"1"');
    assert.deepEqual(res.body, seed);
  });

  it('refuses writes without a token (401, with WWW-Authenticate) or with a wrong one', async () => {
    const missing = await call(cp.port, '/v1/config', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(seed) });
    assert.equal(missing.status, 401);
    assert.match(missing.body.error.message, /missing bearer token/);
    assert.match(missing.headers.get('www-authenticate') ?? '', /^Bearer/);
    const wrong = await write(cp.port, 'PUT', '/v1/config', seed, { authorization: 'Bearer nope' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.message, 'invalid bearer token');
    const rollback = await call(cp.port, '/v1/config/rollback', { method: 'POST', body: '{"version":1}' });
    assert.equal(rollback.status, 401);
  });

  it('applies a PUT at once: the next decision uses it', async () => {
    const res = await write(cp.port, 'PUT', '/v1/config', rulesConfig('beta', 'code-model'));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.version, 2);
    assert.equal(res.headers.get('etag'), '"2"');
    assert.deepEqual(await decide(cp.port, 'hello there'), { model: 'code-model', category: 'beta' });
  });

  it('answers a stale If-Match with 409 and changes nothing', async () => {
    const res = await write(cp.port, 'PUT', '/v1/config', rulesConfig('gamma', 'general'), { 'if-match': '"1"' });
    assert.equal(res.status, 409);
    assert.equal(res.body.error.code, 'version_conflict');
    assert.match(res.body.error.message, /expected version 1, the store is at version 2/);
    assert.equal((await call(cp.port, '/v1/config')).headers.get('etag'), '"2"');
  });

  it('rejects a malformed If-Match precisely', async () => {
    const res = await write(cp.port, 'PUT', '/v1/config', seed, { 'if-match': 'yesterday' });
    assert.equal(res.status, 400);
    assert.match(res.body.error.message, /If-Match: expected a config version ETag such as "5"/);
  });

  it('lists every problem of an invalid config with its JSON path, and applies nothing', async () => {
    const bad = { ...rulesConfig('beta', 'code-model'), models: [{ name: 'bad name', backend: { type: 'demo' } }], colour: 'blue' };
    const res = await write(cp.port, 'PUT', '/v1/config', bad);
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'invalid_config');
    const paths = res.body.error.errors.map((e: { path: string }) => e.path);
    assert.ok(paths.includes('colour'), JSON.stringify(res.body.error.errors));
    assert.ok(paths.includes('models[0].name'), JSON.stringify(res.body.error.errors));
    assert.equal((await call(cp.port, '/v1/config')).headers.get('etag'), '"2"');
  });

  it('refuses changes to sections read only at startup, saying why', async () => {
    const res = await write(cp.port, 'PUT', '/v1/config', { ...rulesConfig('beta', 'code-model'), inference: { device: 'cuda' } });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.error.errors.map((e: { path: string }) => e.path), ['inference']);
    assert.match(res.body.error.errors[0].message, /read once at startup .* restart/);
  });

  it('rejects bodies that are not JSON, and non-object merge patches', async () => {
    const res = await write(cp.port, 'PUT', '/v1/config', '{"version": 1,');
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'invalid_json');
    const patch = await write(cp.port, 'PATCH', '/v1/config', '[1]', { 'content-type': 'application/merge-patch+json' });
    assert.equal(patch.status, 400);
    assert.match(patch.body.error.message, /merge patch \(RFC 7396\) must be a JSON object/);
  });

  it('merges a PATCH (RFC 7396): members replaced, null deletes', async () => {
    const res = await write(cp.port, 'PATCH', '/v1/config', { default_model: 'math-model', trigger_models: ['auto', 'router'] }, {
      'content-type': 'application/merge-patch+json',
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.version, 3);
    assert.equal(res.headers.get('etag'), '"3"');
    assert.deepEqual(await decide(cp.port, 'unrelated'), { model: 'math-model', category: 'none' });
    // The model list clients read names the new trigger at once.
    const listed = await call(cp.port, '/v1/models');
    assert.deepEqual(listed.body.data.slice(0, 2).map((m: { id: string }) => m.id), ['auto', 'router']);
    const removed = await write(cp.port, 'PATCH', '/v1/config', { trigger_models: null });
    assert.equal(removed.status, 200, removed.text);
    const current = await call(cp.port, '/v1/config');
    assert.equal(current.body.trigger_models, undefined);
    assert.equal(current.body.default_model, 'math-model');
  });

  it('accepts YAML documents', async () => {
    const yaml = `version: 1\ndefault_model: general\nmodels:\n  - {name: general, backend: {type: demo}}\n  - {name: code-model, backend: {type: demo}}\ncategories:\n  - {name: yamlcat, model: code-model, keywords: [hello]}\nclassifier: {encoder: false}\n`;
    const res = await write(cp.port, 'PUT', '/v1/config', yaml, { 'content-type': 'application/yaml' });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(await decide(cp.port, 'hello'), { model: 'code-model', category: 'yamlcat' });
  });

  it('validates without applying (no token needed for a dry run)', async () => {
    const before = (await call(cp.port, '/v1/config')).headers.get('etag');
    const ok = await call(cp.port, '/v1/config/validate', { method: 'POST', body: JSON.stringify(seed) });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body, { valid: true });
    const bad = await call(cp.port, '/v1/config/validate', { method: 'POST', body: JSON.stringify({ ...seed, default_model: 'nope' }) });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.error.errors, [{ path: 'default_model', message: 'unknown model "nope"' }]);
    assert.equal((await call(cp.port, '/v1/config')).headers.get('etag'), before);
  });

  it('keeps a history and rolls back to an earlier version as a new version', async () => {
    const history = await call(cp.port, '/v1/config/history');
    assert.equal(history.status, 200);
    const versions = history.body.versions.map((v: { version: number }) => v.version);
    assert.deepEqual(versions, [...versions].sort((a, b) => b - a), 'newest first');
    assert.equal(history.body.versions[0].current, true);
    const latest = versions[0];
    const res = await write(cp.port, 'POST', '/v1/config/rollback', { version: 1 });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.rolled_back_to, 1);
    assert.equal(res.body.version, latest + 1);
    assert.deepEqual((await call(cp.port, '/v1/config')).body, seed);
    assert.deepEqual(await decide(cp.port, 'hello'), { model: 'math-model', category: 'alpha' });
  });

  it('answers rollbacks to unknown or malformed versions precisely', async () => {
    const unknown = await write(cp.port, 'POST', '/v1/config/rollback', { version: 999 });
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.error.message, /config version 999 is not in the history/);
    const malformed = await write(cp.port, 'POST', '/v1/config/rollback', { version: 'latest' });
    assert.equal(malformed.status, 400);
    assert.match(malformed.body.error.message, /^version: expected a positive integer/);
  });

  it('gives every concurrent decision wholly one config while configs are swapped', async () => {
    const a = rulesConfig('alpha', 'math-model');
    const b = rulesConfig('beta', 'code-model');
    const decisions: Promise<{ model: string; category: string }>[] = [];
    for (let i = 0; i < 20; i++) {
      const put = write(cp.port, 'PUT', '/v1/config', i % 2 === 0 ? b : a);
      for (let j = 0; j < 10; j++) decisions.push(decide(cp.port, 'hello'));
      assert.equal((await put).status, 200);
    }
    const seen = new Set((await Promise.all(decisions)).map((d) => `${d.category}->${d.model}`));
    for (const pair of seen) assert.ok(['alpha->math-model', 'beta->code-model'].includes(pair), `mixed decision ${pair}`);
    // The last PUT (i = 19) installed `a`.
    assert.deepEqual(await decide(cp.port, 'hello'), { model: 'math-model', category: 'alpha' });
  });
});

describe('config API without a token', () => {
  it('refuses writes, saying how to configure one', async () => {
    const cp = await startControlPlane({ port: 0, configPath: writeConfig('no-token.json', rulesConfig('alpha', 'math-model')) });
    try {
      const res = await write(cp.port, 'PUT', '/v1/config', rulesConfig('alpha', 'math-model'));
      assert.equal(res.status, 403);
      assert.equal(res.body.error.code, 'writes_disabled');
      assert.match(res.body.error.message, /set the SWITCHYARD_ADMIN_TOKEN environment variable or start the control plane with --admin-token-file FILE/);
    } finally {
      await cp.close();
    }
  });
});

describe('admin port', () => {
  let cp: ControlPlane;
  const wasm = Buffer.from('\0asm\x01\0\0\0test module');
  const wasmFile = join(dir, 'filter.wasm');

  before(async () => {
    writeFileSync(wasmFile, wasm);
    cp = await startControlPlane({ port: 0, adminPort: 0, configPath: writeConfig('split.json', rulesConfig('alpha', 'math-model')), adminToken: TOKEN, wasmFile });
    await cp.ready;
  });
  after(() => cp.close());

  it('serves config, metrics and the filter only on the admin port', async () => {
    assert.notEqual(cp.adminPort, cp.port);
    assert.equal((await call(cp.port, '/v1/config')).status, 404);
    assert.equal((await write(cp.port, 'PUT', '/v1/config', rulesConfig('beta', 'code-model'))).status, 404);
    assert.equal((await call(cp.port, '/metrics')).status, 404);
    assert.equal((await call(cp.adminPort, '/v1/config')).status, 200);
    const metrics = await call(cp.adminPort, '/metrics');
    assert.match(metrics.text, /^switchyard_config_version 1$/m);
    // The decision API stays on the decision port; health on both.
    assert.equal((await call(cp.adminPort, '/v1/route', { method: 'POST', body: '{}' })).status, 404);
    assert.equal((await decide(cp.port, 'hello')).model, 'math-model');
    for (const port of [cp.port, cp.adminPort]) assert.equal((await call(port, '/readyz')).status, 200);
  });

  it('serves the filter module with its sha256', async () => {
    const sha = createHash('sha256').update(wasm).digest('hex');
    const res = await fetch(`http://127.0.0.1:${cp.adminPort}/filter/switchyard.wasm`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/wasm');
    assert.equal(res.headers.get('x-checksum-sha256'), sha);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), wasm);
    const again = await fetch(`http://127.0.0.1:${cp.adminPort}/filter/switchyard.wasm`, { headers: { 'if-none-match': `"sha256:${sha}"` } });
    assert.equal(again.status, 304);
    assert.equal((await call(cp.adminPort, '/filter/switchyard.wasm.sha256')).text, `${sha}  switchyard.wasm\n`);
  });

  it('says how to build the module when it is missing', async () => {
    const other = await startControlPlane({ port: 0, configPath: writeConfig('nowasm.json', rulesConfig('alpha', 'math-model')), wasmFile: join(dir, 'absent.wasm') });
    try {
      const res = await call(other.port, '/filter/switchyard.wasm');
      assert.equal(res.status, 404);
      assert.match(res.body.error.message, /cannot read .*absent\.wasm \(ENOENT\); build it with "npm run build:filter" or pass --wasm FILE/);
    } finally {
      await other.close();
    }
  });
});

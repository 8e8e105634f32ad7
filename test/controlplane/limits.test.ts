// What one client can make the control plane take on: nesting depth, decisions in flight, and a
// graceful stop that finishes the requests already in flight.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { nestsDeeperThan } from '../../controlplane/http.ts';
import { startControlPlane } from '../../controlplane/server.ts';
import type { Classifier } from '../../controlplane/signals.ts';
import { startControlPlaneProcess } from '../cli-process.ts';
import { freePort } from '../../scripts/free-port.ts';
import { rulesConfig } from './config-helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-limits-'));
const configPath = join(dir, 'rules.json');
writeFileSync(configPath, JSON.stringify(rulesConfig('alpha', 'math-model')));
const ROUTE = { version: 1, api: 'openai.chat', path: '/v1/chat/completions', model: 'auto', prompt: 'hello', stream: false };

const route = (port: number, body: string) => fetch(`http://127.0.0.1:${port}/v1/route`, { method: 'POST', body });

describe('JSON depth limit', () => {
  it('counts nesting on the bytes, ignoring brackets inside strings', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    assert.equal(nestsDeeperThan(enc('[[[]]]'), 3), false);
    assert.equal(nestsDeeperThan(enc('[[[[]]]]'), 3), true);
    assert.equal(nestsDeeperThan(enc('{"a":"[[[[\\"[[[["}'), 3), false);
  });

  it('answers 400 too_deep for a body nested past 64 levels, and accepts 64', async () => {
    const cp = await startControlPlane({ port: 0, configPath });
    try {
      const nested = (levels: number) => JSON.stringify({ ...ROUTE, extra: JSON.parse('['.repeat(levels - 1) + ']'.repeat(levels - 1)) });
      const deep = await route(cp.port, nested(65));
      assert.equal(deep.status, 400);
      assert.deepEqual(((await deep.json()) as { error: unknown }).error, {
        message: 'request body nests arrays or objects deeper than 64 levels',
        type: 'invalid_request_error',
        code: 'too_deep',
      });
      assert.equal((await route(cp.port, nested(64))).status, 200);
    } finally {
      await cp.close();
    }
  });
});

describe('decisions in flight', () => {
  it('answers 429 with Retry-After beyond the limit, and serves again once they finish', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow: Classifier = { init: async () => {}, classify: async () => (await gate, {}) };
    const cp = await startControlPlane({ port: 0, configPath, maxInFlight: 2, createClassifier: () => slow });
    try {
      await cp.ready;
      const held = [route(cp.port, JSON.stringify(ROUTE)), route(cp.port, JSON.stringify(ROUTE))];
      // Both held requests must be in flight before the third arrives.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const rejected = await route(cp.port, JSON.stringify(ROUTE));
      assert.equal(rejected.status, 429);
      assert.equal(rejected.headers.get('retry-after'), '1');
      assert.equal(((await rejected.json()) as { error: { code: string; message: string } }).error.message, 'too many requests in flight (limit 2); retry shortly');
      release();
      assert.deepEqual((await Promise.all(held)).map((r) => r.status), [200, 200]);
      assert.equal((await route(cp.port, JSON.stringify(ROUTE))).status, 200);
    } finally {
      release();
      await cp.close();
    }
  });
});

describe('graceful stop', () => {
  it('finishes a request in flight on SIGTERM, then exits 0', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const { child, output } = await startControlPlaneProcess(['--port', String(port), '--config', configPath]);
    // A request whose body is still arriving when the signal comes.
    const body = JSON.stringify(ROUTE);
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    let response = '';
    socket.on('data', (d) => (response += d));
    socket.write(`POST /v1/route HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n`);
    socket.write(body.slice(0, 10));
    await new Promise((resolve) => setTimeout(resolve, 200));
    child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(child.exitCode, null, 'it must wait for the request in flight');
    // New connections are no longer accepted.
    await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`));
    socket.write(body.slice(10));
    await once(socket, 'end');
    assert.match(response, /^HTTP\/1\.1 200 OK/);
    assert.match(response, /"model":"math-model"/);
    const [code] = await once(child, 'exit');
    assert.equal(code, 0, output());
  });
});

describe('prompts stay out of logs and metrics', () => {
  it('a run with PII prompts prints and exports none of them, even logging every decision', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const { child, output } = await startControlPlaneProcess(['--port', String(port), '--config', configPath, '--log-level', 'debug']);
    try {
      const secrets = ['jane.doe@example.com', '4111 1111 1111 1111', '078-05-1120', 'Jane Doe'];
      for (const secret of secrets) {
        assert.equal((await route(port, JSON.stringify({ ...ROUTE, prompt: `hello, I am ${secret}`, system: `remember ${secret}` }))).status, 200);
        // Errors must not echo the prompt either.
        await route(port, JSON.stringify({ ...ROUTE, prompt: `${secret}`, stream: 'yes' }));
      }
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      // One JSON line per decision, with its labels and explanation.
      const decisions = output().split('\n').filter((line) => line.includes('"msg":"decision"')).map((line) => JSON.parse(line) as Record<string, unknown>);
      assert.equal(decisions.length, secrets.length);
      assert.deepEqual(Object.keys(decisions[0] ?? {}), ['time', 'level', 'msg', 'action', 'model', 'category', 'reason', 'tenant', 'api', 'stream', 'config_version', 'duration_ms', 'explanation']);
      assert.equal(decisions[0]?.category, 'alpha');
      for (const secret of secrets) {
        assert.ok(!output().includes(secret), `printed: ${secret}`);
        assert.ok(!metrics.includes(secret), `exported: ${secret}`);
      }
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
});

describe('slow clients', () => {
  it('get 408 when their headers or their body do not arrive in time', { timeout: 30_000 }, async () => {
    const cp = await startControlPlane({ port: 0, configPath, timeouts: { headersMs: 500, requestMs: 1000 } });
    const answer = async (write: (socket: ReturnType<typeof connect>) => void) => {
      const socket = connect(cp.port, '127.0.0.1');
      await once(socket, 'connect');
      let response = '';
      socket.on('data', (d) => (response += d));
      const started = performance.now();
      write(socket);
      await once(socket, 'close');
      return { response, ms: performance.now() - started };
    };
    try {
      const headers = await answer((s) => s.write('POST /v1/route HTTP/1.1\r\nhost: x\r\n'));
      assert.match(headers.response, /^HTTP\/1\.1 408 Request Timeout/);
      const body = await answer((s) => s.write('POST /v1/route HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{"version"'));
      assert.match(body.response, /^HTTP\/1\.1 408 Request Timeout/);
    } finally {
      await cp.close();
    }
  });
});

describe('--log-prompts', () => {
  it('adds prompt and system prompt to decision lines only when asked', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const { child, output } = await startControlPlaneProcess(['--port', String(port), '--config', configPath, '--log-level', 'debug', '--log-prompts']);
    try {
      await route(port, JSON.stringify({ ...ROUTE, prompt: 'hello prompt', system: 'the system' }));
      const line = output().split('\n').find((l) => l.includes('"msg":"decision"'));
      assert.ok(line !== undefined, output());
      const entry = JSON.parse(line) as { prompt?: string; system?: string };
      assert.equal(entry.prompt, 'hello prompt');
      assert.equal(entry.system, 'the system');
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });

  it('--log-level takes only known levels', async () => {
    const { spawnSync } = await import('node:child_process');
    const { BIN } = await import('../cli-process.ts');
    const run = spawnSync(process.execPath, [BIN, 'controlplane', '--port', '1', '--log-level', 'verbose'], { encoding: 'utf8' });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /--log-level must be one of error, warn, info, debug, got "verbose"/);
  });
});

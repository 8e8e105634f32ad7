// Decision traces exported over OTLP/HTTP to a real receiver on loopback (the collector's JSON
// endpoint, POST /v1/traces), through the real HTTP path: the decision span joins the trace of the
// request's traceparent, with classification and policy spans inside it.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startControlPlane } from '../../controlplane/server.ts';
import { createTracing } from '../../controlplane/telemetry/tracing.ts';
import { rulesConfig } from '../controlplane/config-helpers.ts';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: { key: string; value: Record<string, unknown> }[];
}

const dir = mkdtempSync(join(tmpdir(), 'switchyard-tracing-'));
const configPath = join(dir, 'rules.json');
writeFileSync(configPath, JSON.stringify(rulesConfig('alpha', 'math-model')));
const ROUTE = { version: 1, api: 'openai.chat', path: '/v1/chat/completions', model: 'auto', prompt: 'hello there', stream: false };
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';

describe('decision traces over OTLP/HTTP', () => {
  let receiver: Server;
  let endpoint: string;
  const spans: OtlpSpan[] = [];
  const contentTypes: string[] = [];

  before(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        assert.equal(req.url, '/v1/traces');
        contentTypes.push(req.headers['content-type'] ?? '');
        const doc = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
        for (const rs of doc.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    }).listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  });
  after(() => new Promise((resolve) => receiver.close(resolve)));

  it("joins the caller's trace, with classification and policy spans inside the decision", async () => {
    const cp = await startControlPlane({ port: 0, configPath, tracing: createTracing({ endpoint, flushDelayMs: 50 }) });
    await cp.ready;
    const res = await fetch(`http://127.0.0.1:${cp.port}/v1/route`, {
      method: 'POST',
      body: JSON.stringify({ ...ROUTE, headers: { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` } }),
    });
    assert.equal(res.status, 200);
    // Closing flushes what is still batched.
    await cp.close();

    assert.ok(contentTypes.every((t) => t.startsWith('application/json')), contentTypes.join());
    const decision = spans.find((s) => s.name === 'switchyard.decision');
    assert.ok(decision, `spans: ${spans.map((s) => s.name).join(', ')}`);
    assert.equal(decision.traceId, TRACE_ID);
    assert.equal(decision.parentSpanId, PARENT_ID);
    const attribute = (span: OtlpSpan, key: string) => Object.values(span.attributes.find((a) => a.key === key)?.value ?? {})[0];
    assert.equal(attribute(decision, 'switchyard.category'), 'alpha');
    assert.equal(attribute(decision, 'switchyard.model'), 'math-model');
    assert.equal(attribute(decision, 'switchyard.action'), 'route');

    const byName = new Map(spans.map((s) => [s.name, s]));
    for (const name of ['switchyard.classify', 'switchyard.policy']) {
      assert.equal(byName.get(name)?.parentSpanId, decision.spanId, name);
      assert.equal(byName.get(name)?.traceId, TRACE_ID, name);
    }
    // Stage spans (tokenize, encode, heads) come with the encoder, which this rules-only config leaves out:
    // test/classify/server.test.ts checks the stage timings they are built from.
    // Children lie within the decision.
    for (const span of spans.filter((s) => s.traceId === TRACE_ID)) {
      assert.ok(BigInt(span.startTimeUnixNano) >= BigInt(decision.startTimeUnixNano), span.name);
      assert.ok(BigInt(span.endTimeUnixNano) <= BigInt(decision.endTimeUnixNano) + 1000n, span.name);
    }
    // No prompt text travels in spans.
    assert.doesNotMatch(JSON.stringify(spans), /hello there/);
  });

  it('starts a new trace without a traceparent', async () => {
    spans.length = 0;
    const cp = await startControlPlane({ port: 0, configPath, tracing: createTracing({ endpoint, flushDelayMs: 50 }) });
    await cp.ready;
    await fetch(`http://127.0.0.1:${cp.port}/v1/route`, { method: 'POST', body: JSON.stringify(ROUTE) });
    await cp.close();
    const decision = spans.find((s) => s.name === 'switchyard.decision');
    assert.ok(decision);
    assert.notEqual(decision.traceId, TRACE_ID);
    assert.ok(decision.parentSpanId === undefined || decision.parentSpanId === '');
  });

  it('lays the encoder stages out one after another inside classify, rules beside them', async () => {
    spans.length = 0;
    const tracing = createTracing({ endpoint, flushDelayMs: 50 });
    const start = Date.now();
    const timings_ms = { rules: 0.5, tokenize: 1, encode: 10, category: 0.5, jailbreak: 0.25, pii: 0.25, classify: 12.5 };
    tracing.decision(
      { ...ROUTE, version: 1, headers: {} },
      {
        decision: { version: 1, action: 'route', model: 'math-model' },
        category: 'math',
        reason: 'encoder:math:model',
        tenant: 'none',
        explanation: { tenant: 'none', signals: { pii: [] }, category: 'math', decided_by: 'encoder:math:model', candidates: [], fallbacks: [], timings_ms },
      },
      start,
      start + 13,
      1,
    );
    await tracing.close();
    const byName = new Map(spans.map((s) => [s.name.replace('switchyard.', ''), s]));
    const ms = (name: string, edge: 'startTimeUnixNano' | 'endTimeUnixNano') => Number(BigInt(byName.get(name)?.[edge] ?? '0') / 1000n) / 1000 - start;
    assert.deepEqual(
      ['classify.tokenize', 'classify.encode', 'classify.category', 'classify.jailbreak', 'classify.pii'].map((n) => [n, ms(n, 'startTimeUnixNano'), ms(n, 'endTimeUnixNano')]),
      [['classify.tokenize', 0, 1], ['classify.encode', 1, 11], ['classify.category', 11, 11.5], ['classify.jailbreak', 11.5, 11.75], ['classify.pii', 11.75, 12]],
    );
    assert.deepEqual([ms('classify.rules', 'startTimeUnixNano'), ms('classify.rules', 'endTimeUnixNano')], [0, 0.5]);
    assert.deepEqual([ms('policy', 'startTimeUnixNano'), ms('policy', 'endTimeUnixNano')], [12.5, 13]);
    for (const name of ['classify.tokenize', 'classify.rules', 'classify.pii']) assert.equal(byName.get(name)?.parentSpanId, byName.get('classify')?.spanId);
  });

  it('exports nothing when no endpoint is configured', async () => {
    spans.length = 0;
    const cp = await startControlPlane({ port: 0, configPath });
    await cp.ready;
    await fetch(`http://127.0.0.1:${cp.port}/v1/route`, { method: 'POST', body: JSON.stringify(ROUTE) });
    await cp.close();
    assert.equal(spans.length, 0);
  });
});

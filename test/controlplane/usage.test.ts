// Token usage in the control plane: the filter's reports (strictly parsed, labels bounded by the
// config, priced at its prices), the ledger behind GET /v1/usage, and the token and cost metrics.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { validateConfig } from '../../controlplane/config/schema.ts';
import { startControlPlane, type ControlPlane } from '../../controlplane/server.ts';
import { UsageLedger } from '../../controlplane/usage/ledger.ts';
import { parseUsageReport } from '../../controlplane/usage/report.ts';
import { priceRecord } from '../../controlplane/usage/routes.ts';

const CONFIG = {
  version: 1,
  default_model: 'cheap',
  models: [
    { name: 'cheap', backend: { type: 'demo' }, pricing: { input_per_1m: 0.5, output_per_1m: 1.5 } },
    { name: 'strong', backend: { type: 'demo' }, pricing: { input_per_1m: 3, output_per_1m: 15 } },
    { name: 'local', backend: { type: 'demo' } },
  ],
  categories: [{ name: 'math', model: 'strong', keywords: ['integral'] }],
  tenants: { header: 'x-team', overrides: { 'team-a': { default_model: 'cheap' } } },
  classifier: { encoder: false },
};

const record = (model: string, labels: Record<string, string>, prompt: number, completion: number) =>
  ({ model, api: 'openai.chat', stream: false, labels, prompt_tokens: prompt, completion_tokens: completion });

describe('usage reports', () => {
  it('are parsed strictly, every problem named with its path', () => {
    const problem = (body: unknown) => {
      try {
        parseUsageReport(body);
      } catch (err) {
        return (err as Error).message;
      }
      return 'accepted';
    };
    assert.equal(problem([]), 'request body must be a JSON object, got array');
    assert.equal(problem({ records: [] }), 'version: missing required field');
    assert.equal(problem({ version: 2, records: [] }), 'version: unsupported contract version 2 (this control plane speaks 1)');
    assert.equal(problem({ version: 1 }), 'records: missing required field');
    assert.equal(problem({ version: 1, records: {} }), 'records: expected an array, got object');
    assert.equal(problem({ version: 1, records: new Array(10_001).fill(0) }), 'records: at most 10000 records per report, got 10001');
    assert.equal(
      problem({ version: 1, records: [1, { model: 'm', api: 'openai.chat', stream: 'no', prompt_tokens: -1, completion_tokens: 1.5, labels: { tenant: 3 } }] }),
      'records[0]: expected an object, got integer; records[1].stream: expected a boolean, got string; '
        + 'records[1].prompt_tokens: expected an integer between 0 and 1000000000, got -1; '
        + 'records[1].completion_tokens: expected an integer, got number; records[1].labels.tenant: expected a string, got integer',
    );
    assert.deepEqual(parseUsageReport({ version: 1, records: [record('m', {}, 1, 2)], extra: true }), [record('m', {}, 1, 2)]);
  });

  it('are priced at the config prices, with labels the config does not know bounded', () => {
    const config = validateConfig(CONFIG, 'test');
    assert.deepEqual(priceRecord(record('strong', { category: 'math', tenant: 'team-a' }, 1000, 2000), config),
      { model: 'strong', category: 'math', tenant: 'team-a', prompt_tokens: 1000, completion_tokens: 2000, cost_usd: 0.033 });
    assert.deepEqual(priceRecord(record('gone', { category: 'poetry', tenant: 'team-z' }, 1, 1), config),
      { model: 'unknown', category: 'unknown', tenant: 'other', prompt_tokens: 1, completion_tokens: 1, cost_usd: null });
    assert.deepEqual(priceRecord(record('local', {}, 5, 5), config),
      { model: 'local', category: 'none', tenant: 'none', prompt_tokens: 5, completion_tokens: 5, cost_usd: null });
  });
});

describe('usage ledger', () => {
  it('sums per minute over a window, grouped by model, category and tenant, most expensive first', () => {
    let now = Date.parse('2026-12-01T10:00:30Z');
    const ledger = new UsageLedger(() => now);
    const add = (model: string, category: string, tenant: string, cost: number | null) =>
      ledger.add({ model, category, tenant, prompt_tokens: 10, completion_tokens: 20, cost_usd: cost });
    add('cheap', 'none', 'none', 0.001);
    now += 2 * 60_000;
    add('strong', 'math', 'team-a', 0.02);
    add('strong', 'math', 'none', 0.02);
    add('local', 'none', 'team-a', null);
    const hour = ledger.summarize(3_600_000);
    assert.deepEqual(hour.totals, { requests: 4, prompt_tokens: 40, completion_tokens: 80, cost_usd: 0.041, unpriced_requests: 1 });
    assert.deepEqual(hour.by_model.map((r) => [r.model, r.requests, r.cost_usd]), [['strong', 2, 0.04], ['cheap', 1, 0.001], ['local', 1, 0]]);
    assert.deepEqual(hour.by_tenant.map((r) => [r.tenant, r.requests, r.unpriced_requests]), [['none', 2, 0], ['team-a', 2, 1]]);
    assert.deepEqual(hour.window, { from: '2026-12-01T09:03:00.000Z', to: '2026-12-01T10:02:30.000Z', seconds: 3600 });
    // One minute is the current minute only; filters keep entries whose labels match.
    assert.equal(ledger.summarize(60_000).totals.requests, 3);
    assert.deepEqual(ledger.summarize(3_600_000, { tenant: 'team-a' }).by_model.map((r) => r.model), ['strong', 'local']);
    assert.equal(ledger.summarize(3_600_000, { tenant: 'team-a', category: 'none' }).totals.requests, 1);
    // After a day everything has aged out.
    now += 24 * 3_600_000;
    assert.deepEqual(ledger.summarize(24 * 3_600_000).totals, { requests: 0, prompt_tokens: 0, completion_tokens: 0, cost_usd: 0, unpriced_requests: 0 });
  });
});

describe('usage API', () => {
  let cp: ControlPlane;
  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-usage-'));
    const path = join(dir, 'c.json');
    writeFileSync(path, JSON.stringify(CONFIG));
    cp = await startControlPlane({ port: 0, adminPort: 0, configPath: path });
    await cp.ready;
  });
  after(() => cp.close());

  const post = (body: string) => fetch(`http://127.0.0.1:${cp.port}/v1/usage/report`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const get = async (query = '') => {
    const res = await fetch(`http://127.0.0.1:${cp.adminPort}/v1/usage${query}`);
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  it('takes reports on the decision port and summarizes them on the admin port, with metrics', async () => {
    const res = await post(JSON.stringify({ version: 1, records: [
      record('strong', { category: 'math', tenant: 'team-a' }, 1000, 2000),
      record('cheap', { category: 'none', tenant: 'none' }, 2000, 1000),
    ] }));
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { accepted: 2 });
    const { status, body } = await get('?window=15m');
    assert.equal(status, 200);
    assert.equal(body.window.seconds, 900);
    assert.deepEqual(body.totals, { requests: 2, prompt_tokens: 3000, completion_tokens: 3000, cost_usd: 0.0355, unpriced_requests: 0 });
    assert.deepEqual(body.by_category.map((r: any) => [r.category, r.cost_usd]), [['math', 0.033], ['none', 0.0025]]);
    assert.deepEqual((await get('?model=cheap')).body.totals.requests, 1);
    assert.equal((await fetch(`http://127.0.0.1:${cp.port}/v1/usage`)).status, 404, 'the summary is not on the decision port');
    const metrics = await (await fetch(`http://127.0.0.1:${cp.adminPort}/metrics`)).text();
    assert.match(metrics, /^switchyard_tokens_total\{kind="completion",model="strong",category="math",tenant="team-a"\} 2000$/m);
    assert.match(metrics, /^switchyard_cost_usd_total\{model="strong",category="math",tenant="team-a"\} 0.033$/m);
    assert.match(metrics, /^switchyard_usage_records_total\{model="cheap",category="none",tenant="none",priced="true"\} 1$/m);
  });

  it('answers bad reports and queries with 400 and the precise problem, other methods with 405', async () => {
    const bad = await post('{"version":1,"records":[{"model":"x"}]}');
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as any).error.message, /^records\[0\]\.api: missing required field; records\[0\]\.stream: missing required field/);
    assert.equal((await post('{"version":1,')).status, 400);
    for (const [query, message] of [
      ['?window=2d', 'window: expected minutes or hours from 1m to 24h, such as 15m or 6h, got "2d"'],
      ['?window=25h', 'window: expected minutes or hours from 1m to 24h, such as 15m or 6h, got "25h"'],
      ['?modle=cheap', 'modle: unknown query parameter (expected window, model, category, tenant)'],
      ['?model=a&model=b', 'model: give it once, as a plain value'],
    ]) {
      const { status, body } = await get(query);
      assert.equal(status, 400, query);
      assert.equal(body.error.message, message);
    }
    assert.equal((await fetch(`http://127.0.0.1:${cp.adminPort}/v1/usage`, { method: 'POST' })).status, 405);
    assert.equal((await fetch(`http://127.0.0.1:${cp.port}/v1/usage/report`)).status, 405);
  });
});

// The Grafana dashboard's queries (manifests/monitoring/dashboard.json) against a real Prometheus
// scraping the local stack: the control plane's /metrics and Envoy's /stats/prometheus. Every query
// must evaluate without error, and the ones fed by the traffic sent here must return series.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cacheDir } from '../../scripts/k8s/setup.mjs';
import { freePort } from '../../scripts/free-port.ts';
import { chatBody, post, SUITE, useStack } from '../integration/harness.ts';

const PROMETHEUS = join(cacheDir, 'bin', 'prometheus');
const DASHBOARD = fileURLToPath(new URL('../../manifests/monitoring/dashboard.json', import.meta.url));
const skip = existsSync(PROMETHEUS) ? false : `${PROMETHEUS} not built (npm test builds it through scripts/k8s/setup.mjs)`;

interface Panel {
  title: string;
  targets: { expr: string }[];
}

// Panels whose series exist only after events this test does not cause (blocks, jailbreaks).
const MAY_BE_EMPTY = new Set(['Blocks by reason', 'Jailbreak detections by action', 'Filter failures by cause']);

describe('dashboard queries against a real Prometheus', { ...SUITE, skip }, () => {
  const stack = useStack({ failure_mode: 'open' });
  // A follow-up routed by its conversation, for the panel that counts them.
  const followUp = async () => {
    const messages = [{ role: 'user', content: 'What role do mitochondria play in cellular respiration?' }, { role: 'user', content: 'Can you explain that more simply?' }];
    assert.equal((await post(stack().url, '/v1/chat/completions', JSON.stringify({ model: 'auto', messages }))).status, 200);
  };
  let prometheus: ChildProcess | undefined;
  let url = '';

  before(async () => {
    // Traffic first, so every metric the panels read has series.
    for (const prompt of ['What is the derivative of f(x) = x^3?', 'Fix this python function', 'Write a haiku about rain', 'Email jane.doe@example.com the report']) {
      assert.equal((await post(stack().url, '/v1/chat/completions', chatBody('auto', prompt))).status, 200);
    }
    await followUp();
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-prometheus-'));
    const admin = new URL(stack().adminUrl);
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        'scrape_configs:',
        `  - { job_name: controlplane, metrics_path: /metrics, static_configs: [{ targets: ["127.0.0.1:${stack().controlPlanePort}"] }] }`,
        `  - { job_name: envoy, metrics_path: /stats/prometheus, static_configs: [{ targets: ["${admin.host}"] }] }`,
      ].join('\n'),
    );
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    prometheus = spawn(PROMETHEUS, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], {
      stdio: 'ignore',
    });
    // Both targets up, then a few more scrapes so rate() has samples on both sides of the traffic.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const res = await fetch(`${url}/api/v1/targets`).catch(() => undefined);
      const active = res?.ok ? ((await res.json()) as { data: { activeTargets: { health: string }[] } }).data.activeTargets : [];
      if (active.length === 2 && active.every((t) => t.health === 'up')) break;
      assert.ok(Date.now() < deadline, 'Prometheus targets not up within 60 s');
      await sleep(250);
    }
    for (const prompt of ['Solve the equation x + 1 = 3', 'Explain recursion in javascript']) await post(stack().url, '/v1/chat/completions', chatBody('MoM', prompt));
    await followUp();
    await sleep(3000);
  }, { timeout: 120_000 });
  after(() => {
    prometheus?.kill('SIGTERM');
  });

  it('evaluates every panel query; those fed by the traffic return series', async () => {
    const panels = (JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[] }).panels;
    assert.ok(panels.length >= 10);
    for (const panel of panels) {
      for (const { expr } of panel.targets) {
        const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
        const body = (await res.json()) as { status: string; error?: string; data?: { result: unknown[] } };
        assert.equal(body.status, 'success', `${panel.title}: ${expr}: ${body.error}`);
        if (!MAY_BE_EMPTY.has(panel.title)) assert.ok((body.data?.result.length ?? 0) > 0, `${panel.title}: no series for ${expr}`);
      }
    }
  });
});

// `npm run load`: a bounded load test through the real local stack (`switchyard up` in a child
// process: Envoy with the filter, the control plane, the demo LLMs). Reports throughput, latency
// percentiles, errors, and memory over time: the switchyard process (control plane + demo LLMs),
// Envoy, and the filter's wasm memory gauge. Figures go into docs/RELIABILITY.md.
//
//   node --import tsx scripts/load.ts [--scenario mix|memory] [--requests N] [--concurrency C]
//
// mix:    the shipped config (encoder on), a realistic prompt mix: every category, short chat and
//         long documents, explicit models, streams.
// memory: a rules-only config (no encoder, so the filter is the bottleneck), trigger requests only,
//         100,000 by default: the wasm VM's memory and the processes' RSS must stay flat.

import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse, stringify } from 'yaml';
import { DEFAULT_CONFIG_PATH } from '../controlplane/config/load.ts';
import { freePort } from './free-port.ts';

const BIN = fileURLToPath(new URL('../bin/switchyard.js', import.meta.url));

const PROMPTS: { model: string; prompt: string; stream?: boolean }[] = [
  { model: 'auto', prompt: 'What is the derivative of f(x) = x^3 + 2x?' },
  { model: 'MoM', prompt: 'Solve the equation 3x + 7 = 22 and explain each step.' },
  { model: 'auto', prompt: 'Write a Python function that returns the n-th Fibonacci number iteratively.' },
  { model: 'auto', prompt: 'Why does my JavaScript promise chain swallow errors? Show a fix.' },
  { model: 'auto', prompt: 'What role do mitochondria play in cellular respiration?' },
  { model: 'auto', prompt: 'Explain the difference between fiscal and monetary policy.' },
  { model: 'auto', prompt: 'Summarize the causes of the First World War in three paragraphs.' },
  { model: 'auto', prompt: 'Write a haiku about autumn rain in the city.' },
  { model: 'auto', prompt: 'What are the elements of a valid contract under common law?' },
  { model: 'auto', prompt: 'How does a transformer neural network use attention?' },
  { model: 'auto', prompt: 'hi' },
  { model: 'auto', prompt: 'Can you recommend a good book for a long flight?' },
  { model: 'auto', prompt: `Please review this document and list its three main claims:\n${'The quarterly report shows steady growth in all regions, with costs under control. '.repeat(30)}` },
  { model: 'auto', prompt: 'Translate into French: the meeting is moved to Thursday afternoon.', stream: true },
  { model: 'code-model', prompt: 'Refactor this loop into a list comprehension: for x in xs: out.append(x * 2)' },
  { model: 'general', prompt: 'Tell me a fun fact about octopuses.', stream: true },
];

interface Sample {
  at: number;
  switchyardRss: number;
  envoyRss: number;
  wasmBytes: number;
}

function rssOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(line?.split(/\s+/)[1] ?? 0) * 1024;
}

/** Envoy is the stack's child process named envoy. */
function envoyPid(parent: number): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8').trim();
      const [, comm, rest] = /^\d+ \((.*)\) (.*)$/.exec(stat) ?? [];
      if (comm === 'envoy' && Number(rest?.split(' ')[1]) === parent) return Number(entry);
    } catch {
      // The process went away while we looked.
    }
  }
  throw new Error(`no envoy process under ${parent}`);
}

async function wasmBytes(adminPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${adminPort}/stats/prometheus`)).text();
  return Number(/^switchyard_wasm_memory_bytes(?:\{[^}]*\})? (\d+)$/m.exec(text)?.[1] ?? 0);
}

async function startStack(configPath: string): Promise<{ child: ChildProcess; port: number; adminPort: number }> {
  const [port, adminPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, [BIN, 'up', '--port', String(port), '--admin-port', String(adminPort), '--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const deadline = Date.now() + 180_000;
  while (!out.includes('ready on')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`switchyard up did not start:\n${out}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, port, adminPort };
}

/** One request; `failure` is the filter's x-switchyard-failure (answered, but not routed). */
function send(agent: Agent, port: number, body: string): Promise<{ status: number; ms: number; failure?: string }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/v1/chat/completions', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      const failure = res.headers['x-switchyard-failure'];
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, ...(typeof failure === 'string' ? { failure } : {}) }));
      res.on('error', () => resolve({ status: 0, ms: performance.now() - started }));
    });
    req.on('error', () => resolve({ status: 0, ms: performance.now() - started }));
    req.end(body);
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function run(scenario: string, requests: number, concurrency: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-load-'));
  const config = parse(readFileSync(DEFAULT_CONFIG_PATH, 'utf8')) as Record<string, unknown>;
  if (scenario === 'memory') config.classifier = { encoder: false };
  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, stringify(config));
  const prompts = scenario === 'memory' ? PROMPTS.filter((p) => p.model === 'auto' && !p.stream) : PROMPTS;
  const bodies = prompts.map((p) => JSON.stringify({ model: p.model, messages: [{ role: 'user', content: p.prompt }], ...(p.stream ? { stream: true } : {}) }));

  const { child, port, adminPort } = await startStack(configPath);
  const envoy = envoyPid(child.pid as number);
  const samples: Sample[] = [];
  const started = performance.now();
  const sample = async () => samples.push({ at: (performance.now() - started) / 1000, switchyardRss: rssOf(child.pid as number), envoyRss: rssOf(envoy), wasmBytes: await wasmBytes(adminPort) });
  await sample();
  const sampler = setInterval(() => void sample(), 1000);

  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let errors = 0;
  const failures = new Map<string, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) {
        const body = bodies[next++ % bodies.length] as string;
        const { status, ms, failure } = await send(agent, port, body);
        if (status === 200) latencies.push(ms);
        else errors++;
        if (failure !== undefined) failures.set(failure, (failures.get(failure) ?? 0) + 1);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  await sample();
  agent.destroy();
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));

  latencies.sort((a, b) => a - b);
  // Warm-up: the first 10% of the run (model load is before the start; caches and JIT settle here).
  const warm = samples.find((s) => s.at >= seconds * 0.1) ?? samples[0];
  const last = samples.at(-1) as Sample;
  const mib = (b: number) => (b / 1048576).toFixed(1);
  console.log(`\n${scenario}: ${requests} requests at concurrency ${concurrency} in ${seconds.toFixed(1)} s`);
  const failedOpen = [...failures].map(([cause, n]) => `${n} ${cause}`).join(', ') || '0';
  console.log('| scenario | requests sent | answered 200 | errors | not routed (failed open) | throughput req/s | p50 ms | p99 ms | p99.9 ms | switchyard RSS MiB (after warm-up → end) | Envoy RSS MiB | wasm memory KiB |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  console.log(
    `| ${scenario} | ${requests} | ${latencies.length} | ${errors} | ${failedOpen} | ${(requests / seconds).toFixed(0)} | ${percentile(latencies, 50).toFixed(1)} | ${percentile(latencies, 99).toFixed(1)} | ${percentile(latencies, 99.9).toFixed(1)} | ${mib(warm.switchyardRss)} → ${mib(last.switchyardRss)} | ${mib(warm.envoyRss)} → ${mib(last.envoyRss)} | ${warm.wasmBytes / 1024} → ${last.wasmBytes / 1024} |`,
  );
  console.log(`memory samples (s: switchyard MiB / Envoy MiB / wasm KiB): ${samples.filter((_, i) => i % Math.max(1, Math.floor(samples.length / 10)) === 0).map((s) => `${s.at.toFixed(0)}: ${mib(s.switchyardRss)}/${mib(s.envoyRss)}/${s.wasmBytes / 1024}`).join(', ')}`);
}

const { values } = parseArgs({ options: { scenario: { type: 'string' }, requests: { type: 'string' }, concurrency: { type: 'string' } } });
const scenarios = values.scenario === undefined ? ['mix', 'memory'] : [values.scenario];
for (const scenario of scenarios) {
  if (scenario !== 'mix' && scenario !== 'memory') throw new Error(`--scenario must be mix or memory, got "${scenario}"`);
  const requests = Number(values.requests ?? (scenario === 'memory' ? 100_000 : 1_500));
  const concurrency = Number(values.concurrency ?? (scenario === 'memory' ? 16 : 2));
  await run(scenario, requests, concurrency);
}

// `npm run bench`: what the filter costs, measured through real Envoy on loopback.
//
//   npm run bench [-- --duration 10 --warmup 2 --rounds 5 --connections 1,8]
//   npm run bench -- --classifier [--models a,b] [--threads 1,2] [--device cpu|cuda|auto] [--rounds 2]
//
// Scenarios side by side in one run, same request shape and demo backend:
//   a) Envoy without the Switchyard filter, b) with the filter and an explicit model (the filter's
//   default: untouched), b') the same routed by header (route_explicit_models), c) with the filter
//   and a trigger model (one control-plane decision per request, token usage read and reported),
//   c') the same with report_usage off.
// Each scenario's measured time is split into rounds that alternate the scenarios, so drift on a shared
// machine (other processes, CPU frequency) lands on all three alike instead of on whichever ran last.
// The stacks run in a child process so the load generator (autocannon, in this process) does not
// share an event loop with the control plane and demo LLMs it measures. Latencies are taken from
// autocannon's per-response timings (sub-millisecond), not its whole-millisecond histogram.

import autocannon from 'autocannon';
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENVOY_VERSION, ensureEnvoy } from './install-envoy.mjs';
import { ensureFilterBuilt } from './prepare.mjs';
import { knownEncoders } from '../controlplane/classify/paths.ts';
import { DEVICES } from '../controlplane/config/classifier.ts';
import { DEFAULT_CONFIG_PATH } from '../controlplane/config/load.ts';
import { EXIT_USAGE, parseFlags, UsageError } from '../stack/command.ts';
import { startStack, type Stack } from '../stack/stack.ts';

interface Urls {
  baseline: string;
  filtered: string;
  routedExplicit: string;
  unmetered: string;
}

const PROMPT = 'What is the derivative of f(x) = x^3?';
const body = (model: string) => JSON.stringify({ model, messages: [{ role: 'user', content: PROMPT }] });

const SCENARIOS = [
  { key: 'a', label: 'a) Envoy, no filter', target: 'baseline', body: body('general') },
  { key: 'b', label: 'b) filter, explicit model (untouched)', target: 'filtered', body: body('general') },
  // The same request with route_explicit_models on (the local stack's setting): the selected-model
  // header and a route re-selection. Side by side with b) it prices routing explicit names by header.
  { key: 'b2', label: "b') filter, explicit model routed by header", target: 'routedExplicit', body: body('general') },
  { key: 'c', label: 'c) filter, control-plane decision', target: 'filtered', body: body('MoM') },
  // The same with report_usage off: side by side with c) it prices reading each routed response's
  // token usage and the per-second reports.
  { key: 'c2', label: "c') the same, report_usage off", target: 'unmetered', body: body('MoM') },
] as const;

// Each Envoy gets one worker: on a small box that keeps Envoy, the servers and the load generator
// from fighting over cores more than they must, and it is the same for every scenario.
const ENVOY_WORKERS = 1;

/**
 * The shipped routing with `classifier.encoder: false`: the bench measures the filter and the
 * decision round trip, so it keeps the rules-only classifier and its numbers stay comparable with
 * earlier runs (encoder cost is measured by the classifier's own evaluation, not here).
 */
function rulesOnlyConfig(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'switchyard-bench-')), 'config.yaml');
  writeFileSync(path, `${readFileSync(DEFAULT_CONFIG_PATH, 'utf8')}\nclassifier: { encoder: false }\n`);
  return path;
}

/** Child process: both stacks, until the parent disconnects or signals. */
async function serve(): Promise<void> {
  const envoyPath = ensureEnvoy();
  const wasmPath = ensureFilterBuilt();
  const stacks: Stack[] = [];
  const stop = async () => {
    await Promise.allSettled(stacks.map((s) => s.close()));
    process.exit(0);
  };
  process.once('disconnect', stop);
  process.once('SIGTERM', stop);
  const configPath = rulesOnlyConfig();
  stacks.push(await startStack({ envoyPath, wasmPath, configPath, filter: false, concurrency: ENVOY_WORKERS }));
  stacks.push(await startStack({ envoyPath, wasmPath, configPath, filter: { route_explicit_models: false }, concurrency: ENVOY_WORKERS }));
  stacks.push(await startStack({ envoyPath, wasmPath, configPath, filter: { route_explicit_models: true }, concurrency: ENVOY_WORKERS }));
  stacks.push(await startStack({ envoyPath, wasmPath, configPath, filter: { route_explicit_models: false, report_usage: false }, concurrency: ENVOY_WORKERS }));
  process.send!({ baseline: stacks[0].url, filtered: stacks[1].url, routedExplicit: stacks[2].url, unmetered: stacks[3].url } satisfies Urls);
}

interface Sample {
  latencies: number[];
  errors: number;
}

interface Result {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function load(url: string, requestBody: string, connections: number, seconds: number): Promise<Sample> {
  const latencies: number[] = [];
  const instance = autocannon({
    url: `${url}/v1/chat/completions`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: requestBody,
    connections,
    duration: seconds,
  });
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status === 200) latencies.push(ms);
  });
  const result = await instance;
  return { latencies, errors: result.errors + result.timeouts + result.non2xx };
}

function summarize(samples: readonly Sample[], seconds: number): Result {
  const latencies = samples.flatMap((s) => s.latencies).sort((x, y) => x - y);
  return {
    rps: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors: samples.reduce((sum, s) => sum + s.errors, 0),
  };
}

const fmt = (n: number, digits: number) => n.toFixed(digits);
const signed = (n: number) => `${n >= 0 ? '+' : ''}${n.toFixed(3)}`;

function table(connections: number, results: Map<string, Result>): string {
  const a = results.get('a')!;
  const rows = SCENARIOS.map(({ key, label }) => {
    const r = results.get(key)!;
    return `| ${label} | ${fmt(r.rps, 0)} | ${fmt(r.p50, 3)} | ${fmt(r.p99, 3)} | ${signed(r.p50 - a.p50)} | ${signed(r.p99 - a.p99)} | ${fmt(r.rps / a.rps, 2)} | ${r.errors} |`;
  });
  return [
    `connections: ${connections}`,
    '',
    '| scenario | req/s | p50 ms | p99 ms | Δp50 vs a (ms) | Δp99 vs a (ms) | req/s vs a | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
}

/**
 * `--classifier`: the encoder's own benchmark instead of the filter's (all four signals per prompt,
 * 16/64/256 tokens, c=1 and c=16, RSS), each encoder in its own process, interleaved
 * (scripts/eval/encoder_tradeoff.ts; its table is the one docs/PERFORMANCE.md records).
 */
function classifierBench(flags: { models?: string; threads?: string; device?: string; rounds?: string }): number {
  const args = [
    ...(flags.models ? ['--models', flags.models] : []), ...(flags.threads ? ['--threads', flags.threads] : []),
    ...(flags.device ? ['--device', flags.device] : []), ...(flags.rounds ? ['--rounds', flags.rounds] : []),
  ];
  const tradeoff = fileURLToPath(new URL('./eval/encoder_tradeoff.ts', import.meta.url));
  return spawnSync(process.execPath, ['--import', 'tsx', tradeoff, ...args], { stdio: 'inherit' }).status ?? 1;
}

async function bench(argv: string[]): Promise<number> {
  const flags = parseFlags('bench', argv, {
    duration: { type: 'string' }, warmup: { type: 'string' }, rounds: { type: 'string' }, connections: { type: 'string' },
    classifier: { type: 'boolean' }, models: { type: 'string' }, threads: { type: 'string' }, device: { type: 'string' },
  });
  const number = (flag: string, value: string | undefined, fallback: number) => {
    const n = value === undefined ? fallback : Number(value);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`bench: --${flag} must be a positive integer, got "${value}"`);
    return n;
  };
  const envoyOnly = (['duration', 'warmup', 'connections'] as const).filter((f) => flags[f] !== undefined);
  const classifierOnly = (['models', 'threads', 'device'] as const).filter((f) => flags[f] !== undefined);
  if (flags.classifier) {
    if (envoyOnly.length) throw new UsageError(`bench: --${envoyOnly.join(', --')} measure the filter; --classifier takes --models, --threads, --device and --rounds`);
    const known = knownEncoders();
    const unknown = (flags.models ?? '').split(',').filter((m) => m !== '' && !known.includes(m));
    if (unknown.length) throw new UsageError(`bench: unknown encoder ${unknown.join(', ')} (expected ${known.join(', ')})`);
    if (flags.device !== undefined && !(DEVICES as readonly string[]).includes(flags.device)) throw new UsageError(`bench: --device must be cpu, cuda or auto, got "${flags.device}"`);
    (flags.threads ?? '1').split(',').forEach((t) => number('threads', t, 1));
    number('rounds', flags.rounds, 1);
    return classifierBench(flags);
  }
  if (classifierOnly.length) throw new UsageError(`bench: --${classifierOnly.join(', --')} need --classifier`);
  const duration = number('duration', flags.duration, 10);
  const warmup = number('warmup', flags.warmup, 2);
  const rounds = number('rounds', flags.rounds, 5);
  if (duration % rounds !== 0) throw new UsageError(`bench: --duration (${duration}) must be a multiple of --rounds (${rounds})`);
  const levels = (flags.connections ?? '1,8').split(',').map((c) => number('connections', c, 1));

  // Prepared here, once, so the child does not race two builds or installs.
  ensureFilterBuilt();
  ensureEnvoy();
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--serve'], { execArgv: ['--import', 'tsx'] });
  try {
    const [urls] = (await Promise.race([
      once(child, 'message'),
      once(child, 'exit').then(([code]) => {
        throw new Error(`the stack process exited (${code}) before it was ready`);
      }),
    ])) as [Urls];

    console.log(`machine: ${cpus().length} x ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB; Node ${process.version}; Envoy ${ENVOY_VERSION} (${ENVOY_WORKERS} worker)`);
    console.log(
      `method: autocannon in this process over loopback; per scenario ${warmup} s warm-up (discarded), ` +
        `then ${duration} s measured in ${rounds} alternating rounds of ${duration / rounds} s\n`,
    );
    for (const connections of levels) {
      const samples = new Map<string, Sample[]>(SCENARIOS.map((s) => [s.key, []]));
      for (const s of SCENARIOS) await load(urls[s.target], s.body, connections, warmup);
      for (let round = 0; round < rounds; round++) {
        for (const s of SCENARIOS) samples.get(s.key)!.push(await load(urls[s.target], s.body, connections, duration / rounds));
      }
      const results = new Map([...samples].map(([key, list]) => [key, summarize(list, duration)]));
      console.log(`${table(connections, results)}\n`);
    }
    return 0;
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
  }
}

if (process.argv.includes('--serve')) {
  await serve();
} else {
  try {
    process.exitCode = await bench(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(err.message);
    process.exitCode = EXIT_USAGE;
  }
}

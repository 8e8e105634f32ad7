// Side-by-side latency of encoder candidates in one invocation on one machine: each (model, threads)
// configuration runs scripts/eval/classify.ts --only latency in its own child process, so RSS is that
// model's alone and one session's thread pool cannot disturb the next. Rounds interleave the
// configurations so that drift in machine load is spread over all of them; load averages are recorded.
//
//   node --import tsx scripts/eval/encoder_tradeoff.ts [--models a,b] [--threads 1,2] [--rounds 2] [--requests 200] [--device cpu|cuda|auto]
//   (the same as `npm run bench -- --classifier ...`)
//
// A model NAME is an encoder of scripts/models/manifest.json, pulled with `switchyard models pull --model NAME`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_MODEL, knownEncoders, REPO_ROOT } from '../../controlplane/classify/paths.ts';

const { values } = parseArgs({
  options: {
    // The default first, then every other encoder the manifest names.
    models: { type: 'string', default: [DEFAULT_MODEL, ...knownEncoders().filter((m) => m !== DEFAULT_MODEL)].join(',') },
    threads: { type: 'string', default: '1,2' },
    rounds: { type: 'string', default: '2' },
    requests: { type: 'string', default: '200' },
    device: { type: 'string', default: 'cpu' },
  },
});
type Lat = { tokens: number; p50: number; p99: number; c16_rps: number; c16_p50: number; c16_p99: number };
const models = values.models.split(',');
const threads = values.threads.split(',').map(Number);
const work = mkdtempSync(join(tmpdir(), 'switchyard-tradeoff-'));
const results = new Map<string, Array<{ latency: Lat[]; rss_mib: number; peak_rss_mib: number }>>();
const load = () => loadavg().map((v) => v.toFixed(2)).join(' ');
console.log(`machine: ${cpus()[0].model}, ${cpus().length} cores; load average at start ${load()}`);
for (let r = 0; r < Number(values.rounds); r++) {
  // Alternate the order per round so neither model always runs first.
  const order = models.flatMap((m) => threads.map((t) => [m, t] as const));
  if (r % 2) order.reverse();
  for (const [m, t] of order) {
    const out = join(work, `${m}-${t}-${r}.json`);
    const res = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts/eval/classify.ts'), '--only', 'latency',
      '--requests', values.requests, '--model', m, '--device', values.device,
      '--threads', String(t), '--json', out], { encoding: 'utf8', cwd: REPO_ROOT });
    if (res.status !== 0) throw new Error(`${m} threads=${t} failed:\n${res.stderr}`);
    const key = `${m}|${t}`;
    results.set(key, [...(results.get(key) ?? []), JSON.parse(readFileSync(out, 'utf8'))]);
    console.error(`round ${r + 1}: ${m} threads=${t} done; load average ${load()}`);
  }
}
rmSync(work, { recursive: true, force: true });
console.log(`load average at end ${load()}`);
// Per cell, the median over rounds (with 2 rounds: the better one is not picked, the mean is). The
// p50 and throughput cells also give the rounds' range: this machine's speed moves between rounds
// by more than most changes being compared (docs/PERFORMANCE.md, "The machine's spread").
const ranged = Number(values.rounds) > 1;
const mid = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const k = s.length >> 1; return s.length % 2 ? s[k] : (s[k - 1] + s[k]) / 2; };
console.log(`\n| encoder | threads | tokens | p50 ms${ranged ? ' (range)' : ''} | p99 ms | c=16 req/s${ranged ? ' (range)' : ''} | c=16 p50 ms | c=16 p99 ms | RSS MiB | peak RSS MiB |`);
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const [key, runs] of results) {
  const [m, t] = key.split('|');
  for (const row of runs[0].latency) {
    const ofRounds = (f: keyof Lat) => runs.map((x) => x.latency.find((l) => l.tokens === row.tokens)![f]);
    const cell = (f: keyof Lat, digits: number) => mid(ofRounds(f)).toFixed(digits);
    const withRange = (f: keyof Lat, digits: number) =>
      ranged ? `${cell(f, digits)} (${Math.min(...ofRounds(f)).toFixed(digits)}–${Math.max(...ofRounds(f)).toFixed(digits)})` : cell(f, digits);
    console.log(`| ${m} | ${t} | ${row.tokens} | ${withRange('p50', 1)} | ${cell('p99', 1)} | ${withRange('c16_rps', 0)} | ` +
      `${cell('c16_p50', 1)} | ${cell('c16_p99', 1)} | ${mid(runs.map((x) => x.rss_mib)).toFixed(0)} | ${mid(runs.map((x) => x.peak_rss_mib)).toFixed(0)} |`);
  }
}

// Evaluates the encoder classifier through the product code path (tokenizer, encoder, heads) and
// measures latency. Quality sets come from scripts/train/prep_*.py (.cache/train/); a missing set
// is reported as skipped, so `--only latency` works without any training data.
//
//   node --import tsx scripts/eval/classify.ts [--only quality|latency] [--requests 200]
//       [--model-dir DIR --heads-dir DIR] [--threads N] [--json FILE]
//
// --model-dir/--heads-dir evaluate a candidate encoder with its own heads (defaults: the product's);
// --threads sets onnxruntime intra-op threads (default: all cores); --json writes the figures for
// scripts/eval/encoder_tradeoff.ts.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createEncoderClassifier } from '../../controlplane/classify/classifier.ts';
import { REPO_ROOT } from '../../controlplane/classify/paths.ts';

const { values } = parseArgs({
  options: {
    only: { type: 'string' }, requests: { type: 'string', default: '200' },
    'model-dir': { type: 'string' }, 'heads-dir': { type: 'string' }, threads: { type: 'string' }, json: { type: 'string' },
  },
});
const TRAIN = join(REPO_ROOT, '.cache', 'train');
const clf = createEncoderClassifier({
  maxQueue: 4096,
  ...(values['model-dir'] ? { modelDir: values['model-dir'] } : {}),
  ...(values['heads-dir'] ? { headsDir: values['heads-dir'] } : {}),
  ...(values.threads ? { intraOpThreads: Number(values.threads) } : {}),
});
const report: Record<string, unknown> = {};
await clf.init();
const jsonl = <T>(name: string): T[] | null => {
  const p = join(TRAIN, name);
  return existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as T) : null;
};

async function category() {
  const rows = jsonl<{ text: string; label: string; split: string }>('mmlu.jsonl')?.filter((r) => r.split === 'test');
  if (!rows) return console.log('category: skipped (run scripts/train/prep_mmlu.py)');
  const labels = [...new Set(rows.map((r) => r.label.replace(/ /g, '_')))].sort();
  const conf = labels.map(() => labels.map(() => 0));
  let ok = 0;
  for (const r of rows) {
    const got = (await clf.analyze(r.text)).category.label;
    const t = labels.indexOf(r.label.replace(/ /g, '_'));
    conf[t][labels.indexOf(got)]++;
    if (labels[t] === got) ok++;
  }
  report.category_accuracy = ok / rows.length;
  console.log(`\ncategory: MMLU-Pro test split (sha256(id)%10==0), n=${rows.length}, accuracy ${(ok / rows.length * 100).toFixed(1)}%`);
  console.log('confusion (rows true, cols predicted):');
  console.log(`${''.padEnd(17)}${labels.map((l) => l.slice(0, 5).padStart(6)).join('')}`);
  labels.forEach((l, i) => console.log(`${l.padEnd(17)}${conf[i].map((v) => String(v).padStart(6)).join('')}`));
}

async function jailbreak() {
  const rows = jsonl<{ text: string; label: number; split: string; src: string }>('jailbreak.jsonl')?.filter((r) => r.split === 'test');
  if (!rows) return console.log('jailbreak: skipped (run scripts/train/prep_jailbreak.py)');
  let tp = 0, fn = 0, fp = 0, tn = 0;
  for (const r of rows) {
    const hit = (await clf.analyze(r.text)).jailbreak.label === 'jailbreak';
    if (r.label === 1) hit ? tp++ : fn++; else hit ? fp++ : tn++;
  }
  report.jailbreak = { recall: tp / (tp + fn), fpr: fp / (fp + tn) };
  console.log(`\njailbreak: PyRIT templates (positives, n=${tp + fn}) + held-out benign (n=${fp + tn}): recall ${(tp / (tp + fn) * 100).toFixed(1)}%, FPR ${(fp / (fp + tn) * 100).toFixed(2)}%`);
}

async function pii() {
  type Row = { text: string; spans: Array<{ type: string; start: number; end: number }>; ignore: Array<{ start: number; end: number }> };
  const rows = jsonl<Row>('pii_test.jsonl');
  if (!rows) return console.log('pii: skipped (run scripts/train/prep_pii.py)');
  const per = new Map<string, { tp: number; fp: number; fn: number }>();
  const at = (t: string) => per.get(t) ?? (per.set(t, { tp: 0, fp: 0, fn: 0 }), per.get(t)!);
  const overlaps = (a: { start: number; end: number }, b: { start: number; end: number }) => a.start < b.end && b.start < a.end;
  for (const r of rows) {
    const got = (await clf.analyze(r.text)).pii.entities.filter((e) => !r.ignore.some((i) => overlaps(i, e)));
    const used = new Set<number>();
    for (const g of r.spans) {
      const k = got.findIndex((e, i) => !used.has(i) && e.type === g.type && overlaps(e, g));
      if (k >= 0) { used.add(k); at(g.type).tp++; } else at(g.type).fn++;
    }
    got.forEach((e, i) => { if (!used.has(i)) at(e.type).fp++; });
  }
  console.log('\npii: presidio-evaluator templates + FakeNameGenerator values (unseen in training), entity match = same type + overlap');
  console.log(`${'type'.padEnd(15)}${'prec'.padStart(7)}${'recall'.padStart(8)}${'F1'.padStart(7)}${'support'.padStart(9)}`);
  const all = { tp: 0, fp: 0, fn: 0 };
  for (const [t, c] of [...per].sort()) {
    all.tp += c.tp; all.fp += c.fp; all.fn += c.fn;
    const p = c.tp / (c.tp + c.fp || 1), rc = c.tp / (c.tp + c.fn || 1);
    console.log(`${t.padEnd(15)}${p.toFixed(3).padStart(7)}${rc.toFixed(3).padStart(8)}${(2 * p * rc / (p + rc || 1)).toFixed(3).padStart(7)}${String(c.tp + c.fn).padStart(9)}`);
  }
  const p = all.tp / (all.tp + all.fp), rc = all.tp / (all.tp + all.fn);
  console.log(`${'micro'.padEnd(15)}${p.toFixed(3).padStart(7)}${rc.toFixed(3).padStart(8)}${(2 * p * rc / (p + rc)).toFixed(3).padStart(7)}${String(all.tp + all.fn).padStart(9)}`);
}

const pct = (xs: number[], q: number) => xs.sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

async function latency() {
  const n = Number(values.requests);
  const word = (i: number) => ['market', 'energy', 'protein', 'theorem', 'contract', 'signal', 'river', 'budget'][i % 8];
  // Texts of exactly N word pieces (each word is one vocabulary entry), varied so no cache effects.
  const text = (tokens: number, seed: number) => Array.from({ length: tokens - 2 }, (_, i) => word(i * 7 + seed)).join(' ');
  const rowsOut: object[] = [];
  report.latency = rowsOut;
  console.log(`\nlatency: ${clf.provider} provider, ${n} requests per row, end-to-end analyze() incl. tokenizer and heads`);
  console.log(`${'tokens'.padEnd(8)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'c=16 req/s'.padStart(12)}${'c=16 p50'.padStart(10)}${'c=16 p99'.padStart(10)}`);
  for (const tokens of [16, 64, 256]) {
    for (let i = 0; i < 10; i++) await clf.analyze(text(tokens, i)); // warm-up
    const serial: number[] = [];
    for (let i = 0; i < n; i++) { const t = performance.now(); await clf.analyze(text(tokens, i)); serial.push(performance.now() - t); }
    const conc: number[] = [];
    let next = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < n) { const i = next++; const t = performance.now(); await clf.analyze(text(tokens, i)); conc.push(performance.now() - t); }
    }));
    const rps = n / ((performance.now() - t0) / 1000);
    rowsOut.push({ tokens, p50: pct(serial, 0.5), p99: pct(serial, 0.99), c16_rps: rps, c16_p50: pct(conc, 0.5), c16_p99: pct(conc, 0.99) });
    console.log(`${String(tokens).padEnd(8)}${pct(serial, 0.5).toFixed(1).padStart(9)}${pct(serial, 0.99).toFixed(1).padStart(9)}${rps.toFixed(1).padStart(12)}${pct(conc, 0.5).toFixed(1).padStart(10)}${pct(conc, 0.99).toFixed(1).padStart(10)}`);
  }
  report.rss_mib = process.memoryUsage().rss / 2 ** 20;
  console.log(`RSS after load: ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
}

if (values.only !== 'latency') { await category(); await jailbreak(); await pii(); }
if (values.only !== 'quality') await latency();
await clf.close();
if (values.json) writeFileSync(values.json, JSON.stringify(report));

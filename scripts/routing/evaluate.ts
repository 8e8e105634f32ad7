// Replays held-out MMLU-Pro questions through the routing strategies and compares accuracy and cost
// with fixed baselines.
//
//   node --import tsx scripts/routing/evaluate.ts [--encoder NAME] [--data DIR] [--prices FILE] [--table FILE]
//        [--k 50] [--prior-weight 20] [--category-threshold 0.5] [--no-write]
//
// Category sources: (i) the ground-truth label (upper bound) and (ii) the product classifier's
// analyze() on each question, with --encoder (default: the default encoder) as the control plane
// loads it (kNN also needs .cache/routing/NAME/questions.emb.*, from embed-questions.ts).
// Operating points are picked on DEV and reported on TEST, so the headline is not tuned on the
// questions it is scored on. Unless --no-write, rewrites the generated block of
// docs/ROUTING-QUALITY.md and docs/routing-quality-curve.svg.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createEncoderClassifier } from '../../controlplane/classify/classifier.ts';
import { readEncoderModel } from '../../controlplane/classify/encoder-model.ts';
import { sha256Hex } from '../../controlplane/classify/hash.ts';
import { DEFAULT_MODEL, modelDirOf } from '../../controlplane/classify/paths.ts';
import { loadQuestions, type QuestionRecord } from './data.ts';
import { loadEmbeddings, type EmbeddingCache } from './embeddings.ts';
import { oracle, randomChoice, replay, type EvalCase, type Result } from './evaluation.ts';
import { nearest } from './knn.ts';
import { dataDir, DEFAULT_PRICES, DEFAULT_TABLE, embeddingsPrefix, REPO_ROOT, routingEncoder } from './paths.ts';
import { svgPlot, type Series } from './plot.ts';
import { loadPrices, requestCost } from './prices.ts';
import type { CategorySignal } from '../../controlplane/signals.ts';
import { categoryName, tableRouter, type TableRouter } from './policy-config.ts';
import { neighborScores, normalizeCategory, pickCheapestWithinMargin, scoresFor, type Neighbor, type RoutingTable } from './strategies.ts';

const { values } = parseArgs({
  options: {
    encoder: { type: 'string', default: DEFAULT_MODEL },
    data: { type: 'string' },
    prices: { type: 'string' },
    table: { type: 'string' },
    k: { type: 'string', default: '50' },
    'prior-weight': { type: 'string', default: '20' },
    'category-threshold': { type: 'string', default: '0.5' },
    'no-write': { type: 'boolean', default: false },
  },
});
const ENCODER = routingEncoder(values.encoder);
const MARGINS = [0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3];
const K = Number(values.k);
const PRIOR_WEIGHT = Number(values['prior-weight']);

const prices = loadPrices(values.prices ?? DEFAULT_PRICES);
const table = JSON.parse(readFileSync(values.table ?? DEFAULT_TABLE, 'utf8')) as RoutingTable;
const models = [...prices.keys()];
const all = loadQuestions(dataDir(values.data));

// Questions missing an outcome for some model (a few dozen gemini answers) are left out rather than
// counted as failures, so no baseline is charged for a gap in the data.
const complete = (q: QuestionRecord) => models.every((m) => q.correct[m] !== undefined);
const evalSet = (split: 'dev' | 'test') => all.filter((q) => q.split === split && complete(q));
const dropped = all.filter((q) => q.split !== 'train' && !complete(q)).length;

function evalCase(q: QuestionRecord): EvalCase {
  const scored = new Map(scoresFor(table, q.category).models.map((s) => [s.model, s]));
  // The recorded answer length where there is one; otherwise the table's estimate for the category.
  const cost = Object.fromEntries(models.map((m) => [m, requestCost(prices.get(m)!, q.inputTokens, q.outputTokens[m] ?? scored.get(m)!.mean_output_tokens)]));
  return { correct: q.correct, cost };
}

/**
 * The product classifier exactly as the control plane runs it (tokenizer, encoder, category head and
 * its threshold: analyze()), plus the cached embeddings the kNN strategy needs; or why unavailable.
 */
async function productClassifier(questions: QuestionRecord[]): Promise<{ emb: EmbeddingCache; categoryOf: Map<string, CategorySignal | undefined> } | string> {
  let sha: string;
  try {
    sha = sha256Hex(readEncoderModel(ENCODER, modelDirOf(ENCODER)));
  } catch (err) {
    return (err as Error).message;
  }
  const emb = loadEmbeddings(embeddingsPrefix(ENCODER), sha, `node --import tsx scripts/routing/embed-questions.ts --encoder ${ENCODER}`);
  if (typeof emb === 'string') return emb;
  const classifier = createEncoderClassifier({ name: ENCODER, categoryThreshold: Number(values['category-threshold']) });
  await classifier.init();
  const categoryOf = new Map<string, CategorySignal | undefined>();
  for (const q of questions) {
    const { category } = await classifier.analyze(q.question);
    // Below the threshold the product reports no category; the policy then routes to default_model.
    categoryOf.set(q.id, category.below_threshold ? undefined : { label: category.label, confidence: category.confidence, source: 'encoder', evidence: 'model' });
  }
  await classifier.close();
  return { emb, categoryOf };
}

interface Point { strategy: string; margin: number; dev: Result; test: Result }

const dev = evalSet('dev');
const test = evalSet('test');
const cases = { dev: dev.map(evalCase), test: test.map(evalCase) };
const sets = { dev, test } as const;

/** Runs one strategy family over all margins on dev and test; route(q, margin) names a model. */
async function sweep(strategy: string, route: (q: QuestionRecord, margin: number) => string | Promise<string>): Promise<Point[]> {
  const points: Point[] = [];
  for (const margin of MARGINS) {
    // Decided one at a time, in order: the product's engine is asynchronous, replay() is not.
    const choose = async (split: 'dev' | 'test') => {
      const picks: string[] = [];
      for (const q of sets[split]) picks.push(await route(q, margin));
      return replay(cases[split], (_, i) => picks[i] as string);
    };
    points.push({ strategy, margin, dev: await choose('dev'), test: await choose('test') });
  }
  return points;
}

// Category routing goes through the control plane's decision engine, configured from the table.
const routers = new Map<number, TableRouter>(MARGINS.map((m) => [m, tableRouter(table, prices, m)]));
const byCategory = (category: (q: QuestionRecord) => CategorySignal | undefined) =>
  (q: QuestionRecord, margin: number) => (routers.get(margin) as TableRouter)(q.question, category(q));

const curves: Point[][] = [await sweep('category, true label', byCategory((q) => ({ label: categoryName(q.category), confidence: 1, source: 'label' })))];
const clf = await productClassifier([...dev, ...test]);
const notes: string[] = [];
if (typeof clf === 'string') {
  notes.push(`Classifier rows are missing: ${clf}.`);
} else {
  const predicted = clf.categoryOf;
  const agree = test.filter((q) => normalizeCategory(predicted.get(q.id)?.label ?? '') === normalizeCategory(q.category)).length;
  const unknown = test.filter((q) => predicted.get(q.id) === undefined).length;
  notes.push(`Product category head (encoder ${ENCODER}) on test: ${(agree / test.length * 100).toFixed(1)}% agree with the true label; ${unknown} of ${test.length} below the ${values['category-threshold']} confidence threshold (routed to default_model).`);
  curves.push(await sweep('category, classifier', byCategory((q) => predicted.get(q.id))));

  // Neighbours come from TRAIN only, found once per question and reused for every margin.
  const train = all.filter((q) => q.split === 'train');
  const trainVecs = train.map((q) => clf.emb.byId.get(q.id)!);
  const neighbors = new Map([...dev, ...test].map((q) => [q.id, nearest(clf.emb.byId.get(q.id)!, trainVecs, K)
    .map((h): Neighbor => ({ similarity: h.similarity, correct: train[h.index].correct }))]));
  curves.push(await sweep(`kNN (k=${K}, prior ${PRIOR_WEIGHT}), classifier`, (q, margin) =>
    pickCheapestWithinMargin(neighborScores(scoresFor(table, predicted.get(q.id)?.label).models, neighbors.get(q.id)!, PRIOR_WEIGHT), margin).model));
}

// Baselines are chosen from the TRAIN scores, as a deployment would choose them.
const bestModel = table.overall.models[0].model;
const cheapestModel = [...table.overall.models].sort((a, b) => a.cost_per_request_usd - b.cost_per_request_usd)[0].model;
const baselines = (split: 'dev' | 'test') => ({
  [`best single (${bestModel})`]: replay(cases[split], () => bestModel),
  [`cheapest (${cheapestModel})`]: replay(cases[split], () => cheapestModel),
  'random model': randomChoice(cases[split]),
  'oracle (cheapest correct)': oracle(cases[split]),
});
const base = { dev: baselines('dev'), test: baselines('test') };
const best = { dev: Object.values(base.dev)[0], test: Object.values(base.test)[0] };

/** "half cost at the best model's accuracy" or "more accuracy at no more cost"; null when neither. */
function meets(r: Result, ref: Result): string | null {
  if (r.accuracy >= ref.accuracy && r.avgCost <= 0.5 * ref.avgCost) return 'acc >= best at <= 50% cost';
  if (r.accuracy > ref.accuracy && r.avgCost <= ref.avgCost) return 'acc > best at <= its cost';
  return null;
}

/** Per family: the cheapest margin that reaches the best single model's DEV accuracy, else the most accurate. */
function devPick(curve: Point[]): Point {
  const ok = curve.filter((p) => p.dev.accuracy >= best.dev.accuracy);
  return ok.length ? ok.reduce((a, b) => (b.dev.avgCost < a.dev.avgCost ? b : a)) : curve.reduce((a, b) => (b.dev.accuracy > a.dev.accuracy ? b : a));
}

const per1k = (usd: number) => (usd * 1000).toFixed(4);
const pct = (x: number) => (x * 100).toFixed(1);
const ci = (r: Result) => `${pct(r.accuracy)} [${pct(r.wilson95[0])}, ${pct(r.wilson95[1])}]`;
const rel = (r: Result) => `${pct(r.avgCost / best.test.avgCost)}%`;

const lines: string[] = [];
lines.push(`Test: ${test.length} questions, dev: ${dev.length} (${dropped} dev/test questions without every model's outcome left out). Table from ${table.overall.n} train questions. Costs in USD per 1,000 requests.`, '');
lines.push(...notes.map((n) => `${n}`), '');
lines.push(`**Headline (margin chosen on dev, scored on test)**: per strategy, the cheapest margin whose dev accuracy reaches the best single model's (${pct(best.dev.accuracy)}% on dev), else the most accurate one.`, '');
lines.push('| strategy | margin | test accuracy % [95% CI] | cost /1k req | cost vs best | target |', '|---|---|---|---|---|---|');
for (const curve of curves) {
  const p = devPick(curve);
  lines.push(`| ${p.strategy} | ${p.margin} | ${ci(p.test)} | ${per1k(p.test.avgCost)} | ${rel(p.test)} | ${meets(p.test, best.test) ?? 'not met'} |`);
}
for (const [name, r] of Object.entries(base.test)) lines.push(`| ${name} | - | ${ci(r)} | ${per1k(r.avgCost)} | ${rel(r)} | baseline |`);
lines.push('', '**Full curve on test (margin 0 = strategy (a), best score per category)**', '');
lines.push('| strategy | margin | dev acc % | dev cost /1k | test accuracy % [95% CI] | test cost /1k | cost vs best | target on test |', '|---|---|---|---|---|---|---|---|');
for (const p of curves.flat()) {
  lines.push(`| ${p.strategy} | ${p.margin} | ${pct(p.dev.accuracy)} | ${per1k(p.dev.avgCost)} | ${ci(p.test)} | ${per1k(p.test.avgCost)} | ${rel(p.test)} | ${meets(p.test, best.test) ?? ''} |`);
}
lines.push('', `Total test cost, best single model: $${best.test.totalCost.toFixed(4)} for ${test.length} requests.`);
const report = lines.join('\n');
console.log(report);

if (!values['no-write']) {
  const series: Series[] = [
    ...curves.map((c) => ({ name: c[0].strategy, points: c.map((p) => ({ cost: p.test.avgCost * 1000, accuracy: p.test.accuracy, label: `margin ${p.margin}` })) })),
    ...Object.entries(base.test).map(([name, r]) => ({ name, baseline: true, points: [{ cost: r.avgCost * 1000, accuracy: r.accuracy }] })),
  ];
  writeFileSync(join(REPO_ROOT, 'docs', 'routing-quality-curve.svg'), svgPlot(series, 'MMLU-Pro test split: accuracy vs cost (margin sweep)', 'average cost, USD per 1,000 requests'));
  const docPath = join(REPO_ROOT, 'docs', 'ROUTING-QUALITY.md');
  const BEGIN = '<!-- BEGIN evaluate.ts output -->';
  const END = '<!-- END evaluate.ts output -->';
  const doc = existsSync(docPath) ? readFileSync(docPath, 'utf8') : '';
  if (doc.includes(BEGIN) && doc.includes(END)) {
    writeFileSync(docPath, `${doc.slice(0, doc.indexOf(BEGIN) + BEGIN.length)}\n${report}\n${doc.slice(doc.indexOf(END))}`);
  } else {
    console.error(`${docPath} has no generated block markers; left unchanged`);
  }
}

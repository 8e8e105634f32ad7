import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_MODEL } from '../../controlplane/classify/paths.ts';
import { loadEmbeddings } from '../../scripts/routing/embeddings.ts';
import { oracle, randomChoice, replay, type EvalCase } from '../../scripts/routing/evaluation.ts';
import { nearest } from '../../scripts/routing/knn.ts';
import { parsePrices, requestCost } from '../../scripts/routing/prices.ts';
import { embeddingsPrefix, routingEncoder } from '../../scripts/routing/paths.ts';
import { splitOf } from '../../scripts/data/split.ts';

// Three questions, two models: "pro" is right on all and costs 10; "flash" is right on one and costs 1.
const cases: EvalCase[] = [
  { correct: { pro: 1, flash: 1 }, cost: { pro: 10, flash: 1 } },
  { correct: { pro: 1, flash: 0 }, cost: { pro: 10, flash: 1 } },
  { correct: { pro: 0, flash: 0 }, cost: { pro: 10, flash: 1 } },
];
const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} != ${b}`);

test('replay scores the chosen model per question and sums its cost', () => {
  const r = replay(cases, (_, i) => (i === 0 ? 'flash' : 'pro'));
  assert.equal(r.n, 3);
  close(r.accuracy, 2 / 3);
  close(r.totalCost, 21);
  close(r.avgCost, 7);
  assert.ok(r.wilson95[0] < r.accuracy && r.accuracy < r.wilson95[1]);
  assert.throws(() => replay(cases, () => 'gpt'), /no outcome or price/);
});

test('oracle takes the cheapest correct model, and the cheapest model when none is correct', () => {
  const r = oracle(cases);
  close(r.accuracy, 2 / 3);
  close(r.totalCost, 1 + 10 + 1);
});

test('random choice is the exact expectation over models', () => {
  const r = randomChoice(cases);
  close(r.accuracy, (1 + 0.5 + 0) / 3);
  close(r.totalCost, 3 * 5.5);
});

test('prices: tiers and explicit prices resolve; a model without either is rejected', () => {
  const p = parsePrices('tiers:\n  "7B": { input: 0.2, output: 0.2 }\nmodels:\n  a: { tier: "7B" }\n  b: { input: 1, output: 4 }\n');
  assert.deepEqual(p.get('a'), { input: 0.2, output: 0.2 });
  close(requestCost(p.get('b')!, 1000, 500), (1000 * 1 + 500 * 4) / 1e6);
  assert.throws(() => parsePrices('models:\n  c: { tier: "70B" }\n'), /c has no valid/);
});

test('nearest returns the k most similar rows, most similar first', () => {
  const v = (...x: number[]) => Float32Array.from(x);
  const rows = [v(1, 0), v(0, 1), v(0.6, 0.8), v(0.8, 0.6)];
  assert.deepEqual(nearest(v(1, 0), rows, 2).map((h) => h.index), [0, 3]);
  assert.deepEqual(nearest(v(0, 1), rows, 10).map((h) => h.index), [1, 2, 3, 0]);
});

test('split matches scripts/train/prep_mmlu.py (values computed with its split_of)', () => {
  assert.equal(splitOf('71'), 'train');
  assert.equal(splitOf('72'), 'test');
  assert.equal(splitOf('77'), 'dev');
  assert.equal(splitOf('12031'), 'train');
});

test('the replay runs the default encoder unless told another, and names the choices for an unknown one', () => {
  assert.equal(routingEncoder(DEFAULT_MODEL), DEFAULT_MODEL);
  assert.equal(routingEncoder('bge-small-en-v1.5-q'), 'bge-small-en-v1.5-q');
  assert.throws(() => routingEncoder('bge-large'), /--encoder: no encoder bge-large; one of .*all-minilm-l6-v2-q-3-tuned.*bge-small-en-v1\.5-q/);
  // One cache per encoder, so replaying another does not overwrite the default's vectors.
  assert.notEqual(embeddingsPrefix(DEFAULT_MODEL), embeddingsPrefix('bge-small-en-v1.5-q'));
});

test('cached question embeddings load by id, and are refused when missing or made from other model bytes, naming the command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-emb-'));
  try {
    const prefix = join(dir, 'questions.emb');
    const command = 'node --import tsx scripts/routing/embed-questions.ts --encoder e';
    assert.equal(loadEmbeddings(prefix, 'abc', command), `no cached embeddings at ${prefix}.{json,f32}; run ${command}`);
    writeFileSync(`${prefix}.f32`, Buffer.from(Float32Array.of(1, 0, 0, 1).buffer));
    writeFileSync(`${prefix}.json`, JSON.stringify({ ids: ['q1', 'q2'], hidden: 2, encoder_sha256: 'abc' }));
    const cache = loadEmbeddings(prefix, 'abc', command);
    assert.ok(typeof cache !== 'string');
    assert.deepEqual([...cache.byId.get('q2')!], [0, 1]);
    assert.equal(loadEmbeddings(prefix, 'def', command), `cached embeddings at ${prefix} come from other model bytes than the encoder's; rerun ${command}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

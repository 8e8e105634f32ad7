import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { LinearHeadJson } from '../../controlplane/classify/heads.ts';
import { mixVotes, NeighbourVote, type NeighboursJson } from '../../controlplane/classify/neighbours.ts';
import { headsDirOf, knownEncoders } from '../../controlplane/classify/paths.ts';

// A memory of three rows in two dimensions, projected onto themselves (identity, no centring).
function memory(over: Partial<NeighboursJson> = {}): NeighboursJson {
  const rows = Int8Array.from([127, 0, 0, 127, 90, 90]);
  return {
    k: 2, weight: 0.5, temperature: 0.1, mean: [0, 0], projection: [1, 0, 0, 1], dims: 2,
    labels: [0, 1, 1], weights: [1, 1, 0.5], scales: [1 / 127, 1 / 127, 1 / 127],
    vectors: Buffer.from(rows.buffer).toString('base64'), ...over,
  };
}

describe('neighbour vote', () => {
  it('tallies the k most similar rows, each by exp(cosine / temperature) and its weight, and mixes by weight', async () => {
    const vote = await NeighbourVote.create(memory(), 2, 2);
    try {
      // x = (1, 0) after normalizing: products 1 (row 0, label 0), 0 (row 1) and 90/127 (row 2,
      // label 1, weight 0.5; the stored rows are used as stored, int8 times scale).
      const [v] = await vote.votes([Float32Array.from([3, 0])]);
      const a = Math.exp(1 / 0.1);
      const b = 0.5 * Math.exp((90 / 127) / 0.1);
      assert.ok(Math.abs(v[0] - a / (a + b)) < 1e-4, `${v[0]} vs ${a / (a + b)}`);
      assert.ok(Math.abs(v[1] - b / (a + b)) < 1e-4);
      const mixed = mixVotes(Float32Array.from([0.2, 0.8]), [{ weight: vote.weight, vote: v }]);
      assert.ok(Math.abs(mixed[0] - (0.1 + 0.5 * v[0])) < 1e-6);
      // Two votes each take their share; the head keeps the rest.
      const two = mixVotes(Float32Array.from([0.2, 0.8]), [{ weight: 0.2, vote: Float32Array.from([1, 0]) }, { weight: 0.3, vote: Float32Array.from([0, 1]) }]);
      assert.ok(Math.abs(two[0] - (0.5 * 0.2 + 0.2)) < 1e-6 && Math.abs(two[1] - (0.5 * 0.8 + 0.3)) < 1e-6);
      // The mix temperature raises the mix to 1 / t and normalizes it: (0.3, 0.7) at t 0.5 is (0.09, 0.49) / 0.58.
      const sharp = mixVotes(Float32Array.from([0.4, 0.6]), [{ weight: 0.5, vote: Float32Array.from([0.2, 0.8]) }], 0.5);
      assert.ok(Math.abs(sharp[0] - 0.09 / 0.58) < 1e-6 && Math.abs(sharp[1] - 0.49 / 0.58) < 1e-6, `${sharp}`);
      // A batch gives each row its own vote.
      const [p, q] = await vote.votes([Float32Array.from([0, 1]), Float32Array.from([1, 0])]);
      assert.ok(p[1] > 0.99 && q[0] > 0.5);
      // Calls made together share a run, and each gets the votes of its own embeddings back.
      const [one, two2] = await Promise.all([vote.votes([Float32Array.from([1, 0])]), vote.votes([Float32Array.from([0, 1]), Float32Array.from([3, 0])])]);
      // (Within float rounding: a product over a batch may sum in another order.)
      const near = (a: Float32Array[], b: Float32Array[]) => a.length === b.length && a.every((x, i) => x.every((y, j) => Math.abs(y - b[i][j]) < 1e-6));
      assert.ok(near(one, [q]) && near(two2, [p, v]), `${one} | ${two2}`);
    } finally {
      await vote.close();
    }
  });

  it('on a tie for the k-th place the earlier row votes', async () => {
    // Rows 1 and 2 both at cosine 0 from (1, 0); k = 2: row 0 and row 1 vote, not row 2 (label 0 twice).
    const rows = Int8Array.from([127, 0, 0, 127, 0, -127]);
    const vote = await NeighbourVote.create(memory({ labels: [0, 0, 1], weights: [1, 1, 1], vectors: Buffer.from(rows.buffer).toString('base64') }), 2, 2);
    try {
      const [v] = await vote.votes([Float32Array.from([1, 0])]);
      assert.ok(v[1] === 0 && Math.abs(v[0] - 1) < 1e-6, `${v}`);
    } finally {
      await vote.close();
    }
  });

  it('scores the int8 rows with the prompt kept to 1 / 64,516 of its largest value: its votes are a float64 product\'s to 5e-4, the same label first', async () => {
    // 300 rows of 24 values in the full int8 range, each with its own scale; a projection whose axes
    // shrink over a decade, as principal axes do, so a prompt's last values are its smallest (one
    // int8 part would round most of them to a step or two). The heads' temperature, 0.05.
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const rows = 300, dims = 24, dim = 32, k = 10;
    const q = Int8Array.from({ length: rows * dims }, () => Math.floor(rand() * 256) - 128);
    const json: NeighboursJson = {
      k, weight: 0.3, temperature: 0.05, dims,
      mean: Array.from({ length: dim }, () => rand() - 0.5),
      projection: Array.from({ length: dims * dim }, (_, i) => (rand() - 0.5) * 10 ** -(Math.floor(i / dim) / dims)),
      labels: Array.from({ length: rows }, (_, r) => r % 3), weights: Array.from({ length: rows }, () => 0.5 + rand()),
      scales: Array.from({ length: rows }, () => (0.5 + rand()) / 127), vectors: Buffer.from(q.buffer).toString('base64'),
    };
    const vote = await NeighbourVote.create(json, dim, 3);
    try {
      const prompts = Array.from({ length: 20 }, () => Float32Array.from({ length: dim }, () => rand() - 0.5));
      const got = await vote.votes(prompts);
      prompts.forEach((x, i) => {
        const z = Array.from({ length: dims }, (_, j) => x.reduce((a, xv, d) => a + (xv - json.mean[d]) * json.projection[j * dim + d], 0));
        const norm = Math.hypot(...z);
        const sims = Array.from({ length: rows }, (_, r) => z.reduce((a, zv, j) => a + zv * q[r * dims + j] * json.scales[r], 0) / norm);
        const best = sims.map((sim, r) => ({ sim, r })).sort((a, b) => b.sim - a.sim || a.r - b.r).slice(0, k);
        const want = [0, 0, 0];
        for (const { sim, r } of best) want[json.labels[r]] += Math.exp(sim / json.temperature) * json.weights[r];
        const sum = want.reduce((a, v) => a + v, 0);
        // (Here the float32 product is within 2e-6, the two int8 parts within 2e-4: a similarity's
        // error of 1e-5 weighs 1 / 0.05 times that in the exponent. The real heads' memories agree
        // with float32 to 2e-5, and their sample rows with the training script to 1e-4, below.)
        want.forEach((w, c) => assert.ok(Math.abs(got[i][c] - w / sum) < 5e-4, `prompt ${i} label ${c}: ${got[i][c]} vs ${w / sum}`));
        assert.equal(got[i].indexOf(Math.max(...got[i])), want.indexOf(Math.max(...want)), `prompt ${i}: another label first`);
      });
    } finally {
      await vote.close();
    }
  });

  it('refuses a memory whose parts do not fit, naming the part', async () => {
    const cases: Array<[Partial<NeighboursJson>, RegExp]> = [
      [{ k: 4 }, /head neighbours: k must be an integer from 1 to the 3 stored rows, not 4/],
      [{ weight: 0 }, /head neighbours: weight must be in \(0, 1\], not 0/],
      [{ temperature: -1 }, /head neighbours: temperature must be positive, not -1/],
      [{ mean: [0] }, /head neighbours: mean has 1 values; the head's dim is 2/],
      [{ projection: [1, 0] }, /head neighbours: projection has 2 values; 2 x 2 expected/],
      [{ scales: [1] }, /head neighbours: 3 labels but 3 weights and 1 scales/],
      [{ labels: [0, 1, 2] }, /head neighbours: label index 2 is not one of the head's 2 labels/],
      [{ vectors: 'AAAA' }, /head neighbours: vectors hold 3 bytes; 3 rows x 2 expected/],
    ];
    for (const [over, message] of cases) await assert.rejects(NeighbourVote.create(memory(over), 2, 2), message);
  });

  for (const encoder of knownEncoders()) {
    const json = JSON.parse(readFileSync(join(headsDirOf(encoder), 'category.json'), 'utf8')) as LinearHeadJson & {
      meta: { neighbour_parity?: Array<{ embedding: number[]; votes: number[] }> };
    };
    if (json.neighbours === undefined) continue;
    it(`${encoder} category head: the vote on sample rows equals the training script's`, async () => {
      assert.ok(json.meta.neighbour_parity && json.meta.neighbour_parity.length >= 4, 'a head with neighbours carries parity rows');
      const vote = await NeighbourVote.create(json.neighbours!, json.dim, json.labels.length);
      try {
        const got = await vote.votes(json.meta.neighbour_parity.map((r) => Float32Array.from(r.embedding)));
        json.meta.neighbour_parity.forEach((r, i) => r.votes.forEach((want, c) =>
          assert.ok(Math.abs(got[i][c] - want) < 1e-4, `row ${i} label ${json.labels[c]}: ${got[i][c]} vs ${want}`)));
      } finally {
        await vote.close();
      }
    });
  }
});

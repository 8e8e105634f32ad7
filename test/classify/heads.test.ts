// The linear heads' TypeScript scoring against what the training script computed, for every
// encoder with trained heads (category and jailbreak): the TF-IDF part is a reimplementation of sklearn's, so it is pinned
// to sklearn's own numbers, which train_heads.py stores beside the weights.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { conversationSettingsOf, LinearHead, type LinearHeadJson } from '../../controlplane/classify/heads.ts';
import { LexicalVote } from '../../controlplane/classify/lexical-vote.ts';
import { mixVotes, NeighbourVote } from '../../controlplane/classify/neighbours.ts';
import { headsDirOf, knownEncoders } from '../../controlplane/classify/paths.ts';
import { WordPieceTokenizer } from '../../controlplane/classify/tokenizer.ts';
import { modelDir } from './helpers.ts';

function softmax(z: number[]): number[] {
  const max = Math.max(...z);
  const e = z.map((v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

describe('heads with TF-IDF terms', () => {
  for (const encoder of knownEncoders()) {
    for (const file of ['category.json', 'jailbreak.json']) {
      const json = JSON.parse(readFileSync(join(headsDirOf(encoder), file), 'utf8')) as LinearHeadJson & {
        meta: { tfidf_parity?: Array<{ text: string; logits: number[] }> };
      };
      // The jailbreak head uses TF-IDF only where it recalled more in training (train_heads.py).
      if (file !== 'category.json' && json.token_features === undefined) continue;
      it(`${encoder} ${file}: the TF-IDF logits of sample rows equal the training script's`, () => {
        assert.ok(json.token_features && json.meta.tfidf_parity, 'a head with TF-IDF terms carries parity rows');
        const head = new LinearHead(json);
        const tok = WordPieceTokenizer.fromFile(join(modelDir(encoder), 'tokenizer.json'));
        assert.ok(json.meta.tfidf_parity.length >= 4);
        for (const { text, logits } of json.meta.tfidf_parity) {
          // A zero embedding leaves bias + TF-IDF in the logits.
          const got = head.probs(new Float32Array(json.dim), 0, tok.tokenize(text).ids);
          const rows = softmax(logits.map((l, c) => (l + json.bias[c]) / head.temperature));
          // A head that scores sub-labels reports their sums per label.
          const sub = json.sub_labels;
          const want = sub ? json.labels.map((_, l) => rows.reduce((a, p, r) => a + (sub.label_of[r] === l ? p : 0), 0)) : rows;
          want.forEach((p, c) => assert.ok(Math.abs(got[c] - p) < 1e-4, `${text.slice(0, 40)}…: label ${json.labels[c]} ${got[c]} vs ${p}`));
        }
      });
    }
  }
});

describe("the category head's mix of head and votes", () => {
  for (const encoder of knownEncoders()) {
    const json = JSON.parse(readFileSync(join(headsDirOf(encoder), 'category.json'), 'utf8')) as LinearHeadJson & {
      meta: { tfidf_parity: Array<{ text: string }>; neighbour_parity: Array<{ embedding: number[] }>; mix_parity?: number[][] };
    };
    if (json.neighbours === undefined) continue;
    it(`${encoder}: the probabilities of sample rows, votes and mix temperature included, equal the training script's`, async () => {
      assert.ok(json.meta.mix_parity && json.meta.mix_parity.length >= 4, 'a head with votes carries mix parity rows');
      const head = new LinearHead(json);
      const tok = WordPieceTokenizer.fromFile(join(modelDir(encoder), 'tokenizer.json'));
      const lexical = json.lexical_neighbours && LexicalVote.create(json.lexical_neighbours, (ids) => head.termWeights(ids), json.labels.length);
      const vote = await NeighbourVote.create(json.neighbours!, json.dim, json.labels.length);
      try {
        for (const [i, want] of json.meta.mix_parity.entries()) {
          const emb = Float32Array.from(json.meta.neighbour_parity[i].embedding);
          const terms = head.termWeights(tok.tokenize(json.meta.tfidf_parity[i].text).ids);
          const [neighbours] = await vote.votes([emb]);
          const got = mixVotes(head.probsWithTerms(emb, 0, terms), [
            { weight: vote.weight, vote: neighbours },
            ...(lexical ? [{ weight: lexical.weight, vote: lexical.vote(terms) }] : []),
          ], head.mixTemperature);
          want.forEach((p, c) => assert.ok(Math.abs(got[c] - p) < 1e-4, `row ${i} label ${json.labels[c]}: ${got[c]} vs ${p}`));
        }
      } finally {
        await vote.close();
      }
    });
  }
});

describe('TF-IDF terms of a head file', () => {
  const head = (terms: string[], weights: number[]) =>
    new LinearHead({ kind: 'linear', labels: ['a', 'b'], dim: 1, weights: [0, 0], bias: [0, 0], temperature: 1, encoder_sha256: 'x',
      token_features: { terms, idf: terms.map(() => 1), weights } });

  it('counts single pieces and pairs of consecutive pieces, sublinear and l2-normalized', () => {
    // Pieces 5 6 5: "5" twice, "5 6" once; "6 5" and "6" are not terms.
    const h = head(['5', '5 6', '7'], [1, 0, 0, 0, 0, 0]);
    const p = h.probs(new Float32Array(1), 0, [5, 6, 5]);
    const tf5 = 1 + Math.log(2);
    const want = softmax([tf5 / Math.hypot(tf5, 1), 0]);
    assert.ok(Math.abs(p[0] - want[0]) < 1e-6, `${p[0]} vs ${want[0]}`);
    const pair = head(['5', '5 6', '7'], [0, 1, 0, 0, 0, 0]).probs(new Float32Array(1), 0, [5, 6, 5]);
    assert.ok(Math.abs(pair[0] - softmax([1 / Math.hypot(tf5, 1), 0])[0]) < 1e-6);
  });

  it('refuses terms that are not one or two piece ids', () => {
    for (const bad of ['5 6 7', 'x', '-1', '70000']) {
      assert.throws(() => head([bad], [0, 0]), new RegExp(`head token_features: bad term "${bad}"`));
    }
  });
});

describe('a head file', () => {
  it('with a field this version does not read is refused, the field named', () => {
    const json = { kind: 'linear', labels: ['a', 'b'], dim: 1, weights: [0, 0], bias: [0, 0], temperature: 1, encoder_sha256: 'x', encoder_output: 'y' };
    assert.throws(() => new LinearHead(json as LinearHeadJson), /^Error: unknown head field\(s\) encoder_output; known: kind, labels/);
  });

  it('with sub-labels sums their probabilities into their labels, and refuses a mapping that does not fit', () => {
    // Sub-labels a1, a2 (label a) and b1 (label b); logits 0, ln 2, ln 3 -> probabilities 1/6, 2/6, 3/6.
    const json: LinearHeadJson = { kind: 'linear', labels: ['a', 'b'], dim: 1, weights: [0, 0, 0], bias: [0, Math.log(2), Math.log(3)],
      temperature: 1, encoder_sha256: 'x', sub_labels: { names: ['a1', 'a2', 'b1'], label_of: [0, 0, 1] } };
    const p = new LinearHead(json).probs(Float32Array.from([1]));
    assert.equal(p.length, 2);
    assert.ok(Math.abs(p[0] - 0.5) < 1e-6 && Math.abs(p[1] - 0.5) < 1e-6, `${p}`);
    const why = /^Error: head sub_labels must name sub-labels and, for each, the index of its label \(0 to 1\), every label having at least one$/;
    for (const label_of of [[0, 0, 2], [0, 0, 0], [0, 1], [0, 0.5, 1]]) {
      assert.throws(() => new LinearHead({ ...json, sub_labels: { names: ['a1', 'a2', 'b1'], label_of } }), why);
    }
    assert.throws(() => new LinearHead({ ...json, weights: [0, 0] }), /^Error: head shape mismatch: 3 sub-labels x 1 dims vs 2 weights, 3 biases$/);
  });

  it('reads TF-IDF weights as float16 in base64, and refuses both forms, neither, or a wrong count', () => {
    // 1, -2, 0.5, 0 as little-endian half floats.
    const f16 = Buffer.from([0x00, 0x3c, 0x00, 0xc0, 0x00, 0x38, 0x00, 0x00]).toString('base64');
    const base = { kind: 'linear' as const, labels: ['a', 'b'], dim: 1, weights: [0, 0], bias: [0, 0], temperature: 1, encoder_sha256: 'x' };
    const head = new LinearHead({ ...base, token_features: { terms: ['5', '6'], idf: [1, 1], weights_f16: f16 } });
    // Row-major [rows x terms]: row a (1, -2), row b (0.5, 0). Piece 5 alone has TF-IDF value 1, so
    // the logits are 1 and 0.5; piece 6 alone gives -2 and 0.
    const p = head.probs(Float32Array.from([0]), 0, [5]);
    assert.ok(Math.abs(p[0] - 1 / (1 + Math.exp(-0.5))) < 1e-6, `${p}`);
    const q = head.probs(Float32Array.from([0]), 0, [6]);
    assert.ok(Math.abs(q[0] - 1 / (1 + Math.exp(2))) < 1e-6, `${q}`);
    assert.throws(() => new LinearHead({ ...base, token_features: { terms: ['5', '6'], idf: [1, 1], weights: [1, -2, 0.5, 0], weights_f16: f16 } }),
      /^Error: head token_features needs weights or weights_f16, not both$/);
    assert.throws(() => new LinearHead({ ...base, token_features: { terms: ['5', '6'], idf: [1, 1] } }), /^Error: head token_features needs weights or weights_f16, not both$/);
    assert.throws(() => new LinearHead({ ...base, token_features: { terms: ['5'], idf: [1], weights_f16: f16 } }),
      /^Error: head token_features shape mismatch: 1 terms x 2 labels vs 4 weights, 1 idf$/);
    assert.throws(() => new LinearHead({ ...base, token_features: { terms: ['5'], idf: [1], weights_f16: Buffer.from([1, 2, 3]).toString('base64') } }),
      /^Error: head token_features weights_f16 is not a whole number of float16 values$/);
  });

  it('with a mix temperature that is not a positive number, or without votes to mix, is refused', () => {
    const base = { kind: 'linear' as const, labels: ['a', 'b'], dim: 1, weights: [0, 0], bias: [0, 0], temperature: 1, encoder_sha256: 'x' };
    const votes = { neighbours: {} as LinearHeadJson['neighbours'] };
    for (const [t, why] of [[0, '0'], [-1, '-1'], ['0.8', '"0.8"'], [Infinity, 'null']] as const) {
      assert.throws(() => new LinearHead({ ...base, ...votes, mix_temperature: t as number }), new RegExp(`^Error: head mix_temperature must be a positive number, not ${why}$`));
    }
    assert.throws(() => new LinearHead({ ...base, mix_temperature: 0.8 }), /^Error: head mix_temperature without neighbours or lexical_neighbours: there is no mix to apply it to$/);
    assert.equal(new LinearHead({ ...base, ...votes, mix_temperature: 0.8 }).mixTemperature, 0.8);
    assert.equal(new LinearHead(base).mixTemperature, 1);
  });
});

describe('custom-category defaults', () => {
  it('every encoder with heads has one, chosen on its own embedding', () => {
    for (const encoder of knownEncoders()) {
      const read = (file: string) => JSON.parse(readFileSync(join(headsDirOf(encoder), file), 'utf8'));
      const custom = read('custom.json');
      const category = read('category.json');
      assert.equal(custom.kind, 'custom_categories', encoder);
      assert.ok(Number.isInteger(custom.examples) && custom.examples >= 1, encoder);
      assert.equal(custom.encoder_sha256, category.encoder_sha256, encoder);
      assert.deepEqual(custom.encoder_outputs, category.encoder_outputs, encoder);
      // The default is the one the training script's criterion picks from the figures it stored.
      const dev = custom.meta.dev as Record<string, { false_claims: number }>;
      const allowed = Object.keys(dev).filter((t) => dev[t].false_claims <= 0.01).map(Number);
      assert.equal(custom.threshold, Math.min(...allowed), encoder);
    }
  });
});

describe('conversation settings', () => {
  it('every encoder with heads has them, over the routing threshold', () => {
    for (const encoder of knownEncoders()) {
      const { clearAlone, shortPromptPieces } = conversationSettingsOf(join(headsDirOf(encoder), 'conversation.json'));
      // Under the threshold a prompt is read in its conversation anyway; the bar only means something above it.
      assert.ok(clearAlone > 0.5 && clearAlone < 1, `${encoder}: ${clearAlone}`);
      assert.ok(shortPromptPieces >= 1 && shortPromptPieces <= 16, `${encoder}: ${shortPromptPieces}`);
    }
  });
});

// The linear heads' TypeScript scoring against what the training script computed, for every
// encoder with trained heads (category and jailbreak): the TF-IDF part is a reimplementation of sklearn's, so it is pinned
// to sklearn's own numbers, which train_heads.py stores beside the weights.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LinearHead, type LinearHeadJson } from '../../controlplane/classify/heads.ts';
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
          const want = softmax(logits.map((l, c) => (l + json.bias[c]) / head.temperature));
          want.forEach((p, c) => assert.ok(Math.abs(got[c] - p) < 1e-4, `${text.slice(0, 40)}…: label ${json.labels[c]} ${got[c]} vs ${p}`));
        }
      });
    }
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
});

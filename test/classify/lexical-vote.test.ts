import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LinearHead, type LinearHeadJson } from '../../controlplane/classify/heads.ts';
import { LexicalVote, type LexicalNeighboursJson } from '../../controlplane/classify/lexical-vote.ts';
import { headsDirOf, knownEncoders } from '../../controlplane/classify/paths.ts';
import { WordPieceTokenizer } from '../../controlplane/classify/tokenizer.ts';
import { modelDir } from './helpers.ts';

const base64 = (values: number[], width: 2 | 4) => {
  const b = Buffer.alloc(values.length * width);
  values.forEach((v, i) => (width === 2 ? b.writeUInt16LE(v, i * width) : b.writeUInt32LE(v, i * width)));
  return b.toString('base64');
};

// Three rows over pieces 1..3, each piece its own unit axis (no idf), so cosines are easy to write down.
function memory(over: Partial<LexicalNeighboursJson> = {}): LexicalNeighboursJson {
  return { k: 2, weight: 0.2, temperature: 0.5, labels: [0, 1, 1], weights: [1, 1, 0.5],
    lengths: base64([1, 1, 2], 4), pieces: base64([1, 2, 2, 3], 2), ...over };
}
function unitTerms(ids: number[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const id of ids) m.set(id, (m.get(id) ?? 0) + 1);
  const norm = Math.hypot(...m.values()) || 1;
  for (const [k, v] of m) m.set(k, v / norm);
  return m;
}

describe('lexical vote', () => {
  it('tallies the k rows nearest by term cosine, each by exp(cosine / temperature) and its weight', () => {
    const vote = LexicalVote.create(memory(), unitTerms, 2);
    // Pieces [2]: cosine 1 with row 1 (label 1), 1/sqrt(2) with row 2 (label 1, weight 0.5), 0 with row 0.
    const v = vote.vote(unitTerms([2]));
    assert.ok(Math.abs(v[1] - 1) < 1e-6 && v[0] === 0, `${v}`);
    // Pieces [1, 3]: 1/sqrt(2) with row 0 (label 0) and 1/2 with row 2 (label 1, weight 0.5).
    const w = vote.vote(unitTerms([1, 3]));
    const a = Math.exp(Math.SQRT1_2 / 0.5);
    const b = 0.5 * Math.exp(0.5 / 0.5);
    assert.ok(Math.abs(w[0] - a / (a + b)) < 1e-5, `${w[0]} vs ${a / (a + b)}`);
    assert.equal(vote.weight, 0.2);
  });

  it('a prompt sharing no term with any row gets a uniform vote: rows without a shared term never vote', () => {
    const vote = LexicalVote.create(memory(), unitTerms, 2);
    assert.deepEqual([...vote.vote(unitTerms([7, 8]))], [0.5, 0.5]);
    assert.deepEqual([...vote.vote(unitTerms([]))], [0.5, 0.5]);
  });

  it('refuses a memory whose parts do not fit, naming the part', () => {
    const cases: Array<[Partial<LexicalNeighboursJson>, RegExp]> = [
      [{ k: 4 }, /head lexical_neighbours: k must be an integer from 1 to the 3 stored rows, not 4/],
      [{ weight: 1.5 }, /head lexical_neighbours: weight must be in \(0, 1\], not 1.5/],
      [{ temperature: 0 }, /head lexical_neighbours: temperature must be positive, not 0/],
      [{ weights: [1] }, /head lexical_neighbours: 3 labels but 1 weights/],
      [{ labels: [0, 1, 5] }, /head lexical_neighbours: label index 5 is not one of the head's 2 labels/],
      [{ lengths: base64([1, 1], 4) }, /head lexical_neighbours: lengths has 2 rows; the labels have 3/],
      [{ lengths: base64([1, 1, 3], 4) }, /head lexical_neighbours: lengths add up to 5 pieces; pieces holds 4/],
      [{ pieces: 'AAAA' }, /head lexical_neighbours: pieces holds 3 bytes, not a whole number of 2-byte values/],
    ];
    for (const [over, message] of cases) assert.throws(() => LexicalVote.create(memory(over), unitTerms, 2), message);
  });

  for (const encoder of knownEncoders()) {
    const file = join(headsDirOf(encoder), 'category.json');
    const json = JSON.parse(readFileSync(file, 'utf8')) as LinearHeadJson & {
      meta: { lexical_parity?: Array<{ text: string; votes: number[] }> };
    };
    if (json.lexical_neighbours === undefined) continue;
    it(`${encoder} category head: the vote on sample rows equals the training script's`, () => {
      assert.ok(json.meta.lexical_parity && json.meta.lexical_parity.length >= 4, 'a head with a lexical vote carries parity rows');
      const head = new LinearHead(json);
      const tokenizer = WordPieceTokenizer.fromFile(join(modelDir(encoder), 'tokenizer.json'));
      const vote = LexicalVote.create(json.lexical_neighbours!, (ids) => head.termWeights(ids), json.labels.length);
      for (const [i, r] of json.meta.lexical_parity.entries()) {
        const got = vote.vote(head.termWeights(tokenizer.tokenize(r.text).ids));
        r.votes.forEach((want, c) => assert.ok(Math.abs(got[c] - want) < 1e-4, `row ${i} label ${json.labels[c]}: ${got[c]} vs ${want}`));
      }
    });
  }
});

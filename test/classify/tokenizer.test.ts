import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { WordPieceTokenizer } from '../../controlplane/classify/tokenizer.ts';
import { modelDir } from './helpers.ts';

const tok = WordPieceTokenizer.fromFile(join(modelDir(), 'tokenizer.json'));
// Reference ids/offsets from the Python `tokenizers` package (scripts/models/make_tokenizer_fixture.py).
const fixture = JSON.parse(readFileSync(new URL('./fixtures/tokenizer-parity.json', import.meta.url), 'utf8')) as {
  max_length: number;
  cases: Array<{ text: string; ids: number[]; offsets: Array<[number, number]> }>;
};

test('ids and offsets match the reference tokenizer on every fixture string', () => {
  assert.ok(fixture.cases.length > 300);
  for (const c of fixture.cases) {
    const e = tok.encode(c.text, fixture.max_length);
    assert.deepEqual(e.ids, c.ids, `ids differ for ${JSON.stringify(c.text).slice(0, 80)}`);
    assert.deepEqual(e.offsets, c.offsets, `offsets differ for ${JSON.stringify(c.text).slice(0, 80)}`);
  }
});

test('offsets slice the original text, accents and case included', () => {
  const text = 'Ask José at JOSÉ@example.com';
  const e = tok.encode(text);
  const pieces = e.offsets.slice(1, -1).map(([s, t]) => text.slice(s, t));
  assert.equal(pieces[1], 'José');
  assert.ok(pieces.includes('JOSÉ'));
});

test('truncation keeps [CLS] ... [SEP] within the limit', () => {
  const e = tok.encode('word '.repeat(1000), 16);
  assert.equal(e.ids.length, 16);
  assert.equal(e.ids[0], tok.clsId);
  assert.equal(e.ids[15], tok.sepId);
  assert.equal(tok.tokenize('word '.repeat(1000)).ids.length, 1000);
});

test('unknown characters and overlong words become [UNK]', () => {
  assert.deepEqual(tok.tokenize('\u{1F600}').ids, [tok.unkId]);
  assert.deepEqual(tok.tokenize('a'.repeat(101)).ids, [tok.unkId]);
});

test('rejects a tokenizer.json of another family', () => {
  assert.throws(() => new WordPieceTokenizer({ model: { type: 'BPE' }, normalizer: {}, pre_tokenizer: {} } as never), /unsupported tokenizer\.json/);
});

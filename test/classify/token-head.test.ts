import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { EncodedSequence } from '../../controlplane/classify/encoder.ts';
import { TOKEN_FEATURES, TOKEN_LOGITS, TokenHead, sideBySide, tokenFeatures } from '../../controlplane/classify/token-head.ts';

// Offsets of every word and punctuation mark, like a tokenizer's (with [CLS] and [SEP] around them).
function spans(text: string): Array<[number, number]> {
  return [[0, 0], ...[...text.matchAll(/[\p{L}\p{N}'-]+|[^\s\p{L}\p{N}]/gu)].map((m) => [m.index!, m.index! + m[0].length] as [number, number]), [0, 0]];
}
// What the encoder returns for these token states (by tensor name; "states" for the encoder's own):
// the head's projection, summed over its terms as the graph's MatMul and Add nodes do.
function encoded(head: TokenHead, tensors: Record<string, Float32Array>, tokens: number): Pick<EncodedSequence, 'outputs' | 'tokens'> {
  const { name, width, terms } = head.projection;
  const logits = new Float32Array(tokens * width);
  for (const { tensor, weights } of terms) {
    const states = tensors[tensor ?? 'states'];
    const hidden = weights.length / width;
    for (let j = 0; j < tokens; j++) for (let k = 0; k < hidden; k++) for (let c = 0; c < width; c++) logits[j * width + c] += states[j * hidden + k] * weights[k * width + c];
  }
  return { outputs: { [name]: logits }, tokens };
}
const row = (f: Float32Array, j: number) => Array.from(f.subarray(j * TOKEN_FEATURES, (j + 1) * TOKEN_FEATURES));

test('surface features: capitalization in and out of sentence starts, digits, punctuation', () => {
  const text = 'Yes. We met John at 12 Oak Street, NYC';
  const off = spans(text);
  const f = tokenFeatures(text, off);
  const at = (w: string) => row(f, off.findIndex(([s, e]) => text.slice(s, e) === w));
  // [cap, all caps, sentence-initial, cap mid-sentence, continuation, digit, prev cap, next cap, punctuation, text without capitals]
  assert.deepEqual(at('We'), [1, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
  assert.deepEqual(at('John'), [1, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(at('12'), [0, 0, 0, 0, 0, 1, 0, 1, 0, 0]);
  assert.deepEqual(at(','), [0, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
  assert.deepEqual(at('NYC'), [1, 1, 0, 1, 0, 0, 1, 0, 0, 0]);
  assert.deepEqual(row(f, 0), new Array(TOKEN_FEATURES).fill(0));
  const lower = tokenFeatures('john lives here', spans('john lives here'));
  assert.equal(lower[1 * TOKEN_FEATURES + 9], 1);
});

test('a sub-word piece is a continuation of its word', () => {
  const text = 'Springfield';
  const f = tokenFeatures(text, [[0, 0], [0, 6], [6, 11], [0, 0]]);
  assert.equal(row(f, 1)[4], 0);
  assert.equal(row(f, 2)[4], 1);
});

test('a window of a long text gets the same features as the whole text gives its tokens', () => {
  // Windows start and end mid-sentence and mid-word; the neighbour and sentence-start features of
  // their edge tokens still come from the words outside the window.
  const text = 'Dear Anna. We met John Smith at 12 Oak Street, NYC! "Then" (Mary) left. '.repeat(12);
  const all = spans(text);
  const whole = tokenFeatures(text, all);
  for (const [from, to] of [[1, 9], [7, 30], [40, 200], [250, all.length - 1]]) {
    const f = tokenFeatures(text, [[0, 0], ...all.slice(from, to), [0, 0]]);
    for (let j = from; j < to; j++) assert.deepEqual(row(f, j - from + 1), row(whole, j), `token ${j} "${text.slice(...all[j])}" in window ${from}..${to}`);
  }
});

test('token head files must use O plus B-/I- labels', () => {
  const dir = mkdtempSync(join(tmpdir(), 'token-head-'));
  const head = (labels: string[]) => {
    const p = join(dir, `${labels.join('_')}.json`);
    writeFileSync(p, JSON.stringify({ kind: 'linear', labels, dim: 1 + TOKEN_FEATURES, weights: new Array(labels.length * (1 + TOKEN_FEATURES)).fill(0), bias: labels.map(() => 0), temperature: 1, encoder_sha256: 'abc' }));
    return p;
  };
  assert.throws(() => TokenHead.load(head(['O', 'PERSON']), 'abc'), /token head label "PERSON" is not B-TYPE or I-TYPE/);
  assert.throws(() => TokenHead.load(head(['B-PERSON', 'O']), 'abc'), /the first label of a token head must be "O"/);
  assert.ok(TokenHead.load(head(['O', 'B-PERSON', 'I-PERSON']), 'abc'));
});

test('an entity does not run on across a line break: the lines of an address block are its parts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'token-head-lines-'));
  const path = join(dir, 'all-inside.json');
  // Every token scores I-LOCATION: only the decoding rules decide where entities start.
  const labels = ['O', 'B-LOCATION', 'I-LOCATION'];
  const dim = 1 + TOKEN_FEATURES;
  writeFileSync(path, JSON.stringify({ kind: 'linear', labels, dim, weights: new Array(labels.length * dim).fill(0), bias: [0, 0, 10], temperature: 1, encoder_sha256: 'abc' }));
  const head = TokenHead.load(path, 'abc');
  const entities = (text: string) => {
    const off = spans(text);
    return head.entities(encoded(head, { states: new Float32Array(off.length) }, off.length), off, text).map((e) => e.text);
  };
  assert.deepEqual(entities('Padborg Denmark'), ['Padborg Denmark']);
  assert.deepEqual(entities('Padborg\nDenmark'), ['Padborg', 'Denmark']);
  assert.deepEqual(entities('Ladbyvej 84\n Padborg\n Denmark 6330'), ['Ladbyvej 84', 'Padborg', 'Denmark 6330']);
});

test('common words, function words and field labels are not names or places; a person has letters', () => {
  const dir = mkdtempSync(join(tmpdir(), 'token-head-case-'));
  const labels = ['O', 'B-LOCATION', 'I-LOCATION', 'B-PERSON', 'I-PERSON'];
  const dim = 1 + TOKEN_FEATURES;
  const tagAll = (label: number) => {
    const path = join(dir, `${label}.json`);
    const bias = labels.map((_, i) => (i === label ? 10 : 0));
    writeFileSync(path, JSON.stringify({ kind: 'linear', labels, dim, weights: new Array(labels.length * dim).fill(0), bias, temperature: 1, encoder_sha256: 'abc' }));
    const head = TokenHead.load(path, 'abc');
    return (text: string) => {
      const off = spans(text);
      return head.entities(encoded(head, { states: new Float32Array(off.length) }, off.length), off, text).map((e) => e.text);
    };
  };
  const location = tagAll(1);
  assert.deepEqual(location('Oak Street 52\ndowntown\n84'), ['Oak Street 52', '84']);
  // A text written without capitals has nothing to go by: its spans stay.
  assert.deepEqual(location('meet me downtown'), ['meet me downtown']);
  assert.deepEqual(tagAll(3)('Ask Anna\n3'), ['Ask Anna']);
  // Words that are never a name or a place alone: pronouns and the like, form-field labels.
  assert.deepEqual(location('Address: Oak Street 52'), ['Oak Street 52']);
  assert.deepEqual(tagAll(3)('What\'s\nIt\nAnna'), ['Anna']);
  // A title-cased phrase is a title, not a person.
  assert.deepEqual(tagAll(4)('Carry Me Back To Denmark\nAnna Berg'), ['Anna Berg']);
});

test('a span takes the type with the most mass over its tokens: one token read as a place does not split a name', () => {
  const dir = mkdtempSync(join(tmpdir(), 'token-head-type-'));
  const path = join(dir, 'mixed.json');
  const labels = ['O', 'B-LOCATION', 'I-LOCATION', 'B-PERSON', 'I-PERSON'];
  const dim = 1 + TOKEN_FEATURES;
  // I-PERSON scores 2 everywhere; I-LOCATION scores the token's state, so a state of 3 reads as a place.
  const weights = new Array(labels.length * dim).fill(0);
  weights[2 * dim] = 1;
  writeFileSync(path, JSON.stringify({ kind: 'linear', labels, dim, weights, bias: [-10, -10, 0, -10, 2], temperature: 1, encoder_sha256: 'abc' }));
  const head = TokenHead.load(path, 'abc');
  const text = 'Satu Waltari';
  const off = spans(text);
  const got = head.entities(encoded(head, { states: Float32Array.from([0, 0, 3, 0]) }, off.length), off, text);
  assert.deepEqual(got.map((e) => [e.type, e.text]), [['PERSON', 'Satu Waltari']]);
  const place = head.entities(encoded(head, { states: Float32Array.from([0, 3, 3, 0]) }, off.length), off, text);
  assert.deepEqual(place.map((e) => [e.type, e.text]), [['LOCATION', 'Satu Waltari']]);
  // A name with a number in it is a street, whatever the mass says.
  const street = 'Pachergasse 64';
  const streetOff = spans(street);
  const got2 = head.entities(encoded(head, { states: Float32Array.from([0, 0, 0, 0]) }, streetOff.length), streetOff, street);
  assert.deepEqual(got2.map((e) => [e.type, e.text]), [['LOCATION', 'Pachergasse 64']]);
});

test('a head trained on several tensors reads each of them, in order, and says so when one is missing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'token-head-outputs-'));
  const path = join(dir, 'outputs.json');
  const labels = ['O', 'B-PERSON', 'I-PERSON'];
  const dim = 2 + TOKEN_FEATURES;
  // Only the second tensor decides: a state of 5 there makes a token B-PERSON; the first is ignored.
  const weights = new Array(labels.length * dim).fill(0);
  weights[1 * dim + 1] = 1;
  writeFileSync(path, JSON.stringify({ kind: 'linear', labels, dim, weights, bias: [0, -2, -10], temperature: 1, encoder_sha256: 'abc', encoder_outputs: ['/encoder/layer.8/x', 'last'] }));
  const head = TokenHead.load(path, 'abc');
  assert.deepEqual(head.encoderOutputs, ['/encoder/layer.8/x', 'last']);
  head.assertFits(1);
  assert.throws(() => head.assertFits(2), /takes 12 features per token, but 2 encoder tensor\(s\) of 2 states and 10 surface features make 14/);
  const text = 'Ask Tomas now';
  const off = spans(text);
  const outputs = { '/encoder/layer.8/x': Float32Array.from([5, 5, 0, 5, 5]), last: Float32Array.from([0, 0, 5, 0, 0]) };
  // The projection reads the head's tensors in order, each with its own columns of the weights.
  assert.deepEqual(head.projection.terms.map((t) => [t.tensor, Array.from(t.weights)]), [['/encoder/layer.8/x', [0, 0, 0]], ['last', [0, 1, 0]]]);
  const got = head.entities(encoded(head, outputs, off.length), off, text);
  assert.deepEqual(got.map((e) => [e.type, e.text]), [['PERSON', 'Tomas']]);
  assert.throws(() => head.entities({ outputs: {}, tokens: off.length }, off, text),
    new RegExp(`the encoder did not return ${TOKEN_LOGITS}; create it with the PII token head's projection`));
  // Features that do not split into the named tensors and the surface features are refused at load.
  const odd = join(dir, 'odd.json');
  writeFileSync(odd, JSON.stringify({ kind: 'linear', labels, dim: dim + 1, weights: new Array(labels.length * (dim + 1)).fill(0), bias: [0, 0, 0], temperature: 1, encoder_sha256: 'abc', encoder_outputs: ['a', 'b'] }));
  assert.throws(() => TokenHead.load(odd, 'abc'), (e: Error) => e.message === `${odd}: a token head's 13 features per token must be 2 encoder tensor(s) of one width and 10 surface features`);
});

test('sideBySide lays per-token rows of several matrices next to each other', () => {
  const x = sideBySide([{ data: Float32Array.from([1, 2, 3, 4]), width: 2 }, { data: Float32Array.from([9, 8]), width: 1 }], 2);
  assert.deepEqual(Array.from(x), [1, 2, 9, 3, 4, 8]);
});

test('a head whose encoder_outputs is not a list of names is refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'token-head-bad-'));
  const path = join(dir, 'bad.json');
  for (const bad of ['/encoder/layer.8/x', [], [''], [3]]) {
    writeFileSync(path, JSON.stringify({ kind: 'linear', labels: ['O', 'B-PERSON'], dim: 1, weights: [0, 0], bias: [0, 0], temperature: 1, encoder_sha256: 'abc', encoder_outputs: bad }));
    assert.throws(() => TokenHead.load(path, 'abc'), /head encoder_outputs must be a non-empty list of tensor names/);
  }
});

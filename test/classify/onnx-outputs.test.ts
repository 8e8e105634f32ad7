import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import ort from 'onnxruntime-node';
import { Encoder, meanPoolNormalized } from '../../controlplane/classify/encoder.ts';
import { outputNames, withOutputs } from '../../controlplane/classify/onnx-outputs.ts';
import { modelDir } from './helpers.ts';

const LAYER8 = '/encoder/layer.8/output/LayerNorm/Add_1_output_0';
// bge small: twelve layers, of which the eighth is an inner one.
const bge = modelDir('bge-small-en-v1.5-q');
const bytes = readFileSync(join(bge, 'model.onnx'));
const ids = [101, 7592, 2088, 2003, 1037, 3231, 102];

async function run(model: Uint8Array): Promise<ort.InferenceSession.OnnxValueMapType> {
  const s = await ort.InferenceSession.create(model, { intraOpNumThreads: 1 });
  const t = (v: (i: number) => number) => new ort.Tensor('int64', BigInt64Array.from(ids.map((_, i) => BigInt(v(i)))), [1, ids.length]);
  try {
    return await s.run({ input_ids: t((i) => ids[i]), attention_mask: t(() => 1), token_type_ids: t(() => 0) });
  } finally {
    await s.release();
  }
}

test('the model output is named; rewriting to the same output changes no result', async () => {
  assert.deepEqual(outputNames(bytes), ['last_hidden_state']);
  const a = await run(bytes);
  const b = await run(withOutputs(bytes, ['last_hidden_state']));
  assert.deepEqual(b.last_hidden_state.data, a.last_hidden_state.data);
});

test('an inner layer as an output: the layers above it and their weights are dropped', async () => {
  const cut = withOutputs(bytes, [LAYER8]);
  assert.deepEqual(outputNames(cut), [LAYER8]);
  // Three of twelve layers' weights go (each about 1/14 of the int8 file).
  assert.ok(cut.length < bytes.length * 0.85, `${cut.length} of ${bytes.length} bytes`);
  const both = await run(withOutputs(bytes, [LAYER8, 'last_hidden_state']));
  const alone = await run(cut);
  assert.deepEqual(alone[LAYER8].data, both[LAYER8].data);
  assert.deepEqual(both[LAYER8].dims, both.last_hidden_state.dims);
  assert.notDeepEqual(both[LAYER8].data, both.last_hidden_state.data);
});

test('a tensor the model does not make, or bytes that are not a model, are refused by name', () => {
  assert.throws(() => withOutputs(bytes, ['/encoder/layer.99/output']), /the model has no tensor named \/encoder\/layer\.99\/output/);
  assert.throws(() => withOutputs(Buffer.from('{"model": 1}'), ['x']), /not an ONNX model: unsupported protobuf wire type 3/);
  assert.throws(() => outputNames(Buffer.from([0x08, 0x07])), /not an ONNX model: no graph/);
});

test('an encoder asked for an inner layer returns its states beside the final ones, which do not change', async () => {
  const plain = await Encoder.create({ modelDir: bge, intraOpThreads: 1 });
  const both = await Encoder.create({ modelDir: bge, intraOpThreads: 1, outputs: [LAYER8, 'last_hidden_state'] });
  try {
    assert.deepEqual(plain.outputs, []);
    assert.deepEqual(both.outputs, [LAYER8, 'last_hidden_state']);
    const [p, q] = await Promise.all([plain.encode(ids), both.encode(ids)]);
    assert.equal(p.outputs, undefined);
    assert.deepEqual(q.states, p.states);
    assert.deepEqual(q.embedding, p.embedding);
    assert.equal(q.outputs![LAYER8].length, ids.length * 384);
    assert.notDeepEqual(q.outputs![LAYER8], q.states);
    // The model's own output, named, is the final states themselves.
    assert.equal(q.outputs!.last_hidden_state, q.states);
  } finally {
    await plain.close();
    await both.close();
  }
  await assert.rejects(Encoder.create({ modelDir: bge, outputs: ['nope'] }), /the model has no tensor named nope/);
});

test('an encoder whose states are an inner layer stops there: states, embedding and named outputs come from that layer', async () => {
  const LAYER7 = '/encoder/layer.7/output/LayerNorm/Add_1_output_0';
  const full = await Encoder.create({ modelDir: bge, intraOpThreads: 1, outputs: [LAYER7, LAYER8] });
  const cut = await Encoder.create({ modelDir: bge, intraOpThreads: 1, statesOutput: LAYER8, outputs: [LAYER7, LAYER8] });
  try {
    const [f, c] = await Promise.all([full.encode(ids), cut.encode(ids)]);
    assert.deepEqual(c.states, f.outputs![LAYER8]);
    assert.equal(c.outputs![LAYER8], c.states);
    assert.deepEqual(c.outputs![LAYER7], f.outputs![LAYER7]);
    assert.deepEqual(c.embedding, meanPoolNormalized(f.outputs![LAYER8], ids.length, 384));
    assert.notDeepEqual(c.embedding, f.embedding);
  } finally {
    await full.close();
    await cut.close();
  }
  await assert.rejects(Encoder.create({ modelDir: bge, statesOutput: 'nope' }), /the model has no tensor named nope/);
});

test('a projection is computed in the graph: per sequence of a padded batch, the sum of its tensors times their weights', async () => {
  // Fixed pseudo-random weights, [384 x 3] per term; one term reads an inner layer, one the states.
  const weights = (seed: number) => Float32Array.from({ length: 384 * 3 }, (_, i) => Math.sin(seed * 7919 + i * 0.37) / 8);
  const projection = { name: 'logits', width: 3, terms: [{ tensor: LAYER8, weights: weights(1) }, { weights: weights(2) }] };
  const plain = await Encoder.create({ modelDir: bge, intraOpThreads: 1, outputs: [LAYER8] });
  const projected = await Encoder.create({ modelDir: bge, intraOpThreads: 1, projections: [projection] });
  try {
    const seqs = [ids, [101, 2054, 2003, 102]];
    const [states, out] = await Promise.all([plain.encodeMany(seqs), projected.encodeMany(seqs)]);
    seqs.forEach((seq, s) => {
      // Only the projection comes back: the inner layer it reads stays in the session.
      assert.deepEqual(Object.keys(out[s].outputs!), ['logits']);
      assert.deepEqual(out[s].states, states[s].states);
      const got = out[s].outputs!.logits;
      assert.equal(got.length, seq.length * 3);
      for (let j = 0; j < seq.length; j++) {
        for (let c = 0; c < 3; c++) {
          let want = 0;
          for (let k = 0; k < 384; k++) {
            want += states[s].outputs![LAYER8][j * 384 + k] * projection.terms[0].weights[k * 3 + c] + states[s].states[j * 384 + k] * projection.terms[1].weights[k * 3 + c];
          }
          assert.ok(Math.abs(got[j * 3 + c] - want) < 1e-4 * (1 + Math.abs(want)), `sequence ${s} token ${j} column ${c}: ${got[j * 3 + c]} vs ${want}`);
        }
      }
    });
  } finally {
    await plain.close();
    await projected.close();
  }
  assert.throws(() => withOutputs(bytes, ['last_hidden_state'], [{ name: 'p', width: 3, terms: [{ tensor: LAYER8, weights: new Float32Array(10) }] }]),
    /projection p: 10 weights for \/encoder\/layer\.8\/output\/LayerNorm\/Add_1_output_0 are not rows of 3/);
  assert.throws(() => withOutputs(bytes, ['last_hidden_state'], [{ name: 'p', width: 3, terms: [{ tensor: 'nope', weights: new Float32Array(3) }] }]),
    /the model has no tensor named nope/);
});

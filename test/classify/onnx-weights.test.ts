import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Encoder } from '../../controlplane/classify/encoder.ts';
import { readEncoderModel, weightsFor } from '../../controlplane/classify/encoder-model.ts';
import { sha256Hex } from '../../controlplane/classify/hash.ts';
import { withInitializers } from '../../controlplane/classify/onnx-weights.ts';
import { concat, fields, floatTensor, lenField, nodeProto, ONNX } from '../../controlplane/classify/onnx-proto.ts';
import { DEFAULT_MODEL, knownEncoders, weightsOf } from '../../controlplane/classify/paths.ts';
import { modelDir } from './helpers.ts';

const BASE = 'all-minilm-l6-v2-q';
const base = readFileSync(join(modelDir(BASE), 'model.onnx'));
const BIAS = 'encoder.layer.0.output.LayerNorm.bias';
const ids = [101, 7592, 2088, 2003, 1037, 3231, 102];

/** A weights file as export_weights.py writes one: an ONNX model whose graph holds only initializers. */
function weightsFile(tensors: Array<[string, number[], Float32Array]>): Uint8Array {
  return lenField(ONNX.model.graph, concat(tensors.map(([name, dims, data]) => lenField(ONNX.graph.initializer, floatTensor(name, dims, data)))));
}

async function statesOf(model: Uint8Array): Promise<Float32Array> {
  const enc = await Encoder.create({ modelDir: modelDir(BASE), model, intraOpThreads: 1 });
  try {
    return (await enc.encode(ids)).states;
  } finally {
    await enc.close();
  }
}

test('weights put into a model replace its initializer of that name, and nothing else', async () => {
  const shifted = withInitializers(base, weightsFile([[BIAS, [384], new Float32Array(384).fill(0.5)]]));
  assert.equal(shifted.length, base.length);
  assert.notDeepEqual(await statesOf(shifted), await statesOf(base));
  // Only the named tensor's bytes change; everything before it is the model's own.
  const at = Buffer.from(base).indexOf(Buffer.from(BIAS));
  assert.deepEqual(Buffer.from(shifted.subarray(0, at)), base.subarray(0, at));
});

test('a tuned encoder runs its pinned model with its pinned weights: the bytes its heads were trained on', () => {
  const tuned = knownEncoders().filter((name) => weightsOf(name) !== undefined);
  assert.ok(tuned.length > 0, 'the manifest has a tuned encoder');
  for (const name of tuned) {
    const model = readEncoderModel(name, modelDir(name));
    assert.notEqual(sha256Hex(model), sha256Hex(readFileSync(join(modelDir(name), 'model.onnx'))), name);
    assert.equal(model.length, readFileSync(join(modelDir(name), 'model.onnx')).length, `${name}: same tensors, same sizes`);
  }
});

test('weights that do not fit the model are refused by name, type and shape', () => {
  assert.throws(() => withInitializers(base, weightsFile([[BIAS, [383], new Float32Array(383)]])),
    /^Error: the weights' encoder\.layer\.0\.output\.LayerNorm\.bias is of type 1 and shape \[383\]; the model's is of type 1 and shape \[384\]$/);
  // An int8 matrix of the export (type 3) given as float32 (type 1).
  assert.throws(() => withInitializers(base, weightsFile([['onnx::MatMul_787_quantized', [384, 384], new Float32Array(384 * 384)]])),
    /the weights' onnx::MatMul_787_quantized is of type 1 and shape \[384,384\]; the model's is of type 3 and shape \[384,384\]/);
  assert.throws(() => withInitializers(base, weightsFile([['decoder.bias', [2], new Float32Array(2)], [BIAS, [384], new Float32Array(384)]])),
    /^Error: the model has no initializer named decoder\.bias for the weights to replace$/);
  assert.throws(() => withInitializers(base, Buffer.from('{"weights": []}')), /^Error: the weights are not an ONNX model: unsupported protobuf wire type 3$/);
});

test('a tuned encoder whose weights file is missing or altered does not start, and says which file and why', () => {
  const tuned = knownEncoders().find((name) => weightsOf(name) !== undefined)!;
  const pinned = weightsOf(tuned)!;
  const dir = mkdtempSync(join(tmpdir(), 'sy-weights-'));
  assert.throws(() => readEncoderModel(tuned, modelDir(tuned), { ...pinned, path: join(dir, 'gone.onnx') }),
    (e: Error) => e.message.startsWith(`encoder ${tuned}: its tuned weights `) && /gone\.onnx are missing; they are part of the repository \(restore them with `git checkout -- .*gone\.onnx`\)$/.test(e.message));
  const altered = Buffer.from(readFileSync(pinned.path));
  altered[altered.length - 1] ^= 1;
  writeFileSync(join(dir, 'altered.onnx'), altered);
  assert.throws(() => readEncoderModel(tuned, modelDir(tuned), { ...pinned, path: join(dir, 'altered.onnx') }),
    (e: Error) => e.message.includes(`altered.onnx has sha256 ${sha256Hex(altered)}, but scripts/models/manifest.json pins ${pinned.sha256}; its heads were trained with the pinned weights`));
  const other = weightsFile([['decoder.bias', [2], new Float32Array(2)]]);
  writeFileSync(join(dir, 'other.onnx'), other);
  assert.throws(() => readEncoderModel(tuned, modelDir(tuned), { path: join(dir, 'other.onnx'), sha256: sha256Hex(other) }),
    (e: Error) => e.message.startsWith(`encoder ${tuned}: `) && e.message.endsWith('does not fit ' + join(modelDir(tuned), 'model.onnx') + ': the model has no initializer named decoder.bias for the weights to replace'));
});

test('weights belong to a named encoder: a model directory given without a name runs as it is', () => {
  const tuned = knownEncoders().find((name) => weightsOf(name) !== undefined)!;
  assert.equal(weightsFor(undefined, modelDir(tuned)), undefined);
  assert.deepEqual(weightsFor(tuned, modelDir(tuned)), weightsOf(tuned));
  assert.deepEqual(weightsFor(tuned, undefined), weightsOf(tuned));
  assert.deepEqual(weightsFor(undefined, undefined), weightsOf(DEFAULT_MODEL));
});

test('nodes carry integer attributes, one value or a list, and refuse what the writer cannot encode', () => {
  const node = fields(nodeProto('ReduceMax', ['x'], 'y', { keepdims: 1, axes: [1, 300] }));
  const attributes = node.filter((f) => f.num === ONNX.node.attribute).map((a) => fields(a.body));
  const text = (f: { body: Uint8Array }) => new TextDecoder().decode(f.body);
  assert.deepEqual(attributes.map((a) => text(a.find((f) => f.num === ONNX.attribute.name)!)), ['keepdims', 'axes']);
  assert.deepEqual(attributes[0].filter((f) => f.num !== ONNX.attribute.name).map((f) => [f.num, f.value]), [[ONNX.attribute.i, 1], [ONNX.attribute.type, ONNX.attributeType.int]]);
  assert.deepEqual(attributes[1].filter((f) => f.num !== ONNX.attribute.name).map((f) => [f.num, f.value]),
    [[ONNX.attribute.ints, 1], [ONNX.attribute.ints, 300], [ONNX.attribute.type, ONNX.attributeType.ints]]);
  assert.throws(() => nodeProto('TopK', ['x', 'k'], ['v', 'i'], { axis: -1 }), /TopK attribute axis: -1 is not a non-negative integer/);
  assert.throws(() => nodeProto('Split', ['x'], ['a', 'b'], { axis: [0.5] }), /Split attribute axis: 0.5 is not a non-negative integer/);
});

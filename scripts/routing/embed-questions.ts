// Embeds every MMLU-Pro question with the product classifier's embed() (the encoder as the control
// plane loads it: same tokenizer, tuned weights, layer and pooling; first 512-token window) and caches
// the vectors, so evaluate.ts can run the per-prompt kNN strategy without re-encoding.
//
//   node --import tsx scripts/routing/embed-questions.ts [--encoder NAME] [--data DIR] [--device cpu|cuda|auto]
//
// --encoder names an encoder of scripts/models/manifest.json (default: the default encoder). Writes
// .cache/routing/NAME/questions.emb.f32 ([rows x hidden] float32) and questions.emb.json
// ({ ids, hidden, encoder_sha256 }); the sha lets readers refuse vectors from other model bytes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { createEncoderClassifier } from '../../controlplane/classify/classifier.ts';
import type { Device } from '../../controlplane/classify/encoder.ts';
import { readEncoderModel } from '../../controlplane/classify/encoder-model.ts';
import { sha256Hex } from '../../controlplane/classify/hash.ts';
import { DEFAULT_MODEL, modelDirOf } from '../../controlplane/classify/paths.ts';
import { WordPieceTokenizer } from '../../controlplane/classify/tokenizer.ts';
import { loadQuestions } from './data.ts';
import { dataDir, embeddingsPrefix, routingEncoder } from './paths.ts';

const { values } = parseArgs({ options: { encoder: { type: 'string', default: DEFAULT_MODEL }, data: { type: 'string' }, device: { type: 'string', default: 'cpu' } } });
const name = routingEncoder(values.encoder);
const prefix = embeddingsPrefix(name);
const questions = loadQuestions(dataDir(values.data));
const clf = createEncoderClassifier({ name, device: values.device as Device, maxQueue: 1 << 20, maxBatchSize: 32 });
await clf.init();
// Batches sorted by length in tokens waste little compute on padding; vectors are stored in question
// order. (The batches also decide the vectors' last digits: onnxruntime quantizes a batch's
// activations with one scale.)
const tok = WordPieceTokenizer.fromFile(join(modelDirOf(name), 'tokenizer.json'));
const lengths = questions.map((q) => tok.encode(q.question, 512).ids.length);
const order = lengths.map((_, i) => i).sort((a, b) => lengths[a] - lengths[b]);
let emb: Float32Array | undefined;
let hidden = 0;
const t0 = Date.now();
for (let s = 0; s < order.length; s += 32) {
  const batch = order.slice(s, s + 32);
  const out = await clf.embed(batch.map((i) => questions[i].question));
  hidden = out[0].length;
  emb ??= new Float32Array(questions.length * hidden);
  batch.forEach((i, k) => emb!.set(out[k], i * hidden));
  if ((s / 32) % 20 === 0) process.stderr.write(`\r${s + batch.length}/${order.length} ${((Date.now() - t0) / 1000).toFixed(0)}s`);
}
process.stderr.write('\n');
mkdirSync(dirname(prefix), { recursive: true });
writeFileSync(`${prefix}.f32`, Buffer.from(emb!.buffer));
writeFileSync(`${prefix}.json`, JSON.stringify({ ids: questions.map((q) => q.id), hidden, encoder_sha256: sha256Hex(readEncoderModel(name, modelDirOf(name))) }));
console.error(`embedded ${questions.length} questions with ${name} in ${((Date.now() - t0) / 1000).toFixed(0)}s (${clf.provider})`);
await clf.close();

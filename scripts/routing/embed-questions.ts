// Embeds every MMLU-Pro question with the product encoder (controlplane/classify: same tokenizer, same
// pooling, first 512-token window) and caches the vectors, so evaluate.ts can run the real category
// head and the per-prompt kNN strategy without re-encoding (~0.1 s a question on 2 CPU cores).
//
//   node --import tsx scripts/routing/embed-questions.ts [--data DIR] [--device cpu|cuda|auto]
//
// Writes .cache/routing/questions.emb.f32 ([rows x hidden] float32) and questions.emb.json
// ({ ids, hidden, encoder_sha256 }); the sha lets readers refuse vectors from another encoder.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { Encoder, type Device } from '../../controlplane/classify/encoder.ts';
import { sha256File } from '../../controlplane/classify/hash.ts';
import { modelDirOf } from '../../controlplane/classify/paths.ts';
import { WordPieceTokenizer } from '../../controlplane/classify/tokenizer.ts';
import { loadQuestions } from './data.ts';
import { dataDir, EMB_PREFIX, ROUTING_ENCODER } from './paths.ts';

const { values } = parseArgs({ options: { data: { type: 'string' }, device: { type: 'string', default: 'cpu' } } });
const modelDir = modelDirOf(ROUTING_ENCODER);
const questions = loadQuestions(dataDir(values.data));
const tok = WordPieceTokenizer.fromFile(join(modelDir, 'tokenizer.json'));
const enc = await Encoder.create({ modelDir, device: values.device as Device, maxQueue: 1 << 20, maxBatchSize: 32 });
const ids = questions.map((q) => tok.encode(q.question, 512).ids);
// Length-sorted batches waste little compute on padding; vectors are stored in question order.
const order = ids.map((_, i) => i).sort((a, b) => ids[a].length - ids[b].length);
const emb = new Float32Array(questions.length * enc.hidden);
const t0 = Date.now();
for (let s = 0; s < order.length; s += 32) {
  const batch = order.slice(s, s + 32);
  const out = await enc.encodeMany(batch.map((i) => ids[i]));
  batch.forEach((i, k) => emb.set(out[k].embedding, i * enc.hidden));
  if ((s / 32) % 20 === 0) process.stderr.write(`\r${s + batch.length}/${order.length} ${((Date.now() - t0) / 1000).toFixed(0)}s`);
}
process.stderr.write('\n');
mkdirSync(dirname(EMB_PREFIX), { recursive: true });
writeFileSync(`${EMB_PREFIX}.f32`, Buffer.from(emb.buffer));
writeFileSync(`${EMB_PREFIX}.json`, JSON.stringify({ ids: questions.map((q) => q.id), hidden: enc.hidden, encoder_sha256: sha256File(join(modelDir, 'model.onnx')) }));
await enc.close();
console.error(`embedded ${questions.length} questions in ${((Date.now() - t0) / 1000).toFixed(0)}s (${enc.provider})`);

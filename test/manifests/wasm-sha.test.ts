// The EnvoyExtensionPolicy pins the wasm module's sha256; Envoy Gateway refuses (and with failOpen
// silently drops) a module whose digest differs. This test compiles the filter from the current
// source (same command as `npm run build:filter`, into a scratch file) and fails when the pinned
// digest is stale. Fix: node scripts/k8s/update-wasm-sha.mjs --build
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildWasm, findPins, sha256File } from '../../scripts/k8s/update-wasm-sha.mjs';
import { cacheDir, repoRoot } from './helpers.ts';

const noFilter = existsSync(join(repoRoot, 'filter', 'main.ts')) ? false : 'filter/main.ts does not exist yet';

describe('wasm sha256 pin', () => {
  it('exactly one pin, next to the control plane module URL', () => {
    const pins = findPins();
    assert.equal(pins.length, 1, JSON.stringify(pins));
    assert.match(pins[0].sha256, /^[0-9a-f]{64}$/);
  });

  it('matches the module built from the current filter source', { skip: noFilter }, () => {
    const dir = join(cacheDir, 'tmp', `wasm-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    try {
      const sha = sha256File(buildWasm(join(dir, 'switchyard.wasm')));
      for (const p of findPins()) {
        assert.equal(p.sha256, sha, `${p.file} pins a stale sha256; run: node scripts/k8s/update-wasm-sha.mjs --build`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--check exits 1 and names the file when the pin does not match the module', () => {
    const dir = join(cacheDir, 'tmp', `wasm-check-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    try {
      const other = join(dir, 'other.wasm');
      writeFileSync(other, Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
      const r = spawnSync(process.execPath, ['scripts/k8s/update-wasm-sha.mjs', '--check', '--wasm', other], { cwd: repoRoot, encoding: 'utf8' });
      assert.equal(r.status, 1, r.stdout + r.stderr);
      assert.match(r.stderr, /stale: manifests\/envoy-gateway\/core\/extension-policy\.yaml/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

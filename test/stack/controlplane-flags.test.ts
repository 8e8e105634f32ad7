// `switchyard controlplane` flags for the admin port, the config store and the admin token, run as a
// user runs them: a separate process, its output and exit code.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { rulesConfig } from '../controlplane/config-helpers.ts';
import { BIN, startControlPlaneProcess as start } from '../cli-process.ts';
import { freePort } from '../../scripts/free-port.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-cp-flags-'));
const config = join(dir, 'rules.json');
writeFileSync(config, JSON.stringify(rulesConfig('alpha', 'math-model')));

function controlplane(...args: string[]) {
  return spawnSync(process.execPath, [BIN, 'controlplane', ...args], { encoding: 'utf8', timeout: 60_000 });
}


describe('switchyard controlplane flags', () => {
  it('refuses equal ports, two stores, and a malformed --store with exit 2', () => {
    const same = controlplane('--port', '9999', '--admin-port', '9999');
    assert.equal(same.status, 2);
    assert.match(same.stderr, /--admin-port must differ from --port/);
    const both = controlplane('--port', '9999', '--state-dir', dir, '--store', 'kubernetes:a/b');
    assert.equal(both.status, 2);
    assert.match(both.stderr, /give either --state-dir or --store, not both/);
    const bad = controlplane('--port', '9999', '--store', 'etcd://x');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--store must be kubernetes:NAMESPACE\/CONFIGMAP .*got "etcd:\/\/x"/);
  });

  it('says precisely what is wrong with a token file or a state directory (exit 1)', () => {
    const empty = join(dir, 'empty-token');
    writeFileSync(empty, '\n');
    const emptyRun = controlplane('--port', '39917', '--config', config, '--admin-token-file', empty);
    assert.equal(emptyRun.status, 1);
    assert.match(emptyRun.stderr, new RegExp(`--admin-token-file ${empty}: the file is empty`));
    const dirRun = controlplane('--port', '39917', '--config', config, '--admin-token-file', dir);
    assert.equal(dirRun.status, 1);
    assert.match(dirRun.stderr, /--admin-token-file .*: cannot read it: EISDIR/);
    const notDir = controlplane('--port', '39917', '--config', config, '--state-dir', config);
    assert.equal(notDir.status, 1);
    assert.match(notDir.stderr, new RegExp(`--state-dir ${config}: not a directory`));
  });

  it('names the admin API when its port is in use', async () => {
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const busy = (server.address() as AddressInfo).port;
    try {
      const run = controlplane('--port', String(await freePort()), '--admin-port', String(busy), '--config', config);
      assert.equal(run.status, 1);
      assert.match(run.stderr, new RegExp(`admin API: cannot listen on 127\\.0\\.0\\.1:${busy}: port ${busy} is already in use`));
    } finally {
      server.close();
    }
  });

  it('keeps a config written through the API across a restart with --state-dir', { timeout: 120_000 }, async () => {
    const stateDir = join(dir, 'state');
    const [port, adminPort] = [await freePort(), await freePort()];
    const args = ['--port', String(port), '--admin-port', String(adminPort), '--config', config, '--state-dir', stateDir];
    const env = { SWITCHYARD_ADMIN_TOKEN: 'restart-token' };
    const first = await start(args, env);
    const put = await fetch(`http://127.0.0.1:${adminPort}/v1/config`, {
      method: 'PUT',
      headers: { authorization: 'Bearer restart-token', 'content-type': 'application/json' },
      body: JSON.stringify(rulesConfig('beta', 'code-model')),
    });
    assert.equal(put.status, 200);
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');
    const second = await start(args, env);
    try {
      assert.match(second.output(), new RegExp(`config store: file:${stateDir}`));
      const res = await fetch(`http://127.0.0.1:${adminPort}/v1/config`);
      assert.equal(res.headers.get('etag'), '"2"');
      assert.equal(((await res.json()) as { categories: { name: string }[] }).categories[0]?.name, 'beta');
    } finally {
      second.child.kill('SIGTERM');
      await once(second.child, 'exit');
    }
    // The token never shows up in what the process printed.
    assert.doesNotMatch(first.output() + second.output(), /restart-token/);
  });
});

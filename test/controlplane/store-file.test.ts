// The file store: compare-and-swap versions, history, precise errors for unusable directories and
// corrupt files, crash safety under kill -9, and two control planes converging through one directory.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createFileStore, STATE_FILE } from '../../controlplane/config/store/file.ts';
import { HISTORY_LIMIT, StoreError, VersionConflictError } from '../../controlplane/config/store/types.ts';
import { startControlPlane } from '../../controlplane/server.ts';
import { decide, rulesConfig } from './config-helpers.ts';

const WRITER = fileURLToPath(new URL('./fixtures/store-writer.ts', import.meta.url));
const tempDir = () => mkdtempSync(join(tmpdir(), 'switchyard-store-'));

describe('file store', () => {
  it('numbers versions, refuses a stale expected version, keeps the last versions', async () => {
    const store = createFileStore(tempDir());
    assert.equal(await store.current(), undefined);
    const first = await store.commit({ a: 1 }, 0);
    assert.equal(first.version, 1);
    await assert.rejects(store.commit({ a: 2 }, 0), (err: Error) => err instanceof VersionConflictError && /expected version 0, the store is at version 1/.test(err.message));
    for (let v = 1; v < HISTORY_LIMIT + 5; v++) await store.commit({ a: v + 1 }, v);
    const history = await store.history();
    assert.equal(history.length, HISTORY_LIMIT);
    assert.equal(history[0]?.version, HISTORY_LIMIT + 5);
    assert.deepEqual((await store.current())?.document, { a: HISTORY_LIMIT + 5 });
    await store.close();
  });

  it('keeps versions across reopening', async () => {
    const dir = tempDir();
    const store = createFileStore(dir);
    await store.commit({ kept: true }, 0);
    await store.close();
    assert.deepEqual((await createFileStore(dir).current())?.document, { kept: true });
  });

  it('says precisely why a directory or its file cannot be used', () => {
    const dir = tempDir();
    const file = join(dir, 'plain-file');
    writeFileSync(file, 'x');
    assert.throws(() => createFileStore(file), (err: Error) => err instanceof StoreError && err.message === `--state-dir ${file}: not a directory`);
    const corrupt = tempDir();
    writeFileSync(join(corrupt, STATE_FILE), '{"versions": [');
    assert.throws(() => createFileStore(corrupt), /config-versions\.json is not valid JSON .*restore it from a backup or remove it/);
    const wrongShape = tempDir();
    writeFileSync(join(wrongShape, STATE_FILE), '{"versions": [{"version": "one"}]}');
    assert.throws(() => createFileStore(wrongShape), /does not hold config versions/);
    if (process.getuid?.() !== 0) {
      const readOnly = tempDir();
      chmodSync(readOnly, 0o500);
      assert.throws(() => createFileStore(readOnly), /not writable: EACCES/);
    }
  });

  it('survives kill -9 at any moment: the file stays valid and the next writer goes on', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    let last = 0;
    for (let round = 0; round < 8; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dir], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      // Past tsx's start-up, then a different point in the write loop every round.
      await new Promise((resolve) => setTimeout(resolve, 1500 + round * 37));
      child.kill('SIGKILL');
      await once(child, 'exit');
      assert.equal(stderr, '', 'the writer failed on its own');
      const store = createFileStore(dir);
      const history = await store.history();
      const current = history[0];
      assert.ok(current !== undefined && current.version >= last, `round ${round}: no progress`);
      assert.deepEqual(
        history.map((v) => v.version),
        history.map((_, i) => current.version - i),
        'versions stay contiguous',
      );
      last = current.version;
      // A lock or temporary file left by the killed writer never blocks the next commit.
      await store.commit({ after: round }, current.version);
      last += 1;
      await store.close();
    }
    assert.ok(last > 16, `the writers committed only ${last} versions`);
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp-')), []);
  });
});

describe('two control planes sharing one state directory', () => {
  it('converge on a change made through either, within a second', async () => {
    const dir = tempDir();
    const configDir = tempDir();
    const seed = join(configDir, 'seed.json');
    writeFileSync(seed, JSON.stringify(rulesConfig('alpha', 'math-model')));
    const token = 'shared-token-abcdef';
    const a = await startControlPlane({ port: 0, configPath: seed, store: createFileStore(dir), adminToken: token });
    const b = await startControlPlane({ port: 0, configPath: seed, store: createFileStore(dir), adminToken: token });
    try {
      await Promise.all([a.ready, b.ready]);
      const put = await fetch(`http://127.0.0.1:${a.port}/v1/config`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(rulesConfig('beta', 'code-model')),
      });
      assert.equal(put.status, 200);
      const deadline = Date.now() + 1000;
      while ((await decide(b.port, 'hello')).model !== 'code-model') {
        assert.ok(Date.now() < deadline, 'b did not pick up the change within 1 s');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const etag = (await fetch(`http://127.0.0.1:${b.port}/v1/config`)).headers.get('etag');
      assert.equal(etag, '"2"');
      // b is now current, so a write through b with If-Match "2" wins, and a catches up.
      const back = await fetch(`http://127.0.0.1:${b.port}/v1/config/rollback`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'if-match': '"2"' },
        body: '{"version": 1}',
      });
      assert.equal(back.status, 200);
      const until = Date.now() + 1000;
      while ((await decide(a.port, 'hello')).model !== 'math-model') {
        assert.ok(Date.now() < until, 'a did not pick up the rollback within 1 s');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

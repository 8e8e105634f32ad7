// The `switchyard` command as a user runs it: a separate process, its output and exit code.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/switchyard.js', import.meta.url));

function switchyard(...args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
}

async function occupy(): Promise<Server> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

/** Ports that were free a moment ago (the OS rarely hands them out again at once). */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, occupy));
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

describe('switchyard CLI', () => {
  it('rejects an unknown flag with exit 2 and the usage', () => {
    const run = switchyard('up', '--prot', '8080');
    assert.equal(run.status, 2);
    assert.match(run.stderr, /switchyard up: Unknown option '--prot'/);
    assert.match(run.stderr, /usage: switchyard up \[--port 8080\]/);
  });

  it('rejects an unknown command with exit 2, listing the commands', () => {
    const run = switchyard('launch');
    assert.equal(run.status, 2);
    assert.match(run.stderr, /unknown command "launch" \(commands: up, controlplane, models, gpu, demo-llm\)/);
  });

  it('rejects a bad port and equal ports with exit 2', () => {
    assert.match(switchyard('up', '--port', '70000').stderr, /--port must be a port number 1-65535, got "70000"/);
    const same = switchyard('up', '--port', '9999', '--admin-port', '9999');
    assert.equal(same.status, 2);
    assert.match(same.stderr, /--port and --admin-port are both 9999/);
  });

  it('names the port and its flag when a port is taken, exit 1', async () => {
    const taken = await occupy();
    try {
      const port = (taken.address() as AddressInfo).port;
      const run = switchyard('up', '--port', String(port));
      assert.equal(run.status, 1);
      assert.match(run.stderr, new RegExp(`port ${port} on 127.0.0.1 is already in use; choose another with --port <port>`));
      const [free] = await freePorts(1);
      const admin = switchyard('up', '--port', String(free), '--admin-port', String(port));
      assert.equal(admin.status, 1);
      assert.match(admin.stderr, /choose another with --admin-port <port>/);
    } finally {
      taken.close();
    }
  });

  it('models pull: usage errors exit 2, a missing --from-dir exits 1 naming the path, a verified cache exits 0', () => {
    const none = switchyard('models');
    assert.equal(none.status, 2);
    assert.match(none.stderr, /^switchyard models: missing subcommand \(expected pull\)\nusage: switchyard models pull /);
    const both = switchyard('models', 'pull', '--from-dir', 'a', '--from-jar', 'b');
    assert.equal(both.status, 2);
    assert.match(both.stderr, /give either --from-dir or --from-jar, not both/);
    const missing = switchyard('models', 'pull', '--from-dir', '/nonexistent-switchyard-dir');
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /^switchyard models: \/nonexistent-switchyard-dir\/model\.onnx not found/);
    const cached = switchyard('models', 'pull');
    assert.equal(cached.status, 0, cached.stderr);
    // The default encoder runs MiniLM's pinned files (with its tuned weights from the repo).
    assert.match(cached.stdout, /^switchyard: encoder model already present in \S+\/all-minilm-l6-v2-q\n$/);
    const all = switchyard('models', 'pull', '--all');
    assert.equal(all.status, 0, all.stderr);
    assert.match(all.stdout, /^switchyard: encoder model already present in \S+\/bge-small-en-v1\.5-q\nswitchyard: encoder model already present in \S+\/all-minilm-l6-v2-q\n$/);
    const unknown = switchyard('models', 'pull', '--model', 'bert-large');
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /^switchyard models: unknown model "bert-large"; known: bge-small-en-v1\.5-q, all-minilm-l6-v2-q, all-minilm-l6-v2-q-3-layers, all-minilm-l6-v2-q-3-tuned\n/);
    const allAndOne = switchyard('models', 'pull', '--all', '--model', 'x');
    assert.equal(allAndOne.status, 2);
    assert.match(allAndOne.stderr, /give either --model or --all, not both/);
  });

  it('gpu: usage errors exit 2 and name the subcommand it expects', () => {
    const none = switchyard('gpu');
    assert.equal(none.status, 2);
    assert.match(none.stderr, /^switchyard gpu: missing subcommand \(expected install\)\nusage: switchyard gpu install \[--force\]\n$/);
    const other = switchyard('gpu', 'remove');
    assert.equal(other.status, 2);
    assert.match(other.stderr, /^switchyard gpu: unknown subcommand "remove" \(expected install\)/);
    const flag = switchyard('gpu', 'install', '--cuda', '11');
    assert.equal(flag.status, 2);
    assert.match(flag.stderr, /^switchyard gpu install: Unknown option '--cuda'/);
  });

  it('up serves routed requests, prints one ready line, and stops cleanly on SIGTERM', async () => {
    const [port, adminPort] = await freePorts(2);
    const child = spawn(process.execPath, [BIN, 'up', '--port', String(port), '--admin-port', String(adminPort)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = once(child, 'exit');
    try {
      const deadline = Date.now() + 90_000;
      while (!stdout.includes('\n') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
      assert.match(
        stdout,
        new RegExp(`^switchyard: ready on http://127\\.0\\.0\\.1:${port} \\(admin :${adminPort}, control plane :\\d+, models: math-model,code-model,general\\)\\n$`),
        `stdout: ${stdout}\nstderr: ${stderr}`,
      );
      const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'MoM', messages: [{ role: 'user', content: 'Write a python function that reverses a list' }] }),
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-selected-model'), 'code-model');
      await res.text();
    } finally {
      child.kill('SIGTERM');
      const [code] = await exited;
      assert.equal(code, 0, `exit code; stderr: ${stderr}`);
    }
    assert.match(stdout, /switchyard: stopped\n$/);
    // Nothing is left listening: Envoy and the servers are all gone.
    for (const p of [port, adminPort]) {
      const probe = createServer().listen(p, '127.0.0.1');
      await once(probe, 'listening');
      probe.close();
    }
  });
});

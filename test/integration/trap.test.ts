// What Envoy 1.36 does when the wasm filter's VM traps (a module built to trap on every request),
// for both failure modes, which the bootstrap maps onto the wasm filter's failure_policy. Measured:
// the request during which the VM traps is answered 503 in either mode; the VM is then failed, and
// with FAIL_OPEN every later request skips the filter (default route), with FAIL_CLOSED gets 503.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ensureEnvoy } from '../../scripts/install-envoy.mjs';
import { startStack, type Stack } from '../../stack/stack.ts';
import { chatBody, MODEL_HEADER, post, SUITE } from './harness.ts';

const SOURCE = fileURLToPath(new URL('./fixtures/trap.ts', import.meta.url));
const ASC = fileURLToPath(new URL('../../node_modules/.bin/asc', import.meta.url));

function buildTrapModule(): string {
  const out = join(mkdtempSync(join(tmpdir(), 'switchyard-trap-')), 'trap.wasm');
  const run = spawnSync(ASC, [SOURCE, '--outFile', out, '--runtime', 'stub', '--use', 'abort=', '-O'], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`asc failed: ${run.stderr}`);
  return out;
}

for (const mode of ['open', 'closed'] as const) {
  describe(`a trapping filter, failure_mode ${mode}`, SUITE, () => {
    let stack: Stack | undefined;
    before(async () => {
      stack = await startStack({ envoyPath: ensureEnvoy(), wasmPath: buildTrapModule(), filter: { failure_mode: mode }, concurrency: 1 });
    }, { timeout: 120_000 });
    after(() => stack?.close());

    it('never hangs: the trapping request gets 503, later ones follow the failure policy, Envoy keeps serving', async () => {
      const body = chatBody('auto', 'What is the derivative of x^2?');
      const replies = [];
      for (let i = 0; i < 3; i++) replies.push(await post((stack as Stack).url, '/v1/chat/completions', body));
      assert.equal(replies[0]?.status, 503);
      for (const reply of replies.slice(1)) {
        if (mode === 'open') {
          assert.equal(reply.status, 200, reply.body.toString());
          assert.equal(reply.headers.get(MODEL_HEADER), (stack as Stack).config.default_model);
        } else {
          assert.equal(reply.status, 503);
        }
      }
      assert.match((stack as Stack).envoy.logTail(20), /proxy_on_request_headers failed: Uncaught RuntimeError: unreachable/);
      assert.equal((await fetch(`${(stack as Stack).adminUrl}/ready`)).status, 200);
    });
  });
}

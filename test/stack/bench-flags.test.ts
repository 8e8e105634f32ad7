// `npm run bench` refuses flags that do not go together before it builds or starts anything.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const BENCH = fileURLToPath(new URL('../../scripts/bench.ts', import.meta.url));

const cases: Array<[string[], string]> = [
  [['--classifier', '--connections', '8'], 'bench: --connections measure the filter; --classifier takes --models, --threads, --device and --rounds'],
  [['--classifier', '--models', 'all-minilm-l6-v2-q,nope'], 'bench: unknown encoder nope (expected '],
  [['--classifier', '--device', 'tpu'], 'bench: --device must be cpu, cuda or auto, got "tpu"'],
  [['--classifier', '--threads', '2,0'], 'bench: --threads must be a positive integer, got "0"'],
  [['--classifier', '--rounds', 'x'], 'bench: --rounds must be a positive integer, got "x"'],
  [['--models', 'all-minilm-l6-v2-q', '--device', 'cuda'], 'bench: --models, --device need --classifier'],
];

for (const [args, message] of cases) {
  test(`bench ${args.join(' ')}: usage error`, () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', BENCH, ...args], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.ok(r.stderr.startsWith(message), r.stderr);
  });
}

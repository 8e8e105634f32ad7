#!/usr/bin/env node
// `npm test`: prepares what the tests need, then runs every test/**/*.test.ts with node:test.
// Plain Node on purpose: the first setup step installs the dependencies tsx itself comes from.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ensureEnvoy } from './install-envoy.mjs';
import { ensureFilterBuilt, ensureNodeModules, PrepareError, REPO_ROOT } from './prepare.mjs';
import { setup as setupK8sTools } from './k8s/setup.mjs';
import { loadManifest, pullModel } from './models/pull.mjs';

// Run in order before any test file; each throws to abort the run. Add steps here (e.g. a model
// download) rather than inside test files, so a missing prerequisite fails once and clearly.
export const SETUP_STEPS = [
  { name: 'dependencies', run: ensureNodeModules },
  { name: 'wasm filter', run: ensureFilterBuilt },
  { name: 'Envoy', run: () => ensureEnvoy() },
  // Every encoder of the manifest: the tests run the default one and the others `inference.model` can pick.
  { name: 'encoder models', run: () => Object.keys(loadManifest().models).forEach((name) => pullModel({ name, log: (msg) => console.log(msg) })) },
  { name: 'Kubernetes tools and CRDs', run: () => setupK8sTools() },
];

/** Every *.test.ts under test/, sorted; node --test does not expand .ts globs itself on Node 20. */
function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'fixtures' ? [] : testFiles(path);
      return entry.isFile() && entry.name.endsWith('.test.ts') ? [path] : [];
    })
    .sort();
}

for (const step of SETUP_STEPS) {
  try {
    await step.run();
  } catch (err) {
    console.error(`npm test: setup step "${step.name}" failed: ${err instanceof PrepareError ? err.message : err.stack ?? err}`);
    process.exit(1);
  }
}

const files = testFiles(join(REPO_ROOT, 'test')).map((f) => relative(REPO_ROOT, f));
if (files.length === 0) {
  console.error('npm test: no test/**/*.test.ts files found');
  process.exit(1);
}

// The spec report is for people; a TAP copy on the side yields the `# pass N` / `# fail N` summary
// lines that CI logs are searched for, printed last.
const tapDir = mkdtempSync(join(tmpdir(), 'switchyard-test-'));
const tapFile = join(tapDir, 'report.tap');
const run = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tapFile}`, ...files],
  { cwd: REPO_ROOT, stdio: 'inherit' },
);
try {
  const summary = readFileSync(tapFile, 'utf8').split('\n').filter((line) => /^# (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) /.test(line));
  console.log(summary.join('\n'));
} catch {
  // No TAP file: the runner itself failed to start, and has said why on stderr.
} finally {
  rmSync(tapDir, { recursive: true, force: true });
}
process.exit(run.status ?? 1);

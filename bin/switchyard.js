#!/usr/bin/env node
// The `switchyard` command. Plain JavaScript so it runs on a fresh clone: it installs the
// dependencies when node_modules is missing, then loads the TypeScript CLI through tsx in-process
// (no child Node process whose signals and exit code would need relaying).
import { ensureNodeModules, PrepareError } from '../scripts/prepare.mjs';

try {
  ensureNodeModules();
} catch (err) {
  if (!(err instanceof PrepareError)) throw err;
  console.error(`switchyard: ${err.message}`);
  process.exit(1);
}
const { register } = await import('tsx/esm/api');
register();
const { main } = await import('../stack/cli.ts');
process.exit(await main(process.argv.slice(2)));

// Serves the built filter module to Envoy Gateway, which fetches the EnvoyExtensionPolicy's URL and
// checks the bytes against the policy's sha256 (kept current by scripts/k8s/update-wasm-sha.mjs).

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Router } from 'express';
import { methodNotAllowed, sendError } from '../http.ts';

export const WASM_PATH = '/filter/switchyard.wasm';
/** The module the image carries (Dockerfile), else the one `npm run build:filter` writes. */
export function defaultWasmFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.SWITCHYARD_WASM ?? fileURLToPath(new URL('../../build/switchyard.wasm', import.meta.url));
}

interface Module {
  readonly bytes: Buffer;
  readonly sha256: string;
}

/**
 * Read once at startup: what is served must not change under a running control plane (Envoy Gateway
 * compares it with a sha256 written into the manifests). A missing file is answered per request with
 * how to build it, so the decision API still works without the module.
 */
export function createWasmRouter(file: string): Router {
  let module: Module | undefined;
  let problem = '';
  try {
    const bytes = readFileSync(file);
    module = { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
  } catch (err) {
    problem = `filter module not available: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); build it with "npm run build:filter" or pass --wasm FILE`;
  }
  const router = Router();
  router.get(WASM_PATH, (req, res) => {
    if (module === undefined) return sendError(res, 404, problem, 'wasm_not_found');
    const etag = `"sha256:${module.sha256}"`;
    res.set({ etag, 'x-checksum-sha256': module.sha256, 'cache-control': 'no-cache' });
    if (req.get('if-none-match') === etag) return res.status(304).end();
    res.type('application/wasm').send(module.bytes);
  });
  router.get(`${WASM_PATH}.sha256`, (_req, res) => {
    if (module === undefined) return sendError(res, 404, problem, 'wasm_not_found');
    res.type('text/plain').send(`${module.sha256}  switchyard.wasm\n`);
  });
  router.all([WASM_PATH, `${WASM_PATH}.sha256`], methodNotAllowed(['GET']));
  return router;
}

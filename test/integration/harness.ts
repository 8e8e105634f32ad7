// Starts the real stack (control plane, demo LLMs, Envoy running the built wasm filter) on free
// loopback ports for a test file, and tears it down after the file even when tests fail.

import { after, before } from 'node:test';
import { ensureEnvoy } from '../../scripts/install-envoy.mjs';
import { ensureFilterBuilt } from '../../scripts/prepare.mjs';
import type { FilterConfig } from '../../stack/bootstrap.ts';
import { startStack, type Stack } from '../../stack/stack.ts';

// Bounds on a stack start or stop and on a whole suite, so a hang fails its file instead of
// stalling the run (pass SUITE as describe()'s options).
const START_TIMEOUT_MS = 120_000;
export const SUITE = { timeout: 300_000 };

export { ECHO_BODY_HEADER, MODEL_HEADER } from '../../demo/llm.ts';

/**
 * Registers before/after hooks in the current suite and returns a getter for its stack (the default
 * routing config unless `configPath` names another). The getter (not the stack itself) is returned
 * because the stack only exists once `before` has run.
 */
export function useStack(filter: FilterConfig = {}, configPath?: string): () => Stack {
  let stack: Stack | undefined;
  const start = async () => {
    // No-ops when npm test has prepared them; lets a single file run on its own too.
    const wasmPath = ensureFilterBuilt();
    const envoyPath = ensureEnvoy();
    // One worker thread: the tests are sequential, and each worker would compile its own wasm VM.
    stack = await startStack({ envoyPath, wasmPath, filter, concurrency: 1, ...(configPath === undefined ? {} : { configPath }) });
  };
  before(start, { timeout: START_TIMEOUT_MS });
  after(() => stack?.close(), { timeout: START_TIMEOUT_MS });
  return () => {
    if (!stack) throw new Error('the stack is not running (its before hook failed)');
    return stack;
  };
}

export interface Reply {
  status: number;
  headers: Headers;
  body: Buffer;
  json(): unknown;
}

/** POSTs raw bytes (so tests control every byte) and collects the whole answer. */
export async function post(baseUrl: string, path: string, body: string, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(baseUrl + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, body: bytes, json: () => JSON.parse(bytes.toString('utf8')) };
}

export function chatBody(model: string, prompt: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ model, messages: [{ role: 'user', content: prompt }], ...extra });
}

/** The value of one counter at Envoy's Prometheus endpoint, or undefined when it is not exported. */
export async function promCounter(adminUrl: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${adminUrl}/stats/prometheus`)).text();
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)$`, 'm').exec(text);
  return match ? Number(match[1]) : undefined;
}

// Shared by the config API and store tests: rules-only configs and a decision call.

import assert from 'node:assert/strict';

/** A rules-only config (no model to load) whose one category routes "hello" prompts. */
export function rulesConfig(category: string, model: string, defaultModel = 'general'): Record<string, unknown> {
  return {
    version: 1,
    default_model: defaultModel,
    models: ['math-model', 'code-model', 'general'].map((name) => ({ name, backend: { type: 'demo' } })),
    categories: [{ name: category, model, keywords: ['hello'] }],
    classifier: { encoder: false },
  };
}

export async function decide(port: number, prompt: string): Promise<{ model: string; category: string }> {
  const res = await fetch(`http://127.0.0.1:${port}/v1/route`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ version: 1, api: 'openai.chat', path: '/v1/chat/completions', model: 'auto', prompt, stream: false }),
  });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  const body = JSON.parse(text);
  return { model: body.model, category: body.headers['x-switchyard-category'] };
}


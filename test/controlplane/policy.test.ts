// The routing policy: strategies, tenant overrides, confidence threshold, security actions,
// fallbacks, reasoning patches per family, system prompts, explanations, and their schema errors.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError, validateConfig } from '../../controlplane/config/schema.ts';
import type { RouteRequest } from '../../controlplane/contract.ts';
import { createDecisionEngine, type Outcome } from '../../controlplane/decide.ts';
import { compactExplanation } from '../../controlplane/policy/explanation.ts';
import { reasoningEdit } from '../../controlplane/policy/reasoning.ts';
import { startControlPlane, type ControlPlane } from '../../controlplane/server.ts';
import type { Classifier, Signals } from '../../controlplane/signals.ts';

function policyConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: 1,
    default_model: 'safe',
    models: [
      { name: 'strong', backend: { type: 'demo' }, pricing: { input_per_1m: 3, output_per_1m: 15 }, reasoning: { family: 'anthropic', budget_tokens: 2048 } },
      { name: 'thrifty', backend: { type: 'demo' }, pricing: { input_per_1m: 0.1, output_per_1m: 0.4 }, reasoning: { family: 'qwen3' }, pii_allowed: [] },
      { name: 'middle', backend: { type: 'demo' }, pricing: { input_per_1m: 1, output_per_1m: 2 }, pii_allowed: ['EMAIL_ADDRESS'] },
      { name: 'safe', backend: { type: 'demo' }, pricing: { input_per_1m: 0.5, output_per_1m: 0.5 } },
    ],
    categories: [
      {
        name: 'math',
        models: [
          { name: 'strong', score: 0.9 },
          { name: 'thrifty', score: 0.87 },
          { name: 'middle', score: 0.6 },
        ],
        use_reasoning: true,
        system_prompt: { text: 'Show your work.', mode: 'replace' },
      },
      { name: 'chat', models: [{ name: 'middle', score: 0.8 }, { name: 'thrifty', score: 0.7 }] },
    ],
    classifier: { encoder: false },
    routing: { strategy: 'best_score', quality_margin: 0.05, confidence_threshold: 0.5, low_confidence_model: 'safe' },
    security: { jailbreak: { action: 'block' }, pii: { action: 'route' } },
    tenants: {
      header: 'x-team',
      overrides: {
        frugal: { strategy: 'cheapest_within_margin' },
        locked: { allowed_models: ['middle', 'safe'], default_model: 'safe' },
      },
    },
    ...extra,
  };
}

const fixed = (signals: Signals): Classifier => ({ init: async () => {}, classify: async () => signals });
const math = (confidence = 0.95): Signals => ({ category: { label: 'math', confidence, source: 'head' } });

function request(headers: Record<string, string> = {}): RouteRequest {
  return { version: 1, api: 'openai.chat', path: '/v1/chat/completions', model: 'auto', prompt: 'integrate x^2', stream: false, headers };
}

async function decide(signals: Signals, headers: Record<string, string> = {}, extra: Record<string, unknown> = {}): Promise<Outcome> {
  return createDecisionEngine(validateConfig(policyConfig(extra), 'test'), fixed(signals))(request(headers));
}

const modelOf = (o: Outcome) => (o.decision.action === 'route' ? o.decision.model : undefined);

describe('selection strategies', () => {
  it('best_score takes the highest score', async () => {
    assert.equal(modelOf(await decide(math())), 'strong');
  });

  it('cheapest_within_margin takes the cheapest model within the margin of the best', async () => {
    const o = await decide(math(), {}, { routing: { strategy: 'cheapest_within_margin', quality_margin: 0.05 } });
    assert.equal(modelOf(o), 'thrifty');
    assert.equal(o.explanation?.decided_by, 'head:math;cheapest_within_margin');
    // Outside the margin the best model stays.
    const strict = await decide(math(), {}, { routing: { strategy: 'cheapest_within_margin', quality_margin: 0.01 } });
    assert.equal(modelOf(strict), 'strong');
  });
  it('compares prices at the configured answer length', async () => {
    // long-reader charges little for input and much for output; long-writer the other way round.
    const doc = {
      version: 1,
      default_model: 'long-reader',
      models: [
        { name: 'long-reader', backend: { type: 'demo' }, pricing: { input_per_1m: 0.1, output_per_1m: 2 } },
        { name: 'long-writer', backend: { type: 'demo' }, pricing: { input_per_1m: 2, output_per_1m: 0.1 } },
      ],
      categories: [{ name: 'math', models: [{ name: 'long-reader', score: 0.8 }, { name: 'long-writer', score: 0.8 }] }],
      classifier: { encoder: false },
    };
    const pick = async (routing: Record<string, unknown>) =>
      modelOf(await createDecisionEngine(validateConfig({ ...doc, routing: { strategy: 'cheapest_within_margin', ...routing } }, 't'), fixed(math()))(request()));
    // A 13-character prompt is 4 tokens: at the default 256-token answer the output price decides.
    assert.equal(await pick({}), 'long-writer');
    assert.equal(await pick({ expected_output_tokens: 1 }), 'long-reader');
  });
});

describe('tenants', () => {
  it('applies a tenant strategy, labels unknown tenants other and missing ones none', async () => {
    const frugal = await decide(math(), { 'x-team': 'frugal' });
    assert.equal(modelOf(frugal), 'thrifty');
    assert.equal(frugal.tenant, 'frugal');
    assert.equal((await decide(math(), { 'x-team': 'someone' })).tenant, 'other');
    assert.equal((await decide(math())).tenant, 'none');
  });

  it('keeps a tenant to its allowed models, saying why the others were excluded', async () => {
    const o = await decide(math(), { 'x-team': 'locked' });
    assert.equal(modelOf(o), 'middle');
    const excluded = Object.fromEntries((o.explanation?.candidates ?? []).map((c) => [c.model, c.excluded]));
    assert.deepEqual(excluded, { strong: 'not in allowed_models of tenant locked', thrifty: 'not in allowed_models of tenant locked', middle: undefined });
  });
});

describe('confidence threshold', () => {
  it('sends a category signal below the threshold to the low-confidence model', async () => {
    const o = await decide(math(0.3));
    assert.equal(modelOf(o), 'safe');
    assert.equal(o.reason, 'low_confidence');
    assert.equal(o.category, 'math');
  });

  it('holds a custom category\'s match to its own threshold, not this one: its confidence is a cosine', async () => {
    const o = await decide({ category: { label: 'math', confidence: 0.4, source: 'encoder', evidence: 'examples' } });
    assert.equal(modelOf(o), 'strong');
    assert.equal(o.reason, 'encoder:math:examples');
    // The subject head's probability at the same value is held to it.
    assert.equal(modelOf(await decide({ category: { label: 'math', confidence: 0.4, source: 'encoder', evidence: 'model' } })), 'safe');
  });
});

describe('security', () => {
  it('blocks a detected jailbreak with 403', async () => {
    const o = await decide({ ...math(), jailbreak: { detected: true, confidence: 0.97, source: 'head' } });
    assert.deepEqual(o.decision, {
      version: 1,
      action: 'block',
      block: { status: 403, type: 'switchyard_blocked', code: 'jailbreak', message: 'Request blocked by policy: jailbreak or prompt injection detected' },
    });
  });

  it('routes a jailbreak to the configured model, and uses its own threshold when set', async () => {
    const security = { jailbreak: { action: 'route', model: 'safe', threshold: 0.3 }, pii: { action: 'route' } };
    const o = await decide({ ...math(), jailbreak: { detected: false, confidence: 0.4, source: 'head' } }, {}, { security });
    assert.equal(modelOf(o), 'safe');
    assert.equal(o.reason, 'security:jailbreak');
    const below = await decide({ ...math(), jailbreak: { detected: true, confidence: 0.2, source: 'head' } }, {}, { security });
    assert.equal(modelOf(below), 'strong');
  });

  it('lets a jailbreak through with action allow', async () => {
    const o = await decide({ ...math(), jailbreak: { detected: true, confidence: 0.97, source: 'head' } }, {}, { security: { jailbreak: { action: 'allow' } } });
    assert.equal(modelOf(o), 'strong');
  });

  it('routes PII away from a model that may not receive it, to the best one that may', async () => {
    // frugal would take thrifty (cheapest within the margin); thrifty may receive no PII, and among
    // the models that may, the same strategy takes strong (middle is outside the margin).
    const o = await decide({ ...math(), pii: { types: ['EMAIL_ADDRESS'], source: 'regex' } }, { 'x-team': 'frugal' });
    assert.equal(modelOf(o), 'strong');
    assert.equal(o.reason, 'security:pii');
    assert.equal(o.explanation?.candidates.find((c) => c.model === 'thrifty')?.excluded, 'may not receive EMAIL_ADDRESS');
  });

  it('keeps a routed jailbreak on its model: no fallbacks, and a block where the tenant may not use it', async () => {
    const security = { jailbreak: { action: 'route', model: 'strong' }, pii: { action: 'route' } };
    const signals: Signals = { ...math(), jailbreak: { detected: true, confidence: 0.9, source: 'head' } };
    const o = await decide(signals, {}, { security });
    assert.equal(modelOf(o), 'strong');
    assert.equal(o.decision.action === 'route' && o.decision.fallbacks, undefined);
    assert.equal(o.decision.action === 'route' && o.decision.headers?.['x-switchyard-fallbacks'], undefined);
    // The locked tenant may not use strong; its default model would get the jailbreak, so it is blocked.
    const locked = await decide(signals, { 'x-team': 'locked' }, { security });
    assert.equal(locked.decision.action === 'block' && locked.decision.block.code, 'jailbreak');
    assert.equal(locked.explanation?.candidates[0]?.excluded, 'not in allowed_models of tenant locked');
  });

  it('blocks an injection planted in an earlier turn only with jailbreak.earlier_turns', async () => {
    const signals: Signals = { ...math(), jailbreak: { detected: false, confidence: 0.02, source: 'head', earlier: { detected: true, confidence: 0.97 } } };
    const on = await decide(signals, {}, { security: { jailbreak: { action: 'block', earlier_turns: true } } });
    assert.equal(on.decision.action === 'block' && on.decision.block.message, 'Request blocked by policy: jailbreak or prompt injection detected in an earlier turn of the conversation');
    assert.deepEqual(on.explanation?.signals.jailbreak, { detected: true, score: 0.02, earlier_score: 0.97 });
    const off = await decide(signals, {}, { security: { jailbreak: { action: 'block' } } });
    assert.equal(modelOf(off), 'strong');
    assert.deepEqual(off.explanation?.signals.jailbreak, { detected: false, score: 0.02 });
    // A configured threshold applies to the earlier score too.
    const lenient = await decide(signals, {}, { security: { jailbreak: { action: 'block', earlier_turns: true, threshold: 0.99 } } });
    assert.equal(modelOf(lenient), 'strong');
    assert.match(lenient.decision.action === 'route' ? lenient.decision.headers?.['x-switchyard-explain'] ?? '' : '', / jb=0\.02 jb_earlier=0\.97/);
  });

  it('ignores the PII of earlier turns with earlier_turns: none', async () => {
    const o = await decide({ ...math(), pii: { types: [], earlier: ['EMAIL_ADDRESS'], source: 'encoder' } }, { 'x-team': 'frugal' }, { security: { pii: { action: 'route', earlier_turns: 'none' } } });
    assert.equal(modelOf(o), 'thrifty');
    assert.equal(o.explanation?.signals.pii_earlier, undefined);
  });

  it('counts the structured PII of earlier turns, which the chosen model receives too, apart from the prompt\'s', async () => {
    const o = await decide({ ...math(), pii: { types: [], earlier: ['EMAIL_ADDRESS'], source: 'encoder' } }, { 'x-team': 'frugal' });
    assert.equal(modelOf(o), 'strong');
    assert.equal(o.reason, 'security:pii');
    assert.equal(o.explanation?.candidates.find((c) => c.model === 'thrifty')?.excluded, 'may not receive EMAIL_ADDRESS');
    assert.deepEqual([o.explanation?.signals.pii, o.explanation?.signals.pii_earlier], [[], ['EMAIL_ADDRESS']]);
    assert.match(o.decision.action === 'route' ? o.decision.headers?.['x-switchyard-explain'] ?? '' : '', / pii=- pii_earlier=EMAIL_ADDRESS( |$)/);
    // A type also in the prompt is the prompt's.
    const both = await decide({ ...math(), pii: { types: ['EMAIL_ADDRESS'], earlier: ['EMAIL_ADDRESS', 'US_SSN'], source: 'encoder' } }, {}, { security: { pii: { action: 'block' } } });
    assert.deepEqual([both.explanation?.signals.pii, both.explanation?.signals.pii_earlier], [['EMAIL_ADDRESS'], ['US_SSN']]);
    const blocked = await decide({ ...math(), pii: { types: [], earlier: ['US_SSN'], source: 'encoder' } }, { 'x-team': 'frugal' }, { security: { pii: { action: 'block' } } });
    assert.match(blocked.decision.action === 'block' ? blocked.decision.block.message : '', /the conversation contains personal data \(US_SSN\) that thrifty may not receive/);
  });

  it('blocks PII with action block when the preferred model may not receive it', async () => {
    const o = await decide({ ...math(), pii: { types: ['CREDIT_CARD'], source: 'regex' } }, { 'x-team': 'frugal' }, { security: { pii: { action: 'block' } } });
    assert.equal(o.decision.action, 'block');
    assert.equal(o.decision.action === 'block' && o.decision.block.code, 'pii_not_allowed');
    assert.match(o.decision.action === 'block' ? o.decision.block.message : '', /personal data \(CREDIT_CARD\) that thrifty may not receive/);
    // A model allowed everything is not affected.
    assert.equal(modelOf(await decide({ ...math(), pii: { types: ['CREDIT_CARD'], source: 'regex' } }, {}, { security: { pii: { action: 'block' } } })), 'strong');
  });
});

describe('fallbacks, reasoning and system prompt in the decision', () => {
  it('lists eligible alternatives by score, then the default; a reasoning category only ones that reason', async () => {
    const o = await decide(math());
    assert.deepEqual(o.decision.action === 'route' && o.decision.fallbacks, ['thrifty']);
    assert.equal(o.decision.action === 'route' && o.decision.headers?.['x-switchyard-fallbacks'], 'thrifty');
    const chat = await createDecisionEngine(validateConfig(policyConfig(), 't'), fixed({ category: { label: 'chat', confidence: 0.9, source: 'head' } }))(request());
    assert.deepEqual(chat.decision.action === 'route' && chat.decision.fallbacks, ['thrifty', 'safe']);
  });

  it('leaves out a default model that may not receive the prompt\'s personal data', async () => {
    // thrifty, the default here, may receive no PII; chat ranks middle (EMAIL_ADDRESS allowed) and thrifty.
    const config = validateConfig(policyConfig({ default_model: 'thrifty' }), 't');
    const chat = (types: string[]) =>
      createDecisionEngine(config, fixed({ category: { label: 'chat', confidence: 0.9, source: 'head' }, pii: { types, source: 'regex' } }))(request());
    const clean = await chat([]);
    assert.deepEqual(clean.decision.action === 'route' && clean.decision.fallbacks, ['thrifty']);
    const withEmail = await chat(['EMAIL_ADDRESS']);
    assert.equal(modelOf(withEmail), 'middle');
    assert.equal(withEmail.decision.action === 'route' && withEmail.decision.fallbacks, undefined);
    assert.match(withEmail.explanation === undefined ? '' : compactExplanation(withEmail.explanation), / fb=- pii=EMAIL_ADDRESS$/);
  });

  it('carries the reasoning patch of the chosen model family and the category system prompt', async () => {
    const o = await decide(math());
    assert.ok(o.decision.action === 'route');
    assert.deepEqual(o.decision.body_patch, [{ op: 'set', path: ['thinking'], value: { type: 'enabled', budget_tokens: 2048 }, if_absent: true }]);
    assert.deepEqual(o.decision.system_prompt, { text: 'Show your work.', mode: 'replace' });
    // A category without use_reasoning switches a default-on family off.
    const chat = await createDecisionEngine(validateConfig(policyConfig({ routing: { strategy: 'cheapest_within_margin', quality_margin: 0.2 } }), 't'), fixed({ category: { label: 'chat', confidence: 0.9, source: 'head' } }))(request());
    assert.equal(modelOf(chat), 'thrifty');
    assert.deepEqual(chat.decision.action === 'route' && chat.decision.body_patch, [{ op: 'set', path: ['chat_template_kwargs', 'enable_thinking'], value: false, if_absent: true }]);
  });

  const chat = { api: 'openai.chat' };
  const patchOf = (reasoning: Parameters<typeof reasoningEdit>[0], on: boolean, request: Parameters<typeof reasoningEdit>[2] = chat) =>
    reasoningEdit(reasoning, on, request).patch;

  it('has a patch per reasoning family, on and off', () => {
    assert.deepEqual(patchOf({ family: 'qwen3' }, true), [{ op: 'set', path: ['chat_template_kwargs', 'enable_thinking'], value: true, if_absent: true }]);
    assert.deepEqual(patchOf({ family: 'deepseek' }, false), [{ op: 'set', path: ['chat_template_kwargs', 'thinking'], value: false, if_absent: true }]);
    assert.deepEqual(patchOf({ family: 'openai', effort: 'medium' }, true), [{ op: 'set', path: ['reasoning_effort'], value: 'medium', if_absent: true }]);
    assert.deepEqual(patchOf({ family: 'gpt-oss' }, true), [{ op: 'set', path: ['reasoning_effort'], value: 'high', if_absent: true }]);
    assert.deepEqual(patchOf({ family: 'openai' }, false), []);
    assert.deepEqual(patchOf({ family: 'anthropic' }, true, { api: 'anthropic.messages' }), [{ op: 'set', path: ['thinking'], value: { type: 'enabled', budget_tokens: 4096 }, if_absent: true }]);
    assert.deepEqual(patchOf({ family: 'anthropic' }, false, { api: 'anthropic.messages' }), []);
    assert.deepEqual(reasoningEdit(undefined, true, chat), { patch: [] });
  });

  it('writes the reasoning field of the request\'s API: Responses nests the effort, Completions has none', () => {
    // OpenAI's Responses API refuses the Chat Completions field with a 400.
    const responses = { api: 'openai.responses' };
    assert.deepEqual(patchOf({ family: 'openai', effort: 'low' }, true, responses), [{ op: 'set', path: ['reasoning', 'effort'], value: 'low', if_absent: true }]);
    assert.deepEqual(patchOf({ family: 'gpt-oss' }, true, responses), [{ op: 'set', path: ['reasoning', 'effort'], value: 'high', if_absent: true }]);
    assert.deepEqual(patchOf({ family: 'openai' }, false, responses), []);
    assert.deepEqual(patchOf({ family: 'qwen3' }, false, responses), [{ op: 'set', path: ['chat_template_kwargs', 'enable_thinking'], value: false, if_absent: true }]);
    for (const family of ['qwen3', 'deepseek', 'openai', 'gpt-oss', 'anthropic'] as const) {
      assert.deepEqual(reasoningEdit({ family }, true, { api: 'openai.completions' }), { patch: [], heldBack: 'completions' }, family);
      assert.deepEqual(reasoningEdit({ family }, false, { api: 'openai.completions' }), { patch: [] }, family);
    }
  });

  it('holds Anthropic thinking back where the provider would refuse the request, and keeps its budget under max_tokens', () => {
    const claude = { family: 'anthropic', budget_tokens: 8000 } as const;
    const edit = (params: Record<string, number | string>) => reasoningEdit(claude, true, { api: 'anthropic.messages', params });
    const thinking = (budget: number) => ({ patch: [{ op: 'set', path: ['thinking'], value: { type: 'enabled', budget_tokens: budget }, if_absent: true }] });
    assert.deepEqual(edit({ max_tokens: 16000, temperature: 1, top_p: 0.95, tool_choice: 'auto' }), thinking(8000));
    assert.deepEqual(edit({ max_tokens: 4096 }), thinking(4095));
    assert.deepEqual(edit({ max_completion_tokens: 2048, tool_choice: 'none' }), thinking(2047));
    assert.deepEqual(edit({ max_output_tokens: 1025 }), thinking(1024));
    assert.deepEqual(edit({ max_tokens: 1024 }), { patch: [], heldBack: 'max_tokens' });
    assert.deepEqual(edit({ max_tokens: 16000, temperature: 0.2 }), { patch: [], heldBack: 'temperature' });
    assert.deepEqual(edit({ max_tokens: 16000, temperature: 0 }), { patch: [], heldBack: 'temperature' });
    assert.deepEqual(edit({ max_tokens: 16000, top_k: 40 }), { patch: [], heldBack: 'top_k' });
    assert.deepEqual(edit({ max_tokens: 16000, top_p: 0.9 }), { patch: [], heldBack: 'top_p' });
    for (const forced of ['any', 'tool', 'required', 'function']) assert.deepEqual(edit({ max_tokens: 16000, tool_choice: forced }), { patch: [], heldBack: 'tool_choice' }, forced);
    // Off needs no field, so nothing is held back; other families take no notice of these settings.
    assert.deepEqual(reasoningEdit(claude, false, { api: 'anthropic.messages', params: { temperature: 0.2 } }), { patch: [] });
    assert.deepEqual(patchOf({ family: 'qwen3' }, true, { api: 'openai.chat', params: { temperature: 0.2, max_tokens: 10 } }), [{ op: 'set', path: ['chat_template_kwargs', 'enable_thinking'], value: true, if_absent: true }]);
  });

  it('says why reasoning the category asked for was held back, and adds no field', async () => {
    const engine = createDecisionEngine(validateConfig(policyConfig(), 't'), fixed(math()));
    const anthropic = (params: Record<string, number | string>) => engine({ ...request(), api: 'anthropic.messages', path: '/v1/messages', params });
    const held = await anthropic({ max_tokens: 8000, temperature: 0.3 });
    assert.equal(modelOf(held), 'strong');
    assert.ok(held.decision.action === 'route');
    assert.equal(held.decision.body_patch, undefined);
    assert.deepEqual(held.explanation?.reasoning, { on: false, family: 'anthropic', held_back: 'temperature' });
    assert.match(held.decision.explanation ?? '', / think=off:temperature$/);
    const on = await anthropic({ max_tokens: 8000 });
    assert.ok(on.decision.action === 'route');
    assert.deepEqual(on.decision.body_patch, [{ op: 'set', path: ['thinking'], value: { type: 'enabled', budget_tokens: 2048 }, if_absent: true }]);
    assert.match(on.decision.explanation ?? '', / think=on$/);
  });

  it('takes the API from the route request', async () => {
    const raw = policyConfig();
    const [strong, ...rest] = raw.models as Record<string, unknown>[];
    const config = validateConfig({ ...raw, models: [{ ...strong, reasoning: { family: 'openai', effort: 'medium' } }, ...rest] }, 't');
    const engine = createDecisionEngine(config, fixed(math()));
    const patchOf = async (api: string, path: string) => {
      const o = await engine({ ...request(), api, path });
      assert.equal(modelOf(o), 'strong');
      return o.decision.action === 'route' ? o.decision.body_patch : undefined;
    };
    assert.deepEqual(await patchOf('openai.chat', '/v1/chat/completions'), [{ op: 'set', path: ['reasoning_effort'], value: 'medium', if_absent: true }]);
    assert.deepEqual(await patchOf('openai.responses', '/v1/responses'), [{ op: 'set', path: ['reasoning', 'effort'], value: 'medium', if_absent: true }]);
    assert.equal(await patchOf('openai.completions', '/v1/completions'), undefined);
  });
});

describe('explanations', () => {
  it('explain what decided, with every candidate, and fit a header', async () => {
    const o = await decide({ ...math(), jailbreak: { detected: false, confidence: 0.02, source: 'head' }, pii: { types: ['EMAIL_ADDRESS'], source: 'regex' } });
    const e = o.explanation;
    assert.ok(e !== undefined);
    assert.equal(e.decided_by, 'head:math;best_score');
    assert.deepEqual(e.candidates.map((c) => c.model), ['strong', 'thrifty', 'middle']);
    assert.ok(e.candidates.every((c) => typeof c.est_cost_usd === 'number'));
    const header = o.decision.action === 'route' ? o.decision.headers?.['x-switchyard-explain'] : '';
    // No fallback: thrifty may not receive the email address, middle cannot reason.
    assert.equal(header, 'cat=math@0.95 by=head:math;best_score pick=strong fb=- pii=EMAIL_ADDRESS jb=0.02 think=on');
  });

  it('stay within 256 printable bytes whatever the names', () => {
    const long = 'x'.repeat(120);
    const text = compactExplanation({ tenant: 'none', signals: { pii: [] }, category: long, decided_by: long, candidates: [], chosen: long, fallbacks: [long, long] });
    assert.equal(text.length, 256);
    assert.match(text, /^[\x20-\x7e]+$/);
  });

  it('replace anything but printable ASCII, so the header is always valid', () => {
    const text = compactExplanation({ tenant: 'none', signals: { pii: [] }, category: 'math', decided_by: 'encoder:math:\u00e9t\u00e9\n', candidates: [], fallbacks: [] });
    assert.equal(text, 'cat=math by=encoder:math:?t?? fb=- pii=-');
  });
});

describe('POST /v1/route/explain', () => {
  let cp: ControlPlane;
  let url: string;
  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-explain-'));
    const path = join(dir, 'c.json');
    writeFileSync(path, JSON.stringify(policyConfig()));
    cp = await startControlPlane({ port: 0, configPath: path, createClassifier: () => fixed(math()) });
    await cp.ready;
    url = `http://127.0.0.1:${cp.port}/v1/route/explain`;
  });
  after(() => cp.close());

  const post = async (body: string) => {
    const res = await fetch(url, { method: 'POST', body });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  it('returns the decision and its whole explanation for a contract request, without counting it', async () => {
    const { status, body } = await post(JSON.stringify(request({ 'x-team': 'frugal' })));
    assert.equal(status, 200);
    assert.deepEqual(Object.keys(body), ['config_version', 'decision', 'category', 'reason', 'tenant', 'explanation']);
    assert.equal(body.config_version, 1);
    assert.equal(body.decision.model, 'thrifty');
    assert.equal(body.decision.explanation, body.decision.headers['x-switchyard-explain']);
    assert.equal(body.category, 'math');
    assert.equal(body.reason, 'head:math');
    assert.equal(body.tenant, 'frugal');
    assert.equal(body.explanation.chosen, 'thrifty');
    assert.equal(body.explanation.strategy, 'cheapest_within_margin');
    assert.deepEqual(body.explanation.candidates.map((c: { model: string }) => c.model), ['strong', 'thrifty', 'middle']);
    assert.deepEqual(body.explanation.fallbacks, ['strong']);
    assert.deepEqual(body.explanation.reasoning, { on: true, family: 'qwen3' });
    assert.equal(typeof body.explanation.timings_ms.classify, 'number');
    const metrics = await (await fetch(`http://127.0.0.1:${cp.port}/metrics`)).text();
    assert.doesNotMatch(metrics, /^switchyard_decisions_total\{/m);
  });

  it('takes the short form, completed for the first trigger name, header names lower-cased', async () => {
    const { status, body } = await post(JSON.stringify({ prompt: 'integrate x^2', headers: { 'X-Team': 'frugal' } }));
    assert.equal(status, 200);
    assert.equal(body.decision.model, 'thrifty');
    assert.equal(body.tenant, 'frugal');
    // A model that is not a trigger name passes untouched, and there is nothing to explain.
    const pass = await post(JSON.stringify({ prompt: 'integrate x^2', model: 'strong' }));
    assert.deepEqual(pass.body, { config_version: 1, decision: { version: 1, action: 'pass' }, category: 'none', reason: 'not_trigger', tenant: 'none', explanation: null });
  });

  it('answers 400 with the precise problem for bad bodies, and 405 for other methods', async () => {
    const cases: [string, string, string][] = [
      ['{"version": 1}', 'invalid_request', 'api: missing required field; path: missing required field; model: missing required field; prompt: missing required field; stream: missing required field'],
      ['{"version": 2, "prompt": "x"}', 'unsupported_version', 'version: unsupported contract version 2 (this control plane speaks 1)'],
      ['{"promt": "x"}', 'invalid_request', 'promt: unknown field (did you mean "prompt"?); prompt: missing required field'],
      ['{"prompt": 3, "context": ["a", 4], "headers": {"x-team": 1}}', 'invalid_request', 'prompt: expected a string, got integer; context[1]: expected a string, got integer; headers.x-team: expected a string, got integer'],
      ['["integrate"]', 'invalid_request', 'request body must be a JSON object, got array'],
      ['{"prompt": ', 'invalid_json', ''],
    ];
    for (const [text, code, message] of cases) {
      const { status, body } = await post(text);
      assert.equal(status, 400, text);
      assert.equal(body.error.code, code, text);
      if (message !== '') assert.equal(body.error.message, message, text);
    }
    const get = await fetch(url);
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
  });
});

describe('policy schema errors', () => {
  const problems = (doc: Record<string, unknown>) => {
    try {
      validateConfig(doc, 'test');
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
    return [];
  };
  const base = policyConfig();
  const models = base.models as Record<string, unknown>[];

  it('names each problem with its path', () => {
    assert.deepEqual(problems({ ...base, models: [{ ...models[0], reasoning: { family: 'llama' } }, ...models.slice(1)] }), [
      'models[0].reasoning.family: unknown value "llama" (expected qwen3, deepseek, gpt-oss, openai, anthropic)',
    ]);
    assert.deepEqual(problems({ ...base, models: [{ ...models[0], reasoning: { family: 'qwen3', effort: 'high' } }, ...models.slice(1)] }), [
      'models[0].reasoning.effort: only the openai and gpt-oss families take an effort (this model is qwen3)',
    ]);
    assert.deepEqual(problems({ ...base, models: [{ ...models[0], pii_allowed: ['SSN'] }, ...models.slice(1)] }), [
      'models[0].pii_allowed[0]: unknown entity type "SSN" (expected PERSON, EMAIL_ADDRESS, PHONE_NUMBER, CREDIT_CARD, US_SSN, IBAN_CODE, IP_ADDRESS, LOCATION, DATE_TIME, URL)',
    ]);
    assert.deepEqual(problems({ ...base, categories: [{ name: 'x', model: 'safe', models: [{ name: 'safe', score: 1 }] }] }), ['categories[0].models: give either model or models, not both']);
    assert.deepEqual(problems({ ...base, categories: [{ name: 'x', models: [{ name: 'nope', score: 2 }] }] }), [
      'categories[0].models[0].score: expected a number between 0 and 1, got 2',
      'categories[0].models[0].name: unknown model "nope"',
    ]);
    assert.deepEqual(problems({ ...base, security: { jailbreak: { action: 'route' } } }), ['security.jailbreak.model: required when action is route']);
    assert.deepEqual(problems({ ...base, security: { pii: { earlier_turns: 'names' } } }), ['security.pii.earlier_turns: unknown value "names" (expected none, structured, all)']);
    assert.deepEqual(problems({ ...base, security: { jailbreak: { action: 'block', earlier_turns: 'yes' } } }), ['security.jailbreak.earlier_turns: expected a boolean, got string']);
    assert.deepEqual(problems({ ...base, tenants: { overrides: { 'team a': { allowed_models: ['ghost'] } } } }), [
      'tenants.overrides.team a: invalid tenant name "team a" (letters, digits and . _ -, at most 64 characters)',
      'tenants.overrides.team a.allowed_models[0]: unknown model "ghost"',
    ]);
    assert.deepEqual(problems({ ...base, routing: { strategy: 'cheapest' } }), ['routing.strategy: unknown value "cheapest" (expected best_score, cheapest_within_margin)']);
    assert.deepEqual(problems({ ...base, routing: { expected_output_tokens: 0.5 } }), ['routing.expected_output_tokens: expected an integer, got number']);
    assert.deepEqual(problems({ ...base, routing: { expected_output_tokens: 0 } }), ['routing.expected_output_tokens: expected an integer between 1 and 1000000, got 0']);
  });

  it('requires prices for every model the cheapest-within-margin strategy may choose', () => {
    const unpriced = models.map((m) => (m.name === 'middle' ? { name: 'middle', backend: { type: 'demo' } } : m));
    assert.deepEqual(problems({ ...base, models: unpriced, routing: { strategy: 'cheapest_within_margin' } }), [
      'models[2].pricing: missing: routing.strategy is cheapest_within_margin, which compares the prices of the models it may choose',
    ]);
  });
});

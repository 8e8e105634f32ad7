import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG_PATH, loadConfig, validateConfig } from '../../controlplane/config/load.ts';
import type { RouteRequest } from '../../controlplane/contract.ts';
import { createDecisionEngine } from '../../controlplane/decide.ts';
import { createRuleClassifier } from '../../controlplane/rules.ts';
import type { Classifier, Signals } from '../../controlplane/signals.ts';

function request(prompt: string, model = 'auto'): RouteRequest {
  return { version: 1, api: 'openai.chat', path: '/v1/chat/completions', model, prompt, stream: false, headers: {} };
}

const config = loadConfig(DEFAULT_CONFIG_PATH);
const decide = createDecisionEngine(config, createRuleClassifier(config.categories));

describe('decisions with the default config', () => {
  it("routes the guide's derivative question to the math model", async () => {
    const outcome = await decide(request('What is the derivative of f(x) = x^3?'));
    // No fallback: math wants reasoning, and general cannot reason.
    const explanation = 'cat=math@1.00 by=rule:math:keyword;best_score pick=math-model fb=- pii=- think=on';
    assert.deepEqual(outcome.decision, {
      version: 1,
      action: 'route',
      model: 'math-model',
      headers: {
        'x-switchyard-category': 'math',
        'x-switchyard-reason': 'rule:math:keyword',
        'x-switchyard-explain': explanation,
      },
      // math asks for reasoning, and math-model is a Qwen3-style model.
      body_patch: [{ op: 'set', path: ['chat_template_kwargs', 'enable_thinking'], value: true, if_absent: true }],
      explanation,
      labels: { category: 'math', tenant: 'none' },
    });
    assert.equal(outcome.category, 'math');
    assert.equal(outcome.reason, 'rule:math:keyword');
  });

  it('routes code questions to the code model, chat-style ones too', async () => {
    for (const prompt of ['How do I reverse a list in Python?', 'How do I center a div in CSS?', 'Why does my React component re-render twice?', 'docker compose keeps restarting my database']) {
      const { decision } = await decide(request(prompt));
      assert.equal(decision.action === 'route' && decision.model, 'code-model', prompt);
    }
    // Words that mean software only in some sentences are left to the encoder.
    const { decision } = await decide(request('How do plants react to light?'));
    assert.equal(decision.action === 'route' && decision.model, 'general');
  });

  it('reports a pattern match as such', async () => {
    const { decision } = await decide(request('what is 12 * 7'));
    assert.equal(decision.action === 'route' && decision.headers?.['x-switchyard-reason'], 'rule:math:pattern');
  });

  it('falls back to default_model when nothing matches', async () => {
    const outcome = await decide(request('Tell me about the history of Rome.', 'MoM'));
    assert.deepEqual(outcome.decision, {
      version: 1,
      action: 'route',
      model: 'general',
      headers: { 'x-switchyard-category': 'none', 'x-switchyard-reason': 'default', 'x-switchyard-explain': 'cat=none by=default pick=general fb=- pii=-' },
      explanation: 'cat=none by=default pick=general fb=- pii=-',
      labels: { category: 'none', tenant: 'none' },
    });
  });

  it('passes requests whose model is not a trigger', async () => {
    const outcome = await decide(request('What is the derivative of x^2?', 'math-model'));
    assert.deepEqual(outcome.decision, { version: 1, action: 'pass' });
    assert.equal(outcome.reason, 'not_trigger');
  });
});

describe('rule classifier', () => {
  const rules = createRuleClassifier(
    validateConfig(
      {
        version: 1,
        default_model: 'm',
        models: [{ name: 'm', backend: { type: 'demo' } }],
        categories: [
          { name: 'first', model: 'm', keywords: ['integral', 'prime number', 'c++'] },
          { name: 'second', model: 'm', keywords: ['integral', 'équation'], patterns: ['^\\p{Script=Greek}+$'] },
        ],
      },
      'test',
    ).categories,
  );
  const labelOf = async (prompt: string) => (await rules.classify({ prompt })).category?.label;

  it('matches keywords case-insensitively as whole words', async () => {
    assert.equal(await labelOf('Compute the INTEGRAL of x'), 'first');
    assert.equal(await labelOf('a disintegrated integrals test'), undefined);
    assert.equal(await labelOf('Résous cette équation'), 'second');
    assert.equal(await labelOf('Résous cette équations'), undefined);
  });

  it('matches a multi-word keyword across any whitespace and keywords with symbols', async () => {
    assert.equal(await labelOf('is 7 a prime\n  number?'), 'first');
    assert.equal(await labelOf('templates in C++ please'), 'first');
  });

  it('prefers the first matching category in config order', async () => {
    assert.deepEqual((await rules.classify({ prompt: 'an integral' })).category, { label: 'first', confidence: 1, source: 'rule', evidence: 'keyword' });
  });

  it('compiles patterns with unicode support', async () => {
    assert.equal(await labelOf('αβγ'), 'second');
  });

  it('returns no category when nothing matches', async () => {
    assert.deepEqual(await rules.classify({ prompt: 'hello' }), {});
  });
});

describe('pluggable classifiers', () => {
  const fixed = (signals: Signals): Classifier => ({ init: async () => {}, classify: async () => signals });

  it('routes on any classifier signal for a configured category', async () => {
    const engine = createDecisionEngine(config, fixed({ category: { label: 'computer_science', confidence: 0.93, source: 'bert' } }));
    const { decision } = await engine(request('anything'));
    assert.equal(decision.action === 'route' && decision.model, 'code-model');
    assert.equal(decision.action === 'route' && decision.headers?.['x-switchyard-reason'], 'bert:computer_science');
  });

  it('ignores labels the config does not define', async () => {
    const engine = createDecisionEngine(config, fixed({ category: { label: 'astrology', confidence: 0.99, source: 'bert' } }));
    const { decision, category, reason } = await engine(request('anything'));
    assert.equal(decision.action === 'route' && decision.model, 'general');
    assert.deepEqual([category, reason], ['none', 'default']);
  });

  it('passes the system prompt and the conversation before the prompt to the classifier', async () => {
    let seen: unknown;
    const engine = createDecisionEngine(config, {
      init: async () => {},
      classify: async (input) => {
        seen = input;
        return {};
      },
    });
    await engine({ ...request('p'), system: 's' });
    assert.deepEqual(seen, { prompt: 'p', system: 's' });
    // With the conversation, what personal data to look for in it (security.pii.earlier_turns, default structured).
    await engine({ ...request('p'), context: ['c'] });
    assert.deepEqual(seen, { prompt: 'p', context: ['c'], earlierPii: 'structured' });
    const scanning = createDecisionEngine({ ...config, security: { jailbreak: { action: 'block', earlier_turns: true }, pii: { action: 'block', earlier_turns: 'none' } } }, {
      init: async () => {},
      classify: async (input) => {
        seen = input;
        return {};
      },
    });
    await scanning({ ...request('p'), context: ['c'] });
    assert.deepEqual(seen, { prompt: 'p', context: ['c'], earlierJailbreak: true });
  });

  it('says in the reason when the category was read in the conversation', async () => {
    const engine = createDecisionEngine(config, fixed({ category: { label: 'computer_science', confidence: 0.8, source: 'encoder', evidence: 'model', in_context: true } }));
    const { decision, reason } = await engine(request('and why?'));
    assert.equal(decision.action === 'route' && decision.model, 'code-model');
    assert.equal(reason, 'encoder:computer_science:model:context');
  });
});

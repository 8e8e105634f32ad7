import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError } from '../../controlplane/classify/classifier.ts';
import { OverloadedError } from '../../controlplane/classify/encoder.ts';
import { createCompositeClassifier } from '../../controlplane/composite.ts';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../../controlplane/config/load.ts';
import type { RouteRequest } from '../../controlplane/contract.ts';
import { createDecisionEngine } from '../../controlplane/decide.ts';
import { createRuleClassifier } from '../../controlplane/rules.ts';
import type { Classifier, Signals } from '../../controlplane/signals.ts';

const config = loadConfig(DEFAULT_CONFIG_PATH);
const rules = createRuleClassifier(config.categories);

/** Stands in for the encoder: answers `signals`, or throws `error`. */
function fakeEncoder(signals: Signals, error?: Error): Classifier {
  return {
    init: async () => {},
    classify: async () => {
      if (error) throw error;
      return signals;
    },
  };
}

const POLICY_SIGNALS = {
  jailbreak: { detected: false, confidence: 0.02, source: 'encoder' },
  pii: { types: ['EMAIL_ADDRESS'], source: 'encoder' },
} as const;

function decideWith(encoder: Classifier) {
  const engine = createDecisionEngine(config, createCompositeClassifier(rules, encoder));
  return async (prompt: string) => {
    const request: RouteRequest = { version: 1, api: 'openai.chat', path: '/v1/chat/completions', model: 'auto', prompt, stream: false, headers: {} };
    const { decision, category, reason } = await engine(request);
    return { model: decision.action === 'route' ? decision.model : undefined, category, reason };
  };
}

describe('composite classifier: rules, then the encoder', () => {
  it('lets a matching rule win over the encoder, keeping the encoder signals', async () => {
    const encoder = fakeEncoder({ category: { label: 'chemistry', confidence: 0.97, source: 'encoder', evidence: 'model' }, ...POLICY_SIGNALS });
    const signals = await createCompositeClassifier(rules, encoder).classify({ prompt: 'What is the derivative of x^2?' });
    const { timings, ...rest } = signals;
    assert.deepEqual(rest, { category: { label: 'math', confidence: 1, source: 'rule', evidence: 'keyword' }, ...POLICY_SIGNALS });
    assert.ok((timings?.rules ?? -1) >= 0, 'the rules stage is timed');
    assert.deepEqual(await decideWith(encoder)('What is the derivative of x^2?'), { model: 'math-model', category: 'math', reason: 'rule:math:keyword' });
  });

  it("uses the encoder's category when no rule matches", async () => {
    const decide = decideWith(fakeEncoder({ category: { label: 'engineering', confidence: 0.9, source: 'encoder', evidence: 'model' } }));
    assert.deepEqual(await decide('How much load can a cantilever beam take?'), { model: 'code-model', category: 'engineering', reason: 'encoder:engineering:model' });
  });

  it('falls back to default_model when the encoder is below its threshold (no category)', async () => {
    const decide = decideWith(fakeEncoder({ ...POLICY_SIGNALS }));
    assert.deepEqual(await decide('hmm'), { model: 'general', category: 'none', reason: 'default' });
  });

  it('falls back to default_model for an encoder label no category is configured for', async () => {
    const decide = decideWith(fakeEncoder({ category: { label: 'other', confidence: 0.99, source: 'encoder', evidence: 'model' } }));
    assert.deepEqual(await decide('hmm'), { model: 'general', category: 'none', reason: 'default' });
  });

  it('decides by rules alone when the prompt is unfit for the encoder (empty, too long)', async () => {
    const composite = createCompositeClassifier(rules, fakeEncoder({}, new InputError('text_too_long', 'text is too long')));
    const { timings: _timings, ...signals } = await composite.classify({ prompt: 'integral of x' });
    assert.deepEqual(signals, { category: { label: 'math', confidence: 1, source: 'rule', evidence: 'keyword' } });
  });

  it('lets overload propagate, so the server can answer 429', async () => {
    const composite = createCompositeClassifier(rules, fakeEncoder({}, new OverloadedError(3)));
    await assert.rejects(composite.classify({ prompt: 'integral of x' }), OverloadedError);
  });
});

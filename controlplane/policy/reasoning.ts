// How reasoning is switched on or off for each model family: the body_patch operations of a route
// decision (docs/decision-contract.md). Every operation keeps a value the client set itself.

import type { Reasoning } from '../config/policy.ts';

export interface BodyPatchOp {
  readonly op: 'set' | 'remove';
  readonly path: readonly string[];
  readonly value?: unknown;
  readonly if_absent?: boolean;
}

const DEFAULT_EFFORT = 'high';
const DEFAULT_BUDGET_TOKENS = 4096;

/**
 * The operations for a model's reasoning family on the request's API (the route request's `api`).
 * Families whose thinking is on unless told otherwise (Qwen3, DeepSeek chat templates) get an
 * explicit off; for the others "off" is the field's absence, so nothing is added. The field depends
 * on the API as well as the family: OpenAI's Responses API takes `reasoning.effort` and refuses the
 * Chat Completions `reasoning_effort`, and the Completions API has neither a chat template nor a
 * reasoning parameter, so nothing is written there.
 */
export function reasoningPatch(reasoning: Reasoning | undefined, on: boolean, api: string): BodyPatchOp[] {
  if (reasoning === undefined || api === 'openai.completions') return [];
  switch (reasoning.family) {
    case 'qwen3':
      return [{ op: 'set', path: ['chat_template_kwargs', 'enable_thinking'], value: on, if_absent: true }];
    case 'deepseek':
      return [{ op: 'set', path: ['chat_template_kwargs', 'thinking'], value: on, if_absent: true }];
    case 'openai':
    case 'gpt-oss': {
      if (!on) return [];
      const effort = reasoning.effort ?? DEFAULT_EFFORT;
      return [{ op: 'set', path: api === 'openai.responses' ? ['reasoning', 'effort'] : ['reasoning_effort'], value: effort, if_absent: true }];
    }
    case 'anthropic':
      return on ? [{ op: 'set', path: ['thinking'], value: { type: 'enabled', budget_tokens: reasoning.budget_tokens ?? DEFAULT_BUDGET_TOKENS }, if_absent: true }] : [];
  }
}

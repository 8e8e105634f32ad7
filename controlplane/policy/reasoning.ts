// How reasoning is switched on or off for each model family: the body_patch operations of a route
// decision (docs/decision-contract.md). Every operation keeps a value the client set itself.

import type { Reasoning } from '../config/policy.ts';
import type { RequestParams, RouteRequest } from '../contract.ts';

export interface BodyPatchOp {
  readonly op: 'set' | 'remove';
  readonly path: readonly string[];
  readonly value?: unknown;
  readonly if_absent?: boolean;
}

export interface ReasoningEdit {
  readonly patch: BodyPatchOp[];
  /** Why reasoning the policy asked for was not switched on: the API, or the request setting that forbids it. */
  readonly heldBack?: string;
}

const DEFAULT_EFFORT = 'high';
const DEFAULT_BUDGET_TOKENS = 4096;
// Anthropic's smallest thinking budget; the budget must also stay under the request's max_tokens.
const MIN_BUDGET_TOKENS = 1024;

/**
 * The edit for a model's reasoning family on the request's API (the route request's `api`), given
 * what the request itself sets (`params`). Families whose thinking is on unless told otherwise
 * (Qwen3, DeepSeek chat templates) get an explicit off; for the others "off" is the field's absence,
 * so nothing is added. The field depends on the API as well as the family: OpenAI's Responses API
 * takes `reasoning.effort` and refuses the Chat Completions `reasoning_effort`, and the Completions
 * API has neither a chat template nor a reasoning parameter, so nothing is written there. Anthropic
 * thinking is held back where the provider would refuse the request with it, and its budget kept
 * under the request's max_tokens: a routed request must never fail for an edit of ours.
 */
export function reasoningEdit(reasoning: Reasoning | undefined, on: boolean, request: Pick<RouteRequest, 'api' | 'params'>): ReasoningEdit {
  if (reasoning === undefined) return { patch: [] };
  if (request.api === 'openai.completions') return on ? { patch: [], heldBack: 'completions' } : { patch: [] };
  switch (reasoning.family) {
    case 'qwen3':
      return { patch: [{ op: 'set', path: ['chat_template_kwargs', 'enable_thinking'], value: on, if_absent: true }] };
    case 'deepseek':
      return { patch: [{ op: 'set', path: ['chat_template_kwargs', 'thinking'], value: on, if_absent: true }] };
    case 'openai':
    case 'gpt-oss': {
      if (!on) return { patch: [] };
      const effort = reasoning.effort ?? DEFAULT_EFFORT;
      return { patch: [{ op: 'set', path: request.api === 'openai.responses' ? ['reasoning', 'effort'] : ['reasoning_effort'], value: effort, if_absent: true }] };
    }
    case 'anthropic': {
      if (!on) return { patch: [] };
      const params = request.params ?? {};
      const conflict = thinkingConflict(params);
      if (conflict !== undefined) return { patch: [], heldBack: conflict };
      const limit = params.max_tokens ?? params.max_completion_tokens ?? params.max_output_tokens;
      const budget = Math.min(reasoning.budget_tokens ?? DEFAULT_BUDGET_TOKENS, limit === undefined ? Infinity : limit - 1);
      if (budget < MIN_BUDGET_TOKENS) return { patch: [], heldBack: 'max_tokens' };
      return { patch: [{ op: 'set', path: ['thinking'], value: { type: 'enabled', budget_tokens: budget }, if_absent: true }] };
    }
  }
}

/** The request setting with which Anthropic refuses extended thinking, if any. */
function thinkingConflict(params: RequestParams): string | undefined {
  if (params.temperature !== undefined && params.temperature !== 1) return 'temperature';
  if (params.top_k !== undefined) return 'top_k';
  if (params.top_p !== undefined && params.top_p < 0.95) return 'top_p';
  // A forced tool (Anthropic "any"/"tool", OpenAI "required"/"function"); "auto" and "none" are fine.
  if (params.tool_choice !== undefined && params.tool_choice !== 'auto' && params.tool_choice !== 'none') return 'tool_choice';
  return undefined;
}

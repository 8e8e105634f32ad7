// The control-plane side of the decision contract, version 1 (docs/decision-contract.md): the route
// request the filter sends, the decisions we answer with, and validation of incoming requests.

import type { SystemPrompt } from './config/policy.ts';
import type { BodyPatchOp } from './policy/reasoning.ts';
import { isObject, Issues, readBoolean, readString, readStringList, readStringMap, typeName } from './validate.ts';

export const CONTRACT_VERSION = 1;

export interface RouteRequest {
  readonly version: typeof CONTRACT_VERSION;
  /** openai.chat | openai.completions | openai.responses | anthropic.messages; kept open so a filter may add APIs within version 1. */
  readonly api: string;
  readonly path: string;
  readonly model: string;
  readonly system?: string;
  readonly prompt: string;
  /** The texts of the conversation's earlier user messages, oldest first (the newest, as the filter bounds them). */
  readonly context?: readonly string[];
  readonly stream: boolean;
  readonly headers: Readonly<Record<string, string>>;
  /** The request's length and sampling settings and its tool choice, as the filter read them. */
  readonly params?: RequestParams;
}

/**
 * Top-level settings of the client's request that a body edit must respect (Anthropic thinking
 * refuses a temperature other than 1, for one). Absent members were not set, or not as a number
 * (`tool_choice`: the string, or the object's `type`).
 */
export interface RequestParams {
  readonly max_tokens?: number;
  readonly max_completion_tokens?: number;
  readonly max_output_tokens?: number;
  readonly temperature?: number;
  readonly top_p?: number;
  readonly top_k?: number;
  readonly tool_choice?: string;
}

const NUMERIC_PARAMS = ['max_tokens', 'max_completion_tokens', 'max_output_tokens', 'temperature', 'top_p', 'top_k'] as const;

export interface RouteDecision {
  readonly version: typeof CONTRACT_VERSION;
  readonly action: 'route';
  readonly model: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Edits of the request body the filter applies (reasoning fields). */
  readonly body_patch?: readonly BodyPatchOp[];
  /** A system prompt the filter inserts or substitutes. */
  readonly system_prompt?: SystemPrompt;
  /** Ordered alternatives, also sent as the x-switchyard-fallbacks header. */
  readonly fallbacks?: readonly string[];
  /** Compact explanation, also sent as the x-switchyard-explain header. */
  readonly explanation?: string;
  /** Bounded labels the filter sends back with the response's token usage. */
  readonly labels?: Readonly<Record<string, string>>;
}

export interface BlockDecision {
  readonly version: typeof CONTRACT_VERSION;
  readonly action: 'block';
  readonly block: { readonly status: number; readonly type: string; readonly code: string; readonly message: string };
}

export interface PassDecision {
  readonly version: typeof CONTRACT_VERSION;
  readonly action: 'pass';
}

export type Decision = RouteDecision | BlockDecision | PassDecision;

/** A route request that does not follow the contract; `code` is the API error code. */
export class RouteRequestError extends Error {
  constructor(
    message: string,
    readonly code: 'invalid_request' | 'unsupported_version',
  ) {
    super(message);
    this.name = 'RouteRequestError';
  }
}

/** Validates a parsed JSON body against contract v1; unknown fields are ignored as the contract requires. */
export function parseRouteRequest(body: unknown): RouteRequest {
  if (!isObject(body)) throw new RouteRequestError(`request body must be a JSON object, got ${typeName(body)}`, 'invalid_request');

  // Checked first and alone: under another version the other fields may mean something else.
  if (body.version === undefined) throw new RouteRequestError('version: missing required field', 'invalid_request');
  if (body.version !== CONTRACT_VERSION) {
    throw new RouteRequestError(
      `version: unsupported contract version ${JSON.stringify(body.version)} (this control plane speaks ${CONTRACT_VERSION})`,
      'unsupported_version',
    );
  }

  const issues = new Issues();
  const api = readString(body, 'api', '', issues, { required: true });
  const path = readString(body, 'path', '', issues, { required: true });
  const model = readString(body, 'model', '', issues, { required: true });
  const system = readString(body, 'system', '', issues, { required: false });
  const prompt = readString(body, 'prompt', '', issues, { required: true });
  const context = readStringList(body, 'context', '', issues, { required: false });
  const stream = readBoolean(body, 'stream', '', issues, { required: true });
  const headers = readHeaders(body.headers, issues);
  const params = readParams(body.params, issues);
  if (!issues.empty) throw new RouteRequestError(issues.list.join('; '), 'invalid_request');

  return {
    version: CONTRACT_VERSION,
    api: api as string,
    path: path as string,
    model: model as string,
    ...(system === undefined ? {} : { system }),
    prompt: prompt as string,
    ...(context === undefined ? {} : { context }),
    stream: stream as boolean,
    headers,
    ...(params === undefined ? {} : { params }),
  };
}

/** The `params` object: its known members type-checked, others ignored as the contract requires. */
function readParams(value: unknown, issues: Issues): RequestParams | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) {
    issues.add('params', `expected an object, got ${typeName(value)}`);
    return undefined;
  }
  const params: Record<string, number | string> = {};
  for (const key of NUMERIC_PARAMS) {
    const v = value[key];
    if (v === undefined) continue;
    // Any JSON number, even one too large for a double: the filter copies numbers as written.
    if (typeof v === 'number') params[key] = v;
    else issues.add(`params.${key}`, `expected a number, got ${typeName(v)}`);
  }
  const toolChoice = readString(value, 'tool_choice', 'params', issues, { required: false });
  if (toolChoice !== undefined) params.tool_choice = toolChoice;
  return params;
}

/** The `headers` object of a route request: string values only; names as given. */
export function readHeaders(value: unknown, issues: Issues): Record<string, string> {
  return readStringMap(value, 'headers', issues);
}

// The policy parts of the routing config (docs/config.md): what each model costs and can do, how a
// category ranks its models, how the choice among them is made, security actions, and per-tenant
// overrides. Part of the schema in schema.ts, split out to keep each module small; only schema.ts
// calls these readers, after the model names are known.

import {
  checkKnownKeys,
  defined,
  fieldPath,
  indexPath,
  isObject,
  Issues,
  readBoolean,
  readMapping,
  readMappings,
  readNumber,
  readString,
  readStringList,
  typeName,
  type Obj,
} from '../validate.ts';

export const REASONING_FAMILIES = ['qwen3', 'deepseek', 'gpt-oss', 'openai', 'anthropic'] as const;
export type ReasoningFamily = (typeof REASONING_FAMILIES)[number];
export const STRATEGIES = ['best_score', 'cheapest_within_margin'] as const;
export type Strategy = (typeof STRATEGIES)[number];
/** Entity types the classifier reports (Presidio names). */
export const PII_TYPES = [
  'PERSON',
  'EMAIL_ADDRESS',
  'PHONE_NUMBER',
  'CREDIT_CARD',
  'US_SSN',
  'IBAN_CODE',
  'IP_ADDRESS',
  'LOCATION',
  'DATE_TIME',
  'URL',
] as const;

export interface Pricing {
  /** USD per 1M input tokens. */
  readonly input_per_1m: number;
  /** USD per 1M output tokens. */
  readonly output_per_1m: number;
}

export interface Reasoning {
  readonly family: ReasoningFamily;
  /** `reasoning_effort` for the openai and gpt-oss families (default "high"). */
  readonly effort?: 'low' | 'medium' | 'high';
  /** `thinking.budget_tokens` for the anthropic family (default 4096). */
  readonly budget_tokens?: number;
}

/** The optional policy fields of a `models` entry. */
export interface ModelPolicy {
  readonly pricing?: Pricing;
  readonly context_window?: number;
  readonly capabilities?: readonly string[];
  readonly reasoning?: Reasoning;
  /** PII entity types this model may receive; undefined: all. */
  readonly pii_allowed?: readonly string[];
}

export interface RankedModel {
  readonly name: string;
  /** Quality for this category, 0..1 (e.g. accuracy from outcome data). */
  readonly score: number;
}

export interface SystemPrompt {
  readonly text: string;
  readonly mode: 'insert' | 'replace';
}

/** The optional policy fields of a `categories` entry. */
export interface CategoryPolicy {
  /** Best first; a plain `model: x` is the list [{name: x, score: 1}]. */
  readonly models: readonly RankedModel[];
  readonly use_reasoning: boolean;
  readonly system_prompt?: SystemPrompt;
}

export interface RoutingPolicy {
  readonly strategy: Strategy;
  /** For cheapest_within_margin: how far below the best score a cheaper model may be (absolute). */
  readonly quality_margin: number;
  /** A category signal less confident than this routes to `low_confidence_model`. */
  readonly confidence_threshold: number;
  /** Where low-confidence prompts go; default_model when absent. */
  readonly low_confidence_model?: string;
  /** Answer length assumed when comparing what models would charge for a request. */
  readonly expected_output_tokens: number;
}

export interface SecurityPolicy {
  readonly jailbreak: {
    /** block: 403; allow: route as usual; route: send to `model`. */
    readonly action: 'block' | 'allow' | 'route';
    readonly model?: string;
    /** A jailbreak score at or above this counts as detected; the classifier's own threshold when absent. */
    readonly threshold?: number;
    /**
     * Whether the conversation's earlier user messages are scanned too (an encoder pass over each
     * the first time it is seen): an injection planted in a made-up history reaches the model as
     * surely as one in the prompt.
     */
    readonly earlier_turns: boolean;
  };
  readonly pii: {
    /** When the chosen model may not receive a detected entity type: block (403) or route to the best allowed model. */
    readonly action: 'block' | 'route';
    /**
     * What is looked for in the conversation's earlier user messages, which the chosen model
     * receives too: the structured types, every type (names and places cost an encoder pass over
     * them), or nothing.
     */
    readonly earlier_turns: EarlierTurnsPii;
  };
}

export interface TenantOverride {
  readonly default_model?: string;
  readonly strategy?: Strategy;
  readonly quality_margin?: number;
  /** Only these models may be chosen for the tenant. */
  readonly allowed_models?: readonly string[];
}

export interface TenantsPolicy {
  /** The request header naming the tenant (the filter forwards it). */
  readonly header: string;
  readonly overrides: Readonly<Record<string, TenantOverride>>;
}

export const DEFAULT_ROUTING: RoutingPolicy = { strategy: 'best_score', quality_margin: 0.02, confidence_threshold: 0, expected_output_tokens: 256 };
const EARLIER_TURNS_PII = ['none', 'structured', 'all'] as const;
type EarlierTurnsPii = (typeof EARLIER_TURNS_PII)[number];
export const DEFAULT_SECURITY: SecurityPolicy = { jailbreak: { action: 'allow', earlier_turns: false }, pii: { action: 'block', earlier_turns: 'structured' } };
export const DEFAULT_TENANTS: TenantsPolicy = { header: 'x-switchyard-tenant', overrides: {} };

export const MODEL_POLICY_KEYS = ['pricing', 'context_window', 'capabilities', 'reasoning', 'pii_allowed'] as const;
export const CATEGORY_POLICY_KEYS = ['models', 'use_reasoning', 'system_prompt'] as const;
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
const TENANT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const PRICE = { required: true, min: 0 } as const;
const FRACTION = { required: false, min: 0, max: 1 } as const;

function readEnum<T extends string>(obj: Obj, key: string, path: string, allowed: readonly T[], issues: Issues): T | undefined {
  const value = readString(obj, key, path, issues, { required: false });
  if (value === undefined) return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  issues.add(fieldPath(path, key), `unknown value "${value}" (expected ${allowed.join(', ')})`);
  return undefined;
}

export function readModelPolicy(item: Obj, path: string, issues: Issues): ModelPolicy {
  let pricing: Pricing | undefined;
  const p = readMapping(item, 'pricing', path, issues);
  if (p !== undefined) {
    const pp = fieldPath(path, 'pricing');
    checkKnownKeys(p, pp, ['input_per_1m', 'output_per_1m'], issues);
    const input = readNumber(p, 'input_per_1m', pp, issues, PRICE);
    const output = readNumber(p, 'output_per_1m', pp, issues, PRICE);
    if (input !== undefined && output !== undefined) pricing = { input_per_1m: input, output_per_1m: output };
  }
  let reasoning: Reasoning | undefined;
  const r = readMapping(item, 'reasoning', path, issues);
  if (r !== undefined) {
    const rp = fieldPath(path, 'reasoning');
    checkKnownKeys(r, rp, ['family', 'effort', 'budget_tokens'], issues);
    if (r.family === undefined) issues.add(fieldPath(rp, 'family'), `missing required field (one of ${REASONING_FAMILIES.join(', ')})`);
    const family = readEnum(r, 'family', rp, REASONING_FAMILIES, issues);
    const effort = readEnum(r, 'effort', rp, ['low', 'medium', 'high'] as const, issues);
    const budget = readNumber(r, 'budget_tokens', rp, issues, { required: false, integer: true, min: 1024 });
    if (effort !== undefined && family !== undefined && family !== 'openai' && family !== 'gpt-oss') {
      issues.add(fieldPath(rp, 'effort'), `only the openai and gpt-oss families take an effort (this model is ${family})`);
    }
    if (budget !== undefined && family !== undefined && family !== 'anthropic') {
      issues.add(fieldPath(rp, 'budget_tokens'), `only the anthropic family takes budget_tokens (this model is ${family})`);
    }
    if (family !== undefined) reasoning = defined({ family, effort, budget_tokens: budget });
  }
  const piiAllowed = readStringList(item, 'pii_allowed', path, issues, { required: false });
  piiAllowed?.forEach((type, i) => {
    if (!(PII_TYPES as readonly string[]).includes(type)) {
      issues.add(indexPath(fieldPath(path, 'pii_allowed'), i), `unknown entity type "${type}" (expected ${PII_TYPES.join(', ')})`);
    }
  });
  return defined({
    pricing,
    context_window: readNumber(item, 'context_window', path, issues, { required: false, integer: true, min: 1 }),
    capabilities: readStringList(item, 'capabilities', path, issues, { required: false }),
    reasoning,
    pii_allowed: piiAllowed,
  });
}

/**
 * A category's ranked models: either `model: name` or `models: [{name, score}]`, exactly one.
 * `checkModel` reports unknown names.
 */
export function readCategoryPolicy(item: Obj, path: string, issues: Issues, checkModel: (name: string, path: string) => void): CategoryPolicy | undefined {
  let models: RankedModel[] | undefined;
  if (item.model !== undefined && item.models !== undefined) {
    issues.add(fieldPath(path, 'models'), 'give either model or models, not both');
  } else if (item.model === undefined && item.models === undefined) {
    issues.add(fieldPath(path, 'model'), 'missing required field (or list ranked models under models)');
  } else if (item.model !== undefined) {
    const name = readString(item, 'model', path, issues, { required: true });
    if (name !== undefined) {
      checkModel(name, fieldPath(path, 'model'));
      models = [{ name, score: 1 }];
    }
  } else {
    const listPath = fieldPath(path, 'models');
    const entries = readMappings(item, 'models', path, issues, { required: true });
    if (Array.isArray(item.models) && item.models.length === 0) issues.add(listPath, 'must list at least one model');
    models = [];
    const seen = new Set<string>();
    for (const { item: entry, path: entryPath } of entries) {
      checkKnownKeys(entry, entryPath, ['name', 'score'], issues);
      const name = readString(entry, 'name', entryPath, issues, { required: true });
      const score = readNumber(entry, 'score', entryPath, issues, { required: true, min: 0, max: 1 });
      if (name !== undefined) {
        checkModel(name, fieldPath(entryPath, 'name'));
        if (seen.has(name)) issues.add(fieldPath(entryPath, 'name'), `model "${name}" is listed twice`);
        seen.add(name);
      }
      if (name !== undefined && score !== undefined) models.push({ name, score });
    }
  }
  let systemPrompt: SystemPrompt | undefined;
  const sp = item.system_prompt;
  const spPath = fieldPath(path, 'system_prompt');
  if (typeof sp === 'string') {
    if (sp.trim() === '') issues.add(spPath, 'must not be empty');
    else systemPrompt = { text: sp, mode: 'insert' };
  } else if (isObject(sp)) {
    checkKnownKeys(sp, spPath, ['text', 'mode'], issues);
    const text = readString(sp, 'text', spPath, issues, { required: true });
    if (text !== undefined && text.trim() === '') issues.add(fieldPath(spPath, 'text'), 'must not be empty');
    const mode = readEnum(sp, 'mode', spPath, ['insert', 'replace'] as const, issues) ?? 'insert';
    if (text !== undefined && text.trim() !== '') systemPrompt = { text, mode };
  } else if (sp !== undefined) {
    issues.add(spPath, `expected a string or a mapping with text and mode, got ${typeName(sp)}`);
  }
  const useReasoning = readBoolean(item, 'use_reasoning', path, issues, { required: false }) ?? false;
  return models === undefined ? undefined : defined({ models, use_reasoning: useReasoning, system_prompt: systemPrompt });
}

export function readRouting(raw: Obj, issues: Issues, checkModel: (name: string, path: string) => void): RoutingPolicy {
  const section = readMapping(raw, 'routing', '', issues);
  if (section === undefined) return DEFAULT_ROUTING;
  checkKnownKeys(section, 'routing', ['strategy', 'quality_margin', 'confidence_threshold', 'low_confidence_model', 'expected_output_tokens'], issues);
  const low = readString(section, 'low_confidence_model', 'routing', issues, { required: false });
  if (low !== undefined) checkModel(low, 'routing.low_confidence_model');
  return defined({
    strategy: readEnum(section, 'strategy', 'routing', STRATEGIES, issues) ?? DEFAULT_ROUTING.strategy,
    quality_margin: readNumber(section, 'quality_margin', 'routing', issues, FRACTION) ?? DEFAULT_ROUTING.quality_margin,
    confidence_threshold: readNumber(section, 'confidence_threshold', 'routing', issues, FRACTION) ?? DEFAULT_ROUTING.confidence_threshold,
    low_confidence_model: low,
    expected_output_tokens:
      readNumber(section, 'expected_output_tokens', 'routing', issues, { required: false, integer: true, min: 1, max: 1_000_000 }) ?? DEFAULT_ROUTING.expected_output_tokens,
  });
}

export function readSecurity(raw: Obj, issues: Issues, checkModel: (name: string, path: string) => void): SecurityPolicy {
  const section = readMapping(raw, 'security', '', issues);
  if (section === undefined) return DEFAULT_SECURITY;
  checkKnownKeys(section, 'security', ['jailbreak', 'pii'], issues);
  let jailbreak: SecurityPolicy['jailbreak'] = DEFAULT_SECURITY.jailbreak;
  const j = readMapping(section, 'jailbreak', 'security', issues);
  if (j !== undefined) {
    const path = 'security.jailbreak';
    checkKnownKeys(j, path, ['action', 'model', 'threshold', 'earlier_turns'], issues);
    const action = readEnum(j, 'action', path, ['block', 'allow', 'route'] as const, issues) ?? 'block';
    const model = readString(j, 'model', path, issues, { required: false });
    if (model !== undefined) checkModel(model, fieldPath(path, 'model'));
    if (action === 'route' && model === undefined) issues.add(fieldPath(path, 'model'), 'required when action is route');
    if (action !== 'route' && model !== undefined) issues.add(fieldPath(path, 'model'), `only used when action is route (action is ${action})`);
    jailbreak = defined({
      action,
      model,
      threshold: readNumber(j, 'threshold', path, issues, FRACTION),
      earlier_turns: readBoolean(j, 'earlier_turns', path, issues, { required: false }) ?? DEFAULT_SECURITY.jailbreak.earlier_turns,
    });
  }
  let pii: SecurityPolicy['pii'] = DEFAULT_SECURITY.pii;
  const p = readMapping(section, 'pii', 'security', issues);
  if (p !== undefined) {
    checkKnownKeys(p, 'security.pii', ['action', 'earlier_turns'], issues);
    pii = {
      action: readEnum(p, 'action', 'security.pii', ['block', 'route'] as const, issues) ?? 'block',
      earlier_turns: readEnum(p, 'earlier_turns', 'security.pii', EARLIER_TURNS_PII, issues) ?? DEFAULT_SECURITY.pii.earlier_turns,
    };
  }
  return { jailbreak, pii };
}

export function readTenants(raw: Obj, issues: Issues, checkModel: (name: string, path: string) => void): TenantsPolicy {
  const section = readMapping(raw, 'tenants', '', issues);
  if (section === undefined) return DEFAULT_TENANTS;
  checkKnownKeys(section, 'tenants', ['header', 'overrides'], issues);
  const header = readString(section, 'header', 'tenants', issues, { required: false }) ?? DEFAULT_TENANTS.header;
  if (!HEADER_NAME.test(header)) issues.add('tenants.header', `invalid header name "${header}" (lower-case token characters only)`);
  const overrides: Record<string, TenantOverride> = {};
  const o = readMapping(section, 'overrides', 'tenants', issues);
  for (const [tenant, value] of Object.entries(o ?? {})) {
    const path = fieldPath('tenants.overrides', tenant);
    if (!TENANT_NAME.test(tenant)) issues.add(path, `invalid tenant name "${tenant}" (letters, digits and . _ -, at most 64 characters)`);
    if (!isObject(value)) {
      issues.add(path, `expected a mapping, got ${typeName(value)}`);
      continue;
    }
    checkKnownKeys(value, path, ['default_model', 'strategy', 'quality_margin', 'allowed_models'], issues);
    const defaultModel = readString(value, 'default_model', path, issues, { required: false });
    if (defaultModel !== undefined) checkModel(defaultModel, fieldPath(path, 'default_model'));
    const allowed = readStringList(value, 'allowed_models', path, issues, { required: false });
    allowed?.forEach((name, i) => checkModel(name, indexPath(fieldPath(path, 'allowed_models'), i)));
    if (allowed !== undefined && allowed.length === 0) issues.add(fieldPath(path, 'allowed_models'), 'must list at least one model');
    if (defaultModel !== undefined && allowed !== undefined && !allowed.includes(defaultModel)) {
      issues.add(fieldPath(path, 'default_model'), `"${defaultModel}" is not in allowed_models`);
    }
    overrides[tenant] = defined({
      default_model: defaultModel,
      strategy: readEnum(value, 'strategy', path, STRATEGIES, issues),
      quality_margin: readNumber(value, 'quality_margin', path, issues, FRACTION),
      allowed_models: allowed,
    });
  }
  return { header, overrides };
}

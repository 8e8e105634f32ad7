// The routing config schema (version 1): its types and its validation. This is the single place the
// schema is defined; docs/config.md documents it field by field and must change with it.

import { compilePattern } from '../text-match.ts';
import { readClassifier, readInference, type ClassifierConfig, type InferenceConfig } from './classifier.ts';
import {
  CATEGORY_POLICY_KEYS,
  MODEL_POLICY_KEYS,
  readCategoryPolicy,
  readModelPolicy,
  readRouting,
  readSecurity,
  readTenants,
  type CategoryPolicy,
  type ModelPolicy,
  type RoutingPolicy,
  type SecurityPolicy,
  type TenantsPolicy,
} from './policy.ts';
import {
  checkKnownKeys,
  checkUnique,
  deepFreeze,
  fieldPath,
  indexPath,
  isObject,
  Issues,
  readMappings,
  readString,
  readStringList,
  typeName,
  type Obj,
} from '../validate.ts';

export const CONFIG_VERSION = 1;

/** Served by the bundled demo LLM (one demo server per model). */
export interface DemoBackend {
  readonly type: 'demo';
}

/** An external OpenAI-compatible provider. */
export interface OpenAIBackend {
  readonly type: 'openai';
  readonly base_url: string;
  /** Name of the environment variable holding the API key; never the key itself. */
  readonly api_key_env?: string;
}

export type Backend = DemoBackend | OpenAIBackend;

export interface ModelConfig extends ModelPolicy {
  readonly name: string;
  readonly backend: Backend;
}

export interface CategoryConfig extends CategoryPolicy {
  readonly name: string;
  /** The top-ranked model (`models[0].name`). */
  readonly model: string;
  readonly keywords: readonly string[];
  readonly patterns: readonly string[];
}

export interface Config {
  readonly version: typeof CONFIG_VERSION;
  readonly trigger_models: readonly string[];
  readonly default_model: string;
  readonly models: readonly ModelConfig[];
  /** In priority order: the first matching category wins. */
  readonly categories: readonly CategoryConfig[];
  readonly inference: InferenceConfig;
  readonly classifier: ClassifierConfig;
  readonly routing: RoutingPolicy;
  readonly security: SecurityPolicy;
  readonly tenants: TenantsPolicy;
}

export const DEFAULT_TRIGGER_MODELS: readonly string[] = ['auto', 'MoM'];

/** Category reported (header and metrics) when no category matched. */
export const NO_CATEGORY = 'none';

// Model names travel in the `model` body field, the selected-model header and Envoy cluster names;
// category names in a header and metric labels. Both stay printable ASCII without spaces.
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,127}$/;
const CATEGORY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const TOP_LEVEL_KEYS = ['version', 'trigger_models', 'default_model', 'models', 'categories', 'inference', 'classifier', 'routing', 'security', 'tenants'] as const;
const MODEL_KEYS = ['name', 'backend', ...MODEL_POLICY_KEYS] as const;
const CATEGORY_KEYS = ['name', 'model', 'keywords', 'patterns', ...CATEGORY_POLICY_KEYS] as const;
const BACKEND_KEYS: Readonly<Record<Backend['type'], readonly string[]>> = {
  demo: ['type'],
  openai: ['type', 'base_url', 'api_key_env'],
};

export class ConfigError extends Error {
  /** One "<path>: <problem>" entry per error. */
  readonly problems: readonly string[];

  constructor(source: string, problems: readonly string[]) {
    super(`invalid config ${source}:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * Validates a parsed config document and returns it typed and deeply frozen. Throws ConfigError
 * listing every problem found; `source` names the document in the message (usually its file path).
 */
export function validateConfig(raw: unknown, source: string): Config {
  const issues = new Issues();
  if (!isObject(raw)) {
    issues.add('', `expected a mapping, got ${typeName(raw)}`);
    throw new ConfigError(source, issues.list);
  }
  checkKnownKeys(raw, '', TOP_LEVEL_KEYS, issues);

  if (raw.version === undefined) issues.add('version', 'missing required field');
  else if (raw.version !== CONFIG_VERSION) issues.add('version', `unsupported version ${JSON.stringify(raw.version)} (expected ${CONFIG_VERSION})`);

  const { models, modelNames } = readModels(raw, issues);
  const triggers = readTriggers(raw, modelNames ?? new Set(), issues);

  const defaultModel = readString(raw, 'default_model', '', issues, { required: true });
  checkModelReference(defaultModel, 'default_model', modelNames, issues);
  const categories = readCategories(raw, modelNames, issues);
  const inference = readInference(raw, issues);
  // Only when every category was read, so a broken entry is not reported again as an unknown name.
  const complete = raw.categories === undefined || (Array.isArray(raw.categories) && categories.length === raw.categories.length);
  const classifier = readClassifier(raw, complete ? new Set(categories.map((c) => c.name)) : undefined, issues);
  const checkModel = (name: string, path: string) => checkModelReference(name, path, modelNames, issues);
  const routing = readRouting(raw, issues, checkModel);
  const security = readSecurity(raw, issues, checkModel);
  const tenants = readTenants(raw, issues, checkModel);
  checkPricesForStrategy(models, categories, routing, tenants, issues);

  if (!issues.empty) throw new ConfigError(source, issues.list);
  return deepFreeze({
    version: CONFIG_VERSION,
    trigger_models: triggers,
    default_model: defaultModel as string,
    models,
    categories,
    inference,
    classifier,
    routing,
    security,
    tenants,
  });
}

function readName(obj: Obj, path: string, shape: RegExp, issues: Issues): string | undefined {
  const name = readString(obj, 'name', path, issues, { required: true });
  if (name !== undefined && !shape.test(name)) {
    issues.add(fieldPath(path, 'name'), `invalid name "${name}" (allowed: ${describeShape(shape)})`);
    return undefined;
  }
  return name;
}

function describeShape(shape: RegExp): string {
  return shape === MODEL_NAME
    ? 'letters, digits and . _ : / @ -, starting with a letter or digit, at most 128 characters'
    : 'letters, digits and . _ -, starting with a letter or digit, at most 64 characters';
}

/**
 * `modelNames` holds every well-formed model name, even of a model with a broken backend; it is
 * undefined when some entry has no usable name, because references to models can then not be
 * checked without reporting follow-on errors for a problem already reported.
 */
function readModels(raw: Obj, issues: Issues): { models: ModelConfig[]; modelNames: ReadonlySet<string> | undefined } {
  const entries = readMappings(raw, 'models', '', issues, { required: true });
  if (Array.isArray(raw.models) && raw.models.length === 0) issues.add('models', 'must list at least one model');
  const models: ModelConfig[] = [];
  const names: { name: string; path: string }[] = [];
  let complete = Array.isArray(raw.models) && entries.length > 0 && entries.length === raw.models.length;
  for (const { item, path } of entries) {
    checkKnownKeys(item, path, MODEL_KEYS, issues);
    const name = readName(item, path, MODEL_NAME, issues);
    const backend = readBackend(item, path, issues);
    if (name === undefined) complete = false;
    else names.push({ name, path: fieldPath(path, 'name') });
    const policy = readModelPolicy(item, path, issues);
    if (name !== undefined && backend !== undefined) models.push({ name, backend, ...policy });
  }
  checkUnique(names, 'model', issues);
  return { models, modelNames: complete ? new Set(names.map((n) => n.name)) : undefined };
}

function checkModelReference(name: string | undefined, path: string, modelNames: ReadonlySet<string> | undefined, issues: Issues): void {
  if (name !== undefined && modelNames !== undefined && !modelNames.has(name)) issues.add(path, `unknown model "${name}"`);
}

function readBackend(model: Obj, modelPath: string, issues: Issues): Backend | undefined {
  const path = fieldPath(modelPath, 'backend');
  const raw = model.backend;
  if (raw === undefined) {
    issues.add(path, 'missing required field');
    return undefined;
  }
  if (!isObject(raw)) {
    issues.add(path, `expected a mapping, got ${typeName(raw)}`);
    return undefined;
  }
  const type = readString(raw, 'type', path, issues, { required: true });
  if (type === undefined) return undefined;
  if (type !== 'demo' && type !== 'openai') {
    issues.add(fieldPath(path, 'type'), `unknown backend type "${type}" (expected ${Object.keys(BACKEND_KEYS).join(' or ')})`);
    return undefined;
  }
  checkKnownKeys(raw, path, BACKEND_KEYS[type], issues);
  if (type === 'demo') return { type };

  const baseUrl = readString(raw, 'base_url', path, issues, { required: true });
  if (baseUrl !== undefined && !isHttpUrl(baseUrl)) {
    issues.add(fieldPath(path, 'base_url'), `expected an http(s) URL, got "${baseUrl}"`);
  }
  const apiKeyEnv = readString(raw, 'api_key_env', path, issues, { required: false });
  if (apiKeyEnv !== undefined && !ENV_NAME.test(apiKeyEnv)) {
    issues.add(fieldPath(path, 'api_key_env'), `invalid environment variable name "${apiKeyEnv}"`);
  }
  if (baseUrl === undefined) return undefined;
  return apiKeyEnv === undefined ? { type, base_url: baseUrl } : { type, base_url: baseUrl, api_key_env: apiKeyEnv };
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function readTriggers(raw: Obj, modelNames: ReadonlySet<string>, issues: Issues): readonly string[] {
  const triggers = readStringList(raw, 'trigger_models', '', issues, { required: false });
  if (triggers === undefined) return DEFAULT_TRIGGER_MODELS;
  if (Array.isArray(raw.trigger_models) && raw.trigger_models.length === 0) {
    issues.add('trigger_models', 'must list at least one model name');
  }
  triggers.forEach((trigger, i) => {
    const path = indexPath('trigger_models', i);
    // A trigger that is also a routable model would make a direct request for that model ambiguous.
    if (!MODEL_NAME.test(trigger)) issues.add(path, `invalid name "${trigger}" (allowed: ${describeShape(MODEL_NAME)})`);
    else if (modelNames.has(trigger)) issues.add(path, `"${trigger}" is also a model name`);
  });
  checkUnique(triggers.map((name, i) => ({ name, path: indexPath('trigger_models', i) })), 'trigger model', issues);
  return triggers;
}

function readCategories(raw: Obj, modelNames: ReadonlySet<string> | undefined, issues: Issues): CategoryConfig[] {
  const categories: CategoryConfig[] = [];
  const names: { name: string; path: string }[] = [];
  for (const { item, path } of readMappings(raw, 'categories', '', issues, { required: false })) {
    checkKnownKeys(item, path, CATEGORY_KEYS, issues);
    const name = readName(item, path, CATEGORY_NAME, issues);
    if (name === NO_CATEGORY) issues.add(fieldPath(path, 'name'), `"${NO_CATEGORY}" is reserved for requests matching no category`);
    if (name !== undefined) names.push({ name, path: fieldPath(path, 'name') });

    const policy = readCategoryPolicy(item, path, issues, (model, at) => checkModelReference(model, at, modelNames, issues));
    const keywords = readStringList(item, 'keywords', path, issues, { required: false }) ?? [];
    keywords.forEach((keyword, i) => {
      if (keyword.trim() === '') issues.add(indexPath(fieldPath(path, 'keywords'), i), 'must not be empty');
    });
    const patterns = readStringList(item, 'patterns', path, issues, { required: false }) ?? [];
    patterns.forEach((pattern, i) => checkPattern(pattern, indexPath(fieldPath(path, 'patterns'), i), issues));

    if (name !== undefined && policy !== undefined && policy.models.length > 0) categories.push({ name, model: (policy.models[0] as { name: string }).name, ...policy, keywords, patterns });
  }
  checkUnique(names, 'category', issues);
  return categories;
}

function checkPattern(pattern: string, path: string, issues: Issues): void {
  let regex: RegExp;
  try {
    regex = compilePattern(pattern);
  } catch (err) {
    issues.add(path, (err as Error).message);
    return;
  }
  // Such a pattern matches every prompt, which is never what a category rule means.
  if (regex.test('')) issues.add(path, `pattern ${JSON.stringify(pattern)} matches the empty string, so it would match every prompt`);
}

/** The cheapest-within-margin strategy compares prices, so every model it may choose needs one. */
function checkPricesForStrategy(models: readonly ModelConfig[], categories: readonly CategoryConfig[], routing: RoutingPolicy, tenants: TenantsPolicy, issues: Issues): void {
  const users = [
    ...(routing.strategy === 'cheapest_within_margin' ? ['routing.strategy'] : []),
    ...Object.entries(tenants.overrides)
      .filter(([, o]) => o.strategy === 'cheapest_within_margin')
      .map(([tenant]) => fieldPath(fieldPath('tenants.overrides', tenant), 'strategy')),
  ];
  if (users.length === 0) return;
  const ranked = new Set(categories.flatMap((c) => c.models.map((m) => m.name)));
  models.forEach((model, i) => {
    if (ranked.has(model.name) && model.pricing === undefined) {
      issues.add(fieldPath(indexPath('models', i), 'pricing'), `missing: ${users[0]} is cheapest_within_margin, which compares the prices of the models it may choose`);
    }
  });
}

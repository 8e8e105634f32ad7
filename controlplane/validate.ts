// Shared helpers for validating untrusted JSON-like values (config files, API request bodies) while
// collecting one precise "<path>: <problem>" message per error instead of stopping at the first.

export type Obj = Record<string, unknown>;

export function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short name for a value's JSON type, for "expected X, got Y" messages. */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && Number.isInteger(value)) return 'integer';
  return typeof value;
}

export function fieldPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

export function indexPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

export class Issues {
  readonly list: string[] = [];

  add(path: string, problem: string): void {
    this.list.push(`${path === '' ? '(root)' : path}: ${problem}`);
  }

  get empty(): boolean {
    return this.list.length === 0;
  }
}

/** An optional object whose values must all be strings, such as headers or labels; names as given. */
export function readStringMap(value: unknown, path: string, issues: Issues): Record<string, string> {
  if (value === undefined) return {};
  if (!isObject(value)) {
    issues.add(path, `expected an object of strings, got ${typeName(value)}`);
    return {};
  }
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(value)) {
    if (typeof v === 'string') out[name] = v;
    else issues.add(fieldPath(path, name), `expected a string, got ${typeName(v)}`);
  }
  return out;
}

/** Refuses keys outside `allowed`, suggesting the closest allowed key for likely typos. */
export function checkKnownKeys(obj: Obj, path: string, allowed: readonly string[], issues: Issues): void {
  for (const key of Object.keys(obj)) {
    if (allowed.includes(key)) continue;
    const hint = closest(key, allowed);
    issues.add(fieldPath(path, key), `unknown field${hint === undefined ? '' : ` (did you mean "${hint}"?)`}`);
  }
}

function closest(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3; // farther than two edits is not a typo worth suggesting
  for (const candidate of candidates) {
    const distance = editDistance(key.toLowerCase(), candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

interface FieldOptions {
  readonly required: boolean;
}

/** Reads `obj[key]` as a string; reports a missing required field or a wrong type. */
export function readString(obj: Obj, key: string, path: string, issues: Issues, options: FieldOptions): string | undefined {
  const value = obj[key];
  if (value === undefined) {
    if (options.required) issues.add(fieldPath(path, key), 'missing required field');
    return undefined;
  }
  if (typeof value !== 'string') {
    issues.add(fieldPath(path, key), `expected a string, got ${typeName(value)}`);
    return undefined;
  }
  return value;
}

export function readBoolean(obj: Obj, key: string, path: string, issues: Issues, options: FieldOptions): boolean | undefined {
  const value = obj[key];
  if (value === undefined) {
    if (options.required) issues.add(fieldPath(path, key), 'missing required field');
    return undefined;
  }
  if (typeof value !== 'boolean') {
    issues.add(fieldPath(path, key), `expected a boolean, got ${typeName(value)}`);
    return undefined;
  }
  return value;
}

export interface NumberOptions extends FieldOptions {
  readonly integer?: boolean;
  readonly min?: number;
  readonly max?: number;
}

/** Reads `obj[key]` as a finite number, optionally an integer within [min, max]. */
export function readNumber(obj: Obj, key: string, path: string, issues: Issues, options: NumberOptions): number | undefined {
  const value = obj[key];
  const where = fieldPath(path, key);
  if (value === undefined) {
    if (options.required) issues.add(where, 'missing required field');
    return undefined;
  }
  const expected = options.integer ? 'an integer' : 'a number';
  if (typeof value !== 'number' || !Number.isFinite(value) || (options.integer && !Number.isInteger(value))) {
    issues.add(where, `expected ${expected}, got ${typeName(value)}`);
    return undefined;
  }
  const { min, max } = options;
  if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
    const range = max === undefined ? `at least ${min}` : min === undefined ? `at most ${max}` : `between ${min} and ${max}`;
    issues.add(where, `expected ${expected} ${range}, got ${value}`);
    return undefined;
  }
  return value;
}

/** Reads an optional nested mapping such as a config section; undefined when absent or not a mapping. */
export function readMapping(obj: Obj, key: string, path: string, issues: Issues): Obj | undefined {
  const value = obj[key];
  if (value === undefined) return undefined;
  if (!isObject(value)) {
    issues.add(fieldPath(path, key), `expected a mapping, got ${typeName(value)}`);
    return undefined;
  }
  return value;
}

/** Reads a list of mappings, reporting non-mapping items; returns each item with its path. */
export function readMappings(obj: Obj, key: string, path: string, issues: Issues, options: FieldOptions): { item: Obj; path: string }[] {
  const value = obj[key];
  const where = fieldPath(path, key);
  if (value === undefined) {
    if (options.required) issues.add(where, 'missing required field');
    return [];
  }
  if (!Array.isArray(value)) {
    issues.add(where, `expected a list, got ${typeName(value)}`);
    return [];
  }
  const out: { item: Obj; path: string }[] = [];
  value.forEach((item, i) => {
    const itemPath = indexPath(where, i);
    if (isObject(item)) out.push({ item, path: itemPath });
    else issues.add(itemPath, `expected a mapping, got ${typeName(item)}`);
  });
  return out;
}

/** Reads `obj[key]` as an array of strings, reporting each bad element by index. */
export function readStringList(obj: Obj, key: string, path: string, issues: Issues, options: FieldOptions): string[] | undefined {
  const value = obj[key];
  const where = fieldPath(path, key);
  if (value === undefined) {
    if (options.required) issues.add(where, 'missing required field');
    return undefined;
  }
  if (!Array.isArray(value)) {
    issues.add(where, `expected an array of strings, got ${typeName(value)}`);
    return undefined;
  }
  const out: string[] = [];
  value.forEach((item, i) => {
    if (typeof item === 'string') out.push(item);
    else issues.add(indexPath(where, i), `expected a string, got ${typeName(item)}`);
  });
  return out;
}

/** Reports the second and later occurrences of a name, pointing at the first. */
export function checkUnique(names: readonly { name: string; path: string }[], what: string, issues: Issues): void {
  const first = new Map<string, string>();
  for (const { name, path } of names) {
    const seen = first.get(name);
    if (seen === undefined) first.set(name, path);
    else issues.add(path, `duplicate ${what} "${name}" (first at ${seen})`);
  }
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Drops absent optional fields, so a frozen config compares and prints without `undefined` keys. */
export function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

// Reading a config file: the format is chosen by extension, then the document goes through the one
// schema in schema.ts.

import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { ConfigError, validateConfig, type Config } from './schema.ts';

export { ConfigError, validateConfig, NO_CATEGORY, DEFAULT_TRIGGER_MODELS } from './schema.ts';
export type { Backend, CategoryConfig, Config, DemoBackend, ModelConfig, OpenAIBackend } from './schema.ts';
export type { ClassifierConfig, CustomCategoryConfig, InferenceConfig } from './classifier.ts';

/** The config shipped with Switchyard: demo models for math, code and everything else. */
export const DEFAULT_CONFIG_PATH = fileURLToPath(new URL('./default.yaml', import.meta.url));

export type ConfigFormat = 'yaml' | 'json';

function formatOf(path: string): ConfigFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  if (ext === '.json') return 'json';
  throw new ConfigError(path, [`unsupported file extension "${ext}" (expected .yaml, .yml or .json)`]);
}

/**
 * Loads, validates and freezes a config file. Throws ConfigError with a message naming the file for
 * a missing or unreadable file, a syntax error or any schema violation.
 */
export function loadConfig(path: string): Config {
  return loadConfigDocument(path).config;
}

/** A config file's document (plain JSON data, as the config API serves it) and its validated form. */
export function loadConfigDocument(path: string): { document: unknown; config: Config } {
  const format = formatOf(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
    throw new ConfigError(path, [reason]);
  }
  const document = parseConfigDocument(text, format, path);
  return { document, config: validateConfig(document, path) };
}

/** Parses and validates config text; `source` names it in error messages. */
export function parseConfig(text: string, format: ConfigFormat, source: string): Config {
  return validateConfig(parseConfigDocument(text, format, source), source);
}

/** Parses config text without validating it; throws ConfigError for a syntax error. */
export function parseConfigDocument(text: string, format: ConfigFormat, source: string): unknown {
  return format === 'yaml' ? parseYaml(text, source) : parseJson(text, source);
}

function parseYaml(text: string, source: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(source, doc.errors.map((e) => `invalid YAML: ${e.message.split('\n')[0]}`));
  }
  // JSON-compatible data only (no YAML dates or maps with non-string keys): the document is served
  // and stored as JSON.
  return JSON.parse(JSON.stringify(doc.toJS()));
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError(source, [`invalid JSON: ${(err as Error).message}`]);
  }
}

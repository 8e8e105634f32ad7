// The `inference` and `classifier` sections of the routing config (docs/config.md): how the encoder
// runs, and how its answers feed routing. Part of the schema in schema.ts, split out to keep each
// module small; only schema.ts calls these readers.

import {
  checkKnownKeys,
  defined,
  checkUnique,
  fieldPath,
  indexPath,
  Issues,
  readBoolean,
  readMapping,
  readMappings,
  readNumber,
  readString,
  readStringList,
  type Obj,
} from '../validate.ts';
import { knownEncoders } from '../classify/paths.ts';

export const DEVICES = ['cpu', 'cuda', 'auto'] as const;
export type InferenceDevice = (typeof DEVICES)[number];

export interface InferenceConfig {
  readonly device: InferenceDevice;
  /** Which encoder (and so which trained heads); one of knownEncoders(). */
  readonly model?: string;
  /** Directory with model.onnx and tokenizer.json; relative paths are relative to the config file. */
  readonly model_dir?: string;
  readonly intra_op_threads?: number;
  readonly max_batch_size?: number;
  readonly max_wait_ms?: number;
  readonly max_queue?: number;
}

export interface CustomCategoryConfig {
  /** Names an entry of `categories`, which supplies the model. */
  readonly name: string;
  readonly examples: readonly string[];
  readonly threshold?: number;
}

export interface ClassifierConfig {
  /** false: route by keyword and pattern rules only; no model is loaded. */
  readonly encoder: boolean;
  readonly category_threshold?: number;
  readonly jailbreak_threshold?: number;
  readonly custom_categories: readonly CustomCategoryConfig[];
}

const INFERENCE_KEYS = ['device', 'model', 'model_dir', 'intra_op_threads', 'max_batch_size', 'max_wait_ms', 'max_queue'] as const;
const CLASSIFIER_KEYS = ['encoder', 'category_threshold', 'jailbreak_threshold', 'custom_categories'] as const;
const CUSTOM_CATEGORY_KEYS = ['name', 'examples', 'threshold'] as const;
const PROBABILITY = { required: false, min: 0, max: 1 } as const;

export function readInference(raw: Obj, issues: Issues): InferenceConfig {
  const section = readMapping(raw, 'inference', '', issues);
  if (section === undefined) return { device: 'cpu' };
  const path = 'inference';
  checkKnownKeys(section, path, INFERENCE_KEYS, issues);
  const device = readString(section, 'device', path, issues, { required: false }) ?? 'cpu';
  if (!(DEVICES as readonly string[]).includes(device)) {
    issues.add(fieldPath(path, 'device'), `unknown device "${device}" (expected ${DEVICES.join(', ')})`);
  }
  const model = readString(section, 'model', path, issues, { required: false });
  const encoders = knownEncoders();
  if (model !== undefined && !encoders.includes(model)) {
    issues.add(fieldPath(path, 'model'), `unknown encoder "${model}" (expected ${encoders.join(', ')})`);
  }
  const modelDir = readString(section, 'model_dir', path, issues, { required: false });
  if (modelDir !== undefined && modelDir.trim() === '') issues.add(fieldPath(path, 'model_dir'), 'must not be empty');
  return defined({
    device: device as InferenceDevice,
    model,
    model_dir: modelDir,
    intra_op_threads: readNumber(section, 'intra_op_threads', path, issues, { required: false, integer: true, min: 1 }),
    max_batch_size: readNumber(section, 'max_batch_size', path, issues, { required: false, integer: true, min: 1, max: 256 }),
    max_wait_ms: readNumber(section, 'max_wait_ms', path, issues, { required: false, min: 0, max: 100 }),
    max_queue: readNumber(section, 'max_queue', path, issues, { required: false, integer: true, min: 1 }),
  });
}

/** `categoryNames` are the names under `categories`; undefined when some could not be read. */
export function readClassifier(raw: Obj, categoryNames: ReadonlySet<string> | undefined, issues: Issues): ClassifierConfig {
  const section = readMapping(raw, 'classifier', '', issues);
  if (section === undefined) return { encoder: true, custom_categories: [] };
  const path = 'classifier';
  checkKnownKeys(section, path, CLASSIFIER_KEYS, issues);
  const encoder = readBoolean(section, 'encoder', path, issues, { required: false }) ?? true;
  return defined({
    encoder,
    category_threshold: readNumber(section, 'category_threshold', path, issues, PROBABILITY),
    jailbreak_threshold: readNumber(section, 'jailbreak_threshold', path, issues, PROBABILITY),
    custom_categories: readCustomCategories(section, path, categoryNames, issues),
  });
}

function readCustomCategories(section: Obj, sectionPath: string, categoryNames: ReadonlySet<string> | undefined, issues: Issues): CustomCategoryConfig[] {
  const out: CustomCategoryConfig[] = [];
  const names: { name: string; path: string }[] = [];
  for (const { item, path } of readMappings(section, 'custom_categories', sectionPath, issues, { required: false })) {
    checkKnownKeys(item, path, CUSTOM_CATEGORY_KEYS, issues);
    const name = readString(item, 'name', path, issues, { required: true });
    // The category entry supplies the model; examples only teach the encoder to recognise it.
    if (name !== undefined && categoryNames !== undefined && !categoryNames.has(name)) {
      issues.add(fieldPath(path, 'name'), `unknown category "${name}" (add it under categories with the model it routes to)`);
    }
    if (name !== undefined) names.push({ name, path: fieldPath(path, 'name') });
    const examples = readStringList(item, 'examples', path, issues, { required: true });
    if (examples !== undefined && examples.length === 0) issues.add(fieldPath(path, 'examples'), 'must list at least one example');
    examples?.forEach((example, i) => {
      if (example.trim() === '') issues.add(indexPath(fieldPath(path, 'examples'), i), 'must not be empty');
    });
    const threshold = readNumber(item, 'threshold', path, issues, PROBABILITY);
    if (name !== undefined && examples !== undefined) out.push(defined({ name, examples, threshold }));
  }
  checkUnique(names, 'custom category', issues);
  return out;
}

// The classifier a routing config asks for: keyword/pattern rules alone (`classifier.encoder: false`),
// or rules composed with the encoder, which runs as `inference` says.

import { dirname, resolve } from 'node:path';
import { createCompositeClassifier } from '../composite.ts';
import type { Config } from '../config/schema.ts';
import { createRuleClassifier } from '../rules.ts';
import type { Classifier } from '../signals.ts';
import { createEncoderClassifier, type EncoderClassifier } from './classifier.ts';
import { assertModelFiles, DEFAULT_MODEL, modelDirOf } from './paths.ts';

export interface ConfiguredClassifier {
  readonly classifier: Classifier;
  /** Present when the config enables the encoder; serves /v1/classify and reports its provider. */
  readonly encoder?: EncoderClassifier;
}

/** The encoder the config names (`inference.model`), or the default one. */
export function encoderName(config: Config): string {
  return config.inference.model ?? DEFAULT_MODEL;
}

/** `inference.model_dir` resolved against the config file's directory, or where that encoder is pulled to. */
function encoderModelDir(config: Config, configPath: string): string {
  const dir = config.inference.model_dir;
  return dir === undefined ? modelDirOf(encoderName(config)) : resolve(dirname(configPath), dir);
}

/**
 * Throws ModelMissingError before anything starts when the encoder is enabled and its files are
 * absent: a missing download is an installation problem, not something readiness should wait for.
 */
export function createConfiguredClassifier(config: Config, configPath: string, onBatch?: (size: number) => void): ConfiguredClassifier {
  const rules = createRuleClassifier(config.categories);
  if (!config.classifier.encoder) return { classifier: rules };
  const modelDir = encoderModelDir(config, configPath);
  assertModelFiles(modelDir);
  const { inference, classifier } = config;
  const encoder = createEncoderClassifier({
    name: encoderName(config),
    modelDir,
    device: inference.device,
    intraOpThreads: inference.intra_op_threads,
    maxBatchSize: inference.max_batch_size,
    maxWaitMs: inference.max_wait_ms,
    maxQueue: inference.max_queue,
    categoryThreshold: classifier.category_threshold,
    jailbreakThreshold: classifier.jailbreak_threshold,
    // Copies: the config is deeply frozen, the classifier's options are plain mutable arrays.
    customCategories: classifier.custom_categories.map((c) => ({ ...c, examples: [...c.examples] })),
    ...(onBatch === undefined ? {} : { onBatch }),
  });
  return { classifier: createCompositeClassifier(rules, encoder), encoder };
}

// Operator rules first, the encoder second. A keyword or pattern is an explicit, certain statement
// by the operator, so it always wins; the encoder's subject label decides only the prompts no rule
// recognises. The encoder still runs on every prompt, because its jailbreak and PII signals (for
// policies) are wanted whichever way the category was decided.

import { InputError } from './classify/classifier.ts';
import type { Classifier, ClassifyInput, Signals } from './signals.ts';

export function createCompositeClassifier(rules: Classifier, encoder: Classifier): Classifier {
  return {
    init: async () => {
      await Promise.all([rules.init(), encoder.init()]);
    },
    classify: async (input: ClassifyInput): Promise<Signals> => {
      const started = performance.now();
      const ruledAt = rules.classify(input).then((r) => ({ r, ms: performance.now() - started }));
      const [{ r: ruled, ms: rulesMs }, encoded] = await Promise.all([ruledAt, classifyOrSkip(encoder, input)]);
      // The encoder leaves out a category below its confidence threshold, and the decision engine
      // ignores labels that name no configured category: both then fall to default_model.
      const category = ruled.category ?? encoded.category;
      return { ...encoded, ...(category === undefined ? {} : { category }), timings: { ...encoded.timings, rules: rulesMs } };
    },
    close: async () => {
      await Promise.all([rules.close?.(), encoder.close?.()]);
    },
  };
}

/**
 * An empty prompt, or one longer than the encoder's window limit, still gets a decision: rules and
 * default_model, without encoder signals. Anything else (overload, a model failure) propagates.
 */
async function classifyOrSkip(encoder: Classifier, input: ClassifyInput): Promise<Signals> {
  try {
    return await encoder.classify(input);
  } catch (err) {
    if (err instanceof InputError) return {};
    throw err;
  }
}

// The rule-based classifier: a category matches when any of its keywords (whole words) or patterns
// occurs in the prompt; categories are tried in config order and the first match wins.

import type { CategoryConfig } from './config/schema.ts';
import type { Classifier, ClassifyInput, Signals } from './signals.ts';
import { compileKeywords, compilePattern } from './text-match.ts';

interface CompiledCategory {
  readonly name: string;
  readonly keywords: RegExp | undefined;
  readonly patterns: readonly RegExp[];
}

export function createRuleClassifier(categories: readonly CategoryConfig[]): Classifier {
  const compiled: CompiledCategory[] = categories.map((c) => ({
    name: c.name,
    keywords: compileKeywords(c.keywords),
    patterns: c.patterns.map(compilePattern),
  }));

  return {
    init: async () => {},
    classify: async ({ prompt }: ClassifyInput): Promise<Signals> => {
      for (const category of compiled) {
        const evidence = category.keywords?.test(prompt)
          ? 'keyword'
          : category.patterns.some((p) => p.test(prompt))
            ? 'pattern'
            : undefined;
        if (evidence !== undefined) return { category: { label: category.name, confidence: 1, source: 'rule', evidence } };
      }
      return {};
    },
  };
}

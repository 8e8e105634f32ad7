// Loads the MMLU-Pro questions and real per-model outcomes into one record per question. The data is
// only for building and evaluating the routing table; nothing in the product reads it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { splitOf, type Split } from '../data/split.ts';

/** Rough tokens for a text: ~4 characters a token, the ratio the outcome data's README gives. */
export const tokensOf = (chars: number): number => chars / 4;

export interface QuestionRecord {
  id: string;
  category: string;
  question: string;
  split: Split;
  /** What the client would send: the question and its options, estimated in tokens. */
  inputTokens: number;
  /** model -> 1/0; a model missing from the map has no recorded outcome for this question. */
  correct: Record<string, number>;
  /** model -> output tokens, only where the data recorded a non-zero answer length. */
  outputTokens: Record<string, number>;
}

function readJsonl<T>(path: string): T[] {
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as T);
}

export function loadQuestions(dir: string): QuestionRecord[] {
  const outcomes = new Map(
    readJsonl<{ id: string; correct: Record<string, number>; output_chars: Record<string, number> }>(join(dir, 'outcomes.jsonl')).map((o) => [o.id, o]),
  );
  return readJsonl<{ id: string; category: string; question: string; options: string[] }>(join(dir, 'questions.jsonl')).map((q) => {
    const o = outcomes.get(q.id);
    if (!o) throw new Error(`question ${q.id} has no outcomes row`);
    // A zero length means "not recorded" (25 of the 28 models never record one), not an empty answer.
    const outputTokens = Object.fromEntries(Object.entries(o.output_chars ?? {}).filter(([, c]) => c > 0).map(([m, c]) => [m, tokensOf(c)]));
    const inputChars = q.question.length + q.options.reduce((n, opt) => n + opt.length + 4, 0);
    return { id: q.id, category: q.category, question: q.question, split: splitOf(q.id), inputTokens: tokensOf(inputChars), correct: o.correct, outputTokens };
  });
}

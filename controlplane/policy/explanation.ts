// How a decision was reached: the whole of it for POST /v1/route/explain, and a compact form that
// travels as the `x-switchyard-explain` header of every route decision.

import type { Strategy } from '../config/policy.ts';
import type { CategorySignal } from '../signals.ts';

/** One model considered for the request. */
export interface ConsideredModel {
  readonly model: string;
  readonly score: number;
  readonly est_cost_usd: number | null;
  /** Why it could not be chosen, when it could not. */
  readonly excluded?: string;
}

export interface Explanation {
  readonly tenant: string;
  readonly signals: {
    readonly category?: CategorySignal;
    /** `earlier_score`: the most suspicious earlier user message's, when they were scanned. */
    readonly jailbreak?: { readonly detected: boolean; readonly score: number; readonly earlier_score?: number };
    /** Personal data types in the prompt. */
    readonly pii: readonly string[];
    /** Those found only in the conversation's earlier user messages, which the chosen model receives too. */
    readonly pii_earlier?: readonly string[];
  };
  readonly category: string;
  /** What settled it: a rule or head signal, a strategy, the default, or a security action. */
  readonly decided_by: string;
  readonly strategy?: Strategy;
  readonly candidates: readonly ConsideredModel[];
  readonly chosen?: string;
  readonly fallbacks: readonly string[];
  /** `held_back`: why reasoning the category asked for is off (the API, or the request setting that forbids it). */
  readonly reasoning?: { readonly on: boolean; readonly family?: string; readonly held_back?: string };
  /** Milliseconds per classification stage (rules, tokenize, encode, category, jailbreak, pii) and for the whole classification (classify). */
  readonly timings_ms?: Readonly<Record<string, number>>;
}

/** Decision header values are limited to 256 bytes by the contract. */
export const MAX_EXPLAIN_BYTES = 256;

/**
 * The explanation in one header value: printable ASCII, at most 256 bytes, no prompt text, e.g.
 * `cat=math@0.93 by=rule:math:keyword;cheapest_within_margin pick=math-model fb=general pii=- jb=0.01`.
 * Names are ASCII by the config schema; a classifier's evidence is not, so anything else becomes `?`
 * rather than a header the filter would refuse.
 */
export function compactExplanation(e: Explanation): string {
  const parts = [
    `cat=${e.category}${e.signals.category === undefined ? '' : `@${e.signals.category.confidence.toFixed(2)}`}`,
    `by=${e.decided_by}`,
    ...(e.chosen === undefined ? [] : [`pick=${e.chosen}`]),
    `fb=${e.fallbacks.length === 0 ? '-' : e.fallbacks.join(',')}`,
    `pii=${e.signals.pii.length === 0 ? '-' : e.signals.pii.join(',')}`,
    ...(e.signals.pii_earlier === undefined ? [] : [`pii_earlier=${e.signals.pii_earlier.join(',')}`]),
    ...(e.signals.jailbreak === undefined ? [] : [`jb=${e.signals.jailbreak.score.toFixed(2)}`]),
    ...(e.signals.jailbreak?.earlier_score === undefined ? [] : [`jb_earlier=${e.signals.jailbreak.earlier_score.toFixed(2)}`]),
    ...(e.reasoning === undefined ? [] : [`think=${e.reasoning.on ? 'on' : 'off'}${e.reasoning.held_back === undefined ? '' : `:${e.reasoning.held_back}`}`]),
  ];
  let text = parts.join(' ').replace(/[^\x20-\x7e]/g, '?');
  if (text.length > MAX_EXPLAIN_BYTES) text = `${text.slice(0, MAX_EXPLAIN_BYTES - 3)}...`;
  return text;
}

// What classifiers tell the decision engine about a prompt. The engine depends only on this module,
// so rule-based and ML classifiers (controlplane/classify/) are interchangeable and neither the
// filter nor the HTTP API changes when one is added.

export interface ClassifyInput {
  /** The last user message (contract field `prompt`). */
  readonly prompt: string;
  /** The system prompt, when the request had one. */
  readonly system?: string;
  /**
   * The texts of the conversation's earlier user messages, oldest first (contract field `context`).
   * A classifier may read a follow-up ("can you explain that more simply?") in their light; they
   * are never the prompt.
   */
  readonly context?: readonly string[];
  /**
   * What personal data to look for in `context` (reported as `pii.earlier`): the structured types,
   * or every type. Absent: none.
   */
  readonly earlierPii?: 'structured' | 'all';
  /** Whether to scan `context` for jailbreaks and prompt injections too (reported as `jailbreak.earlier`). */
  readonly earlierJailbreak?: boolean;
}

export interface CategorySignal {
  /** A category name from the config; the engine ignores labels the config does not define. */
  readonly label: string;
  /** 0..1; rule matches are certain (1). */
  readonly confidence: number;
  /** Which classifier produced it, e.g. "rule"; the first part of `x-switchyard-reason`. */
  readonly source: string;
  /** Short, bounded evidence kind such as "keyword" or "pattern" (never prompt text): it ends up in a header and a metric label. */
  readonly evidence?: string;
  /** Read from the prompt together with the conversation's earlier user messages, the prompt alone being unclear or a few words not clear by themselves. */
  readonly in_context?: boolean;
  /** With `in_context`: how many of the newest earlier messages were read before the prompt. */
  readonly context_messages?: number;
}

/**
 * Evidence of an operator's custom category matched by its example prompts: the confidence is the
 * cosine similarity, already held to the category's own threshold, not a probability.
 */
export const EVIDENCE_EXAMPLES = 'examples';

export interface JailbreakSignal {
  readonly detected: boolean;
  readonly confidence: number;
  readonly source: string;
  /** The most suspicious of the conversation's earlier user messages, when the input asked (`earlierJailbreak`). */
  readonly earlier?: { readonly detected: boolean; readonly confidence: number };
}

export interface PiiSignal {
  /** Entity types found in the prompt, e.g. "EMAIL_ADDRESS"; never the matched text. */
  readonly types: readonly string[];
  /**
   * Types found in the conversation's earlier user messages (`context`), as the input's
   * `earlierPii` asked: the model chosen receives those turns too.
   */
  readonly earlier?: readonly string[];
  readonly source: string;
}

/** Every field is optional: a classifier fills in what it knows. */
export interface Signals {
  readonly category?: CategorySignal;
  readonly jailbreak?: JailbreakSignal;
  readonly pii?: PiiSignal;
  readonly embedding?: Float32Array;
  /** Milliseconds per classification stage (e.g. rules, tokenize, encode, category, jailbreak, pii), for metrics. */
  readonly timings?: Readonly<Record<string, number>>;
}

export interface Classifier {
  /** Resolves once the classifier can answer (models loaded); until then the control plane is not ready. */
  init(): Promise<void>;
  classify(input: ClassifyInput): Promise<Signals>;
  /** Releases what init() acquired (model sessions); called when the control plane closes. */
  close?(): Promise<void>;
}

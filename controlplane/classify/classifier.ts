// The encoder-backed classifier: every head reads the same encoder pass, so a prompt costs one
// forward per 512-token window no matter how many signals are asked for. Prompts longer than one
// window are split into overlapping windows that are encoded together in one batched call.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EVIDENCE_EXAMPLES, type Classifier, type ClassifyInput, type Signals } from '../signals.ts';
import { addCountries } from './countries.ts';
import { Encoder, meanPoolNormalized, type Device, type EncodedSequence } from './encoder.ts';
import { readEncoderModel, weightsFor } from './encoder-model.ts';
import { sha256Hex } from './hash.ts';
import { argmax, CentroidSet, conversationSettingsOf, customDefaultsOf, LinearHead, type ConversationSettings, type CustomCategory } from './heads.ts';
import { assertModelFiles, DEFAULT_MODEL, headsDirOf, modelDirOf } from './paths.ts';
import { LexicalVote } from './lexical-vote.ts';
import { mixVotes, NeighbourVote } from './neighbours.ts';
import { findStructuredPii, findTitledNames, mergeEntities, mergeTitledNames, type PiiEntity } from './pii.ts';
import { TOKEN_LOGITS, TokenHead } from './token-head.ts';
import { WordPieceTokenizer } from './tokenizer.ts';

export interface EncoderClassifierOptions {
  /**
   * The encoder's name (what /readyz and the provider metric report, and whose tuned weights are put
   * in place); default: the default encoder.
   */
  name?: string;
  /** Where its files are; without `name`, a model run as it is (a candidate that is not in the manifest). */
  modelDir?: string;
  headsDir?: string;
  device?: Device;
  intraOpThreads?: number;
  maxBatchSize?: number;
  maxWaitMs?: number;
  maxQueue?: number;
  /** Category confidence under which `below_threshold` is set (the engine then treats it as unknown). */
  categoryThreshold?: number;
  /** Overrides the jailbreak head's trained threshold. */
  jailbreakThreshold?: number;
  customCategories?: CustomCategory[];
  /** Longest accepted text, in UTF-16 code units. */
  maxChars?: number;
  /** Longest accepted prompt in 512-token windows; bounds the cost one request can cause. */
  maxWindows?: number;
  /** Tokens shared by consecutive windows, so an entity or an attack phrase is never cut in half. */
  windowOverlap?: number;
  /** Most word pieces of a conversation's earlier user messages that an unclear prompt is read after (default 64). */
  contextTokens?: number;
  /**
   * Fewest word pieces of context an unclear prompt is read after: earlier messages are taken, the
   * last first, until they hold this many (default 16).
   */
  contextMinTokens?: number;
  warn?: (msg: string) => void;
  /** Told the size of every encoder batch as it starts. */
  onBatch?: (size: number) => void;
}

export interface CategoryResult {
  label: string;
  confidence: number;
  below_threshold: boolean;
  /** "head" for the trained MMLU-Pro head, "custom" for an operator category matched by examples. */
  source: 'head' | 'custom';
  /** Read with the conversation's earlier user messages: alone, the prompt was under the threshold or a few words not clear by themselves. */
  in_context?: boolean;
  /** With `in_context`: how many of the newest earlier messages were read before the prompt. */
  context_messages?: number;
}

export interface ClassifyResult {
  category: CategoryResult;
  jailbreak: { label: 'benign' | 'jailbreak'; score: number };
  pii: { entities: PiiEntity[] };
  embedding?: number[];
  tokens: number;
  windows: number;
  /** `heads` is category + jailbreak + pii; `context`, when present, is reading the prompt in its conversation (an encoder pass of its own), confident or not. */
  timings_ms: { tokenize: number; encode: number; heads: number; category: number; jailbreak: number; pii: number; context?: number; total: number };
}

export class InputError extends Error {
  constructor(readonly code: 'empty_text' | 'text_too_long', message: string) {
    super(message);
    this.name = 'InputError';
  }
}

export interface EncoderClassifier extends Classifier {
  /**
   * `context`: the texts of the conversation's earlier user messages, oldest first, read when the
   * text alone leaves the category under the threshold.
   */
  analyze(text: string, opts?: { embedding?: boolean; context?: readonly string[] }): Promise<ClassifyResult>;
  /** Normalized mean embeddings of texts (first window each), e.g. for custom-category centroids. */
  embed(texts: string[]): Promise<Float32Array[]>;
  /** The ONNX execution provider in use ("cpu" or "cuda"); set after init(). */
  readonly provider: string | undefined;
  /** Which encoder runs (its name in scripts/models/manifest.json). */
  readonly name: string;
  readonly limits: { maxChars: number; maxWindows: number };
  /** Sequences waiting for the encoder right now. */
  readonly queued: number;
  /** The custom categories with the threshold each is held to (set after init()). */
  readonly customCategories: Array<{ name: string; threshold: number }>;
  close(): Promise<void>;
}

/** What init() loads; one per classifier. */
interface State {
  tokenizer: WordPieceTokenizer;
  encoder: Encoder;
  category: LinearHead;
  /** This encoder's bars for reading a prompt in its conversation (its heads' conversation.json). */
  conversation: ConversationSettings;
  categoryVote: NeighbourVote | null;
  categoryLexical: LexicalVote | null;
  jailbreak: LinearHead;
  jailbreakThreshold: number;
  tokenHead: TokenHead | null;
  custom: CentroidSet | null;
}

const WINDOW = 512;
/** Earlier messages whose scan a classifier remembers (security.pii.earlier_turns: all, security.jailbreak.earlier_turns). */
const EARLIER_SEEN_MAX = 4096;

/** What an encoder pass found in an earlier message: every PII type, and the jailbreak score. */
interface EarlierSeen {
  types: string[];
  jailbreak: number;
}
const SLICE = 64;

export function createEncoderClassifier(opts: EncoderClassifierOptions = {}): EncoderClassifier {
  const name = opts.name ?? DEFAULT_MODEL;
  const modelDir = opts.modelDir ?? modelDirOf(name);
  const headsDir = opts.headsDir ?? headsDirOf(name);
  const maxChars = opts.maxChars ?? 32_000;
  const maxWindows = opts.maxWindows ?? 8;
  const overlap = opts.windowOverlap ?? 64;
  const contextTokens = opts.contextTokens ?? 64;
  const contextMinTokens = opts.contextMinTokens ?? 16;
  const categoryThreshold = opts.categoryThreshold ?? 0.5;

  let state: State | null = null;
  // What encoder passes found in earlier messages, by their hash, least recently used first.
  const earlierSeen = new Map<string, EarlierSeen>();
  let initing: Promise<void> | null = null;

  const ready = () => {
    if (!state) throw new Error('encoder classifier used before init() resolved');
    return state;
  };

  function windowsOf(tokenizer: WordPieceTokenizer, text: string) {
    const pieces = tokenizer.tokenize(text);
    const body = WINDOW - 2;
    const step = body - overlap;
    const count = pieces.ids.length <= body ? 1 : 1 + Math.ceil((pieces.ids.length - body) / step);
    if (count > maxWindows) {
      throw new InputError('text_too_long', `text is ${pieces.ids.length} tokens; the limit is ${maxWindows} windows (${body + (maxWindows - 1) * step} tokens)`);
    }
    const windows = [];
    for (let w = 0; w < count; w++) {
      const from = w * step;
      const ids = pieces.ids.slice(from, from + body);
      const offsets = pieces.offsets.slice(from, from + body);
      windows.push({ ids: [tokenizer.clsId, ...ids, tokenizer.sepId], offsets: [[0, 0] as [number, number], ...offsets, [0, 0] as [number, number]] });
    }
    return { windows, tokens: pieces.ids.length, pieceIds: pieces.ids };
  }

  async function embed(texts: string[]): Promise<Float32Array[]> {
    const s = ready();
    const out = await s.encoder.encodeMany(texts.map((t) => s.tokenizer.encode(t, WINDOW).ids));
    return out.map((o) => o.embedding);
  }

  function pooled(encoded: EncodedSequence[]): Float32Array {
    if (encoded.length === 1) return encoded[0].embedding;
    const v = new Float32Array(encoded[0].hidden);
    for (const e of encoded) for (let k = 0; k < v.length; k++) v[k] += e.embedding[k];
    const n = Math.hypot(...v) || 1;
    return v.map((x) => x / n);
  }

  /**
   * The category of a pooled embedding and its word pieces: the head with its votes mixed in, then a
   * custom category when one matches. The neighbour vote runs at the event loop's next turn
   * (onnxruntime-node runs a session on this thread), so whatever the caller does before awaiting
   * the result runs first; the head's own logits and the word-piece vote are computed now.
   */
  function startCategory(s: State, emb: Float32Array, pieceIds: number[]): Promise<CategoryResult> {
    const vote = s.categoryVote?.votes([emb]);
    // Marks a rejection handled should the caller throw before awaiting; the await still sees it.
    vote?.catch(() => undefined);
    // The prompt's TF-IDF vector serves the head's logits and the word-piece vote alike.
    const terms = s.category.hasTokenFeatures ? s.category.termWeights(pieceIds) : null;
    const cp = s.category.probsWithTerms(emb, 0, terms);
    const lexical = terms && s.categoryLexical?.vote(terms);
    return (async () => {
      mixVotes(cp, [
        ...(vote ? [{ weight: s.categoryVote!.weight, vote: (await vote)[0] }] : []),
        ...(lexical ? [{ weight: s.categoryLexical!.weight, vote: lexical }] : []),
      ], s.category.mixTemperature);
      const ci = argmax(cp);
      const custom = s.custom?.match(emb);
      // An operator-defined category is more specific than the generic head, so a confident match wins.
      return custom && !custom.below_threshold
        ? { label: custom.label, confidence: custom.similarity, below_threshold: false, source: 'custom' }
        : { label: s.category.labels[ci], confidence: cp[ci], below_threshold: cp[ci] < categoryThreshold, source: 'head' };
    })();
  }

  /** Whether a message, read by itself, is of one subject: the head's at `clearAlone` or more, or a confident custom category. */
  async function clearAlone(s: State, ids: number[]): Promise<boolean> {
    const [encoded] = await s.encoder.encodeMany([[s.tokenizer.clsId, ...ids, s.tokenizer.sepId]]);
    const alone = await startCategory(s, encoded.embedding, ids);
    return alone.source === 'custom' || alone.confidence >= s.conversation.clearAlone;
  }

  /**
   * The category of the prompt read after the end of its conversation, in one window: the last
   * earlier message, and the ones before it while together they hold fewer than
   * `contextMinTokens` word pieces (a chain of short follow-ups, "Why?" then "And then?", says
   * nothing of the subject; the question before them does), cut to their last `contextTokens`,
   * then the prompt. Reaching no further back than a long message, or a short one clear by itself
   * ("What is a closure?"), keeps a follow-up asked after a change of subject on the new one. Null
   * when that reading is not confident, or the prompt fills the window by itself.
   */
  async function categoryInContext(s: State, context: readonly string[], pieceIds: number[]): Promise<CategoryResult | null> {
    const room = Math.min(contextTokens, WINDOW - 2 - pieceIds.length);
    if (room <= 0) return null;
    let before: number[] = [];
    let k = context.length - 1;
    for (; k >= 0; k--) {
      // Sixteen characters a word piece is more than English text takes: the rest is never tokenized.
      const ids = s.tokenizer.tokenize(context[k].slice(-16 * room)).ids;
      before = [...ids, ...before];
      if (k === 0 || before.length >= Math.min(contextMinTokens, room)) break;
      // A short message that is clear by itself changed the subject: the follow-up is about it.
      if (await clearAlone(s, ids)) break;
    }
    if (before.length === 0) return null;
    const joined = [...before.slice(-room), ...pieceIds];
    const [encoded] = await s.encoder.encodeMany([[s.tokenizer.clsId, ...joined, s.tokenizer.sepId]]);
    const reading = await startCategory(s, encoded.embedding, joined);
    return reading.below_threshold ? null : { ...reading, in_context: true, context_messages: context.length - k };
  }

  /**
   * What the conversation's earlier user messages hold, as asked: their PII types (the structured
   * ones, or every type) and their highest jailbreak score. Every type and the jailbreak score take
   * an encoder pass over the messages (all their windows in one batch); what a pass finds in a
   * message is remembered by its hash, since in a conversation each earlier message comes back
   * with every later turn. A message over the window limit gets the structured types and no score.
   */
  async function scanEarlier(s: State, context: readonly string[], pii: 'structured' | 'all' | undefined, jailbreak: boolean) {
    const types = new Set<string>();
    let jb = 0;
    const structured = (text: string) => findStructuredPii(text).forEach((e) => types.add(e.type));
    const found = (seen: EarlierSeen) => {
      if (pii === 'all') seen.types.forEach((t) => types.add(t));
      jb = Math.max(jb, seen.jailbreak);
    };
    if (pii === 'structured') context.forEach(structured);
    if (pii === 'all' || jailbreak) {
      const todo: Array<{ text: string; key: string; windows: ReturnType<typeof windowsOf>['windows'] }> = [];
      for (const text of context) {
        const key = sha256Hex(Buffer.from(text));
        const known = earlierSeen.get(key);
        if (known) {
          // Most recently used last, so that the oldest is the one to forget.
          earlierSeen.delete(key);
          earlierSeen.set(key, known);
          found(known);
          continue;
        }
        try {
          todo.push({ text, key, windows: windowsOf(s.tokenizer, text).windows });
        } catch (err) {
          if (!(err instanceof InputError)) throw err;
          structured(text);
        }
      }
      const encoded = todo.length === 0 ? [] : await s.encoder.encodeMany(todo.flatMap((t) => t.windows.map((w) => w.ids)));
      let at = 0;
      for (const { text, key, windows } of todo) {
        const own = encoded.slice(at, at + windows.length);
        at += windows.length;
        const seen = { types: [...new Set(entitiesOf(s, text, windows, own).map((e) => e.type))], jailbreak: jailbreakScore(s, windows, own) };
        found(seen);
        earlierSeen.set(key, seen);
        if (earlierSeen.size > EARLIER_SEEN_MAX) earlierSeen.delete(earlierSeen.keys().next().value as string);
      }
    }
    return { types: pii === undefined ? undefined : [...types], jailbreak: jailbreak ? jb : undefined };
  }

  async function analyze(text: string, o: { embedding?: boolean; context?: readonly string[] } = {}): Promise<ClassifyResult> {
    const s = ready();
    if (typeof text !== 'string' || text.trim() === '') throw new InputError('empty_text', 'text is empty');
    if (text.length > maxChars) throw new InputError('text_too_long', `text is ${text.length} characters; the limit is ${maxChars}`);
    const t0 = performance.now();
    const { windows, tokens, pieceIds } = windowsOf(s.tokenizer, text);
    const t1 = performance.now();
    const encoded = await s.encoder.encodeMany(windows.map((w) => w.ids));
    const t2 = performance.now();

    const emb = pooled(encoded);
    const categoryDone = startCategory(s, emb, pieceIds);
    const tCategoryHead = performance.now();

    const jb = jailbreakScore(s, windows, encoded);

    const tJailbreak = performance.now();
    const entities = entitiesOf(s, text, windows, encoded);
    const tPii = performance.now();

    let category = await categoryDone;
    const tCategory = performance.now();
    // A follow-up says little on its own; read with the turns before it, it usually says what they did.
    const unsure = category.below_threshold
      || (category.source === 'head' && category.confidence < s.conversation.clearAlone && pieceIds.length <= s.conversation.shortPromptPieces);
    const readAgain = unsure && o.context !== undefined && o.context.length > 0;
    const inContext = readAgain ? await categoryInContext(s, o.context!, pieceIds) : null;
    if (inContext) category = inContext;
    const t3 = performance.now();
    return {
      category,
      jailbreak: { label: jb >= s.jailbreakThreshold ? 'jailbreak' : 'benign', score: jb },
      pii: { entities },
      ...(o.embedding ? { embedding: Array.from(emb) } : {}),
      tokens,
      windows: windows.length,
      timings_ms: { tokenize: t1 - t0, encode: t2 - t1, heads: tCategory - t2, category: tCategoryHead - t2 + (tCategory - tPii), jailbreak: tJailbreak - tCategoryHead, pii: tPii - tJailbreak,
        ...(readAgain ? { context: t3 - tCategory } : {}), total: t3 - t0 },
    };
  }

  return {
    get provider() { return state?.encoder.provider; },
    name,
    limits: { maxChars, maxWindows },
    init() {
      initing ??= (async () => {
        // A missing download is named as such before anything reads the files.
        assertModelFiles(modelDir);
        const tokenizer = WordPieceTokenizer.fromFile(join(modelDir, 'tokenizer.json'));
        // Read once: the heads are checked against its hash, and the encoder's session is built from it.
        const model = readEncoderModel(name, modelDir, weightsFor(opts.name, opts.modelDir));
        const sha = sha256Hex(model);
        const category = LinearHead.load(join(headsDir, 'category.json'), sha);
        const jailbreak = LinearHead.load(join(headsDir, 'jailbreak.json'), sha);
        const conversation = conversationSettingsOf(join(headsDir, 'conversation.json'));
        const tokenPath = join(headsDir, 'pii-token.json');
        const tokenHead = existsSync(tokenPath) ? TokenHead.load(tokenPath, sha) : null;
        const statesOutput = pooledTensor(headsDir, category, jailbreak);
        if (jailbreak.neighbours !== undefined || jailbreak.lexical !== undefined) throw new Error(`${join(headsDir, 'jailbreak.json')} carries neighbours; only the category head may`);
        const categoryLexical = category.lexical === undefined ? null : lexicalVoteOf(category, join(headsDir, 'category.json'));
        // onnxruntime checks the projection's shapes when it builds the session, where the states' size
        // is known statically; assertFits below covers exports whose size is only known at run time.
        const encoder = await Encoder.create({ ...opts, modelDir, model, statesOutput, projections: tokenHead ? [tokenHead.projection] : [] })
          .catch((err: Error) => {
            throw tokenHead && err.message.includes(TOKEN_LOGITS) ? new Error(`${tokenPath}: the PII token head's weights do not fit the encoder's states (${err.message})`) : err;
          });
        let categoryVote: NeighbourVote | null = null;
        try {
          const inFile = (file: string) => (err: Error) => { throw new Error(`${file}: ${err.message}`); };
          try { tokenHead?.assertFits(encoder.hidden); } catch (err) { inFile(tokenPath)(err as Error); }
          if (category.neighbours !== undefined) {
            categoryVote = await NeighbourVote.create(category.neighbours, category.dim, category.labels.length).catch(inFile(join(headsDir, 'category.json')));
          }
        } catch (err) {
          await encoder.close();
          throw err;
        }
        state = { tokenizer, encoder, category, conversation, categoryVote, categoryLexical, jailbreak, tokenHead, custom: null,
          jailbreakThreshold: opts.jailbreakThreshold ?? jailbreak.threshold ?? 0.5 };
        if (opts.customCategories?.length) {
          const fallback = customDefaultFor(opts.customCategories, join(headsDir, 'custom.json'), sha, statesOutput, opts.warn ?? console.warn);
          state.custom = await CentroidSet.build(opts.customCategories, embed, fallback);
        }
      })();
      return initing;
    },
    async classify(input: ClassifyInput): Promise<Signals> {
      const r = await analyze(input.prompt, { embedding: true, ...(input.context === undefined ? {} : { context: input.context }) });
      // The model chosen receives the earlier turns too.
      const earlierStarted = performance.now();
      const scanned = input.context?.length && (input.earlierPii || input.earlierJailbreak)
        ? await scanEarlier(ready(), input.context, input.earlierPii, input.earlierJailbreak ?? false) : undefined;
      const earlierMs = performance.now() - earlierStarted;
      const earlierTypes = scanned?.types;
      const earlierJb = scanned?.jailbreak;
      return {
        ...(r.category.below_threshold ? {} : {
          category: { label: r.category.label, confidence: r.category.confidence, source: 'encoder', evidence: r.category.source === 'custom' ? EVIDENCE_EXAMPLES : 'model',
            ...(r.category.in_context ? { in_context: true, context_messages: r.category.context_messages } : {}) },
        }),
        jailbreak: { detected: r.jailbreak.label === 'jailbreak', confidence: r.jailbreak.score, source: 'encoder',
          ...(earlierJb === undefined ? {} : { earlier: { detected: earlierJb >= ready().jailbreakThreshold, confidence: earlierJb } }) },
        pii: { types: [...new Set(r.pii.entities.map((e) => e.type))], ...(earlierTypes?.length ? { earlier: earlierTypes } : {}), source: 'encoder' },
        embedding: Float32Array.from(r.embedding!),
        timings: { tokenize: r.timings_ms.tokenize, encode: r.timings_ms.encode, category: r.timings_ms.category, jailbreak: r.timings_ms.jailbreak, pii: r.timings_ms.pii,
          ...(r.timings_ms.context === undefined ? {} : { context: r.timings_ms.context }), ...(scanned === undefined ? {} : { earlier: earlierMs }) },
      };
    },
    analyze,
    embed,
    get customCategories() {
      return state?.custom?.thresholds ?? [];
    },
    get queued() {
      return state?.encoder.queued ?? 0;
    },
    async close() {
      await state?.encoder.close();
      await state?.categoryVote?.close();
      state = null;
      earlierSeen.clear();
      initing = null;
    },
  };
}

/**
 * The jailbreak head's score of a text from its encoded windows. The attack may sit anywhere in a
 * long text, and pooling a whole window dilutes it; so the head also scores 64-token slices of the
 * token states (no extra encoder pass), each with the word pieces under it. Most suspicious wins.
 */
function jailbreakScore(s: State, windows: ReadonlyArray<{ ids: number[] }>, encoded: EncodedSequence[]): number {
  let jb = 0;
  encoded.forEach((e, w) => {
    const ids = windows[w].ids;
    // Word pieces only: [CLS] and [SEP] sit at the window's ends.
    const pieces = (from: number, to: number) => ids.slice(Math.max(from, 1), Math.min(to, ids.length - 1));
    jb = Math.max(jb, s.jailbreak.probs(e.embedding, 0, pieces(0, ids.length))[1]);
    for (let from = 0; e.tokens > 2 * SLICE && from < e.tokens - SLICE / 2; from += SLICE / 2) {
      const n = Math.min(SLICE, e.tokens - from);
      const pooled = meanPoolNormalized(e.states.subarray(from * e.hidden, (from + n) * e.hidden), n, e.hidden);
      jb = Math.max(jb, s.jailbreak.probs(pooled, 0, pieces(from, from + n))[1]);
    }
  });
  return jb;
}

/**
 * Every detector's entities of a text from its encoded windows: the token head's names and places
 * (none without a token head), the structured recognizers, which win overlaps, the name after a
 * title, and country names where nothing else covers them.
 */
function entitiesOf(s: State, text: string, windows: ReadonlyArray<{ offsets: Array<[number, number]> }>, encoded: EncodedSequence[]): PiiEntity[] {
  const learned = s.tokenHead ? encoded.flatMap((e, i) => s.tokenHead!.entities(e, windows[i].offsets, text)) : [];
  return addCountries(mergeEntities(findStructuredPii(text), mergeTitledNames(findTitledNames(text), dedupe(learned, text), text)), text);
}

/** Overlapping windows report the same entity twice; keep one per span. */
function dedupe(entities: PiiEntity[], text: string): PiiEntity[] {
  const out: PiiEntity[] = [];
  for (const e of entities.sort((a, b) => a.start - b.start || b.score - a.score)) {
    const prev = out[out.length - 1];
    if (prev && e.start < prev.end) {
      if (e.type === prev.type) {
        prev.end = Math.max(prev.end, e.end);
        prev.text = text.slice(prev.start, prev.end);
        prev.score = Math.max(prev.score, e.score);
      }
      continue;
    }
    out.push({ ...e });
  }
  return out;
}

/**
 * The threshold for the custom categories that set none: the encoder's default from its heads
 * directory (undefined when every category sets its own), with a warning for each such category
 * given fewer examples than the default was chosen with.
 */
function customDefaultFor(categories: CustomCategory[], path: string, sha: string, statesOutput: string | undefined, warn: (msg: string) => void): number | undefined {
  const unset = categories.filter((c) => c.threshold === undefined);
  if (unset.length === 0) return undefined;
  if (!existsSync(path)) {
    throw new Error(`custom categories ${unset.map((c) => c.name).join(', ')} set no threshold, and ${path}, which holds this encoder's default, is missing; set their threshold or run scripts/train/train_heads.py custom`);
  }
  const { threshold, examples } = customDefaultsOf(path, sha, statesOutput);
  // A centroid of fewer examples claims far fewer of its prompts at the same threshold.
  for (const c of unset.filter((c) => c.examples.length < examples)) {
    warn(`classifier: custom category ${c.name} has ${c.examples.length} example(s) and the encoder's default threshold ${threshold}, ` +
      `which was chosen with ${examples} per category; it will claim few prompts: give it ${examples} or more examples, or a threshold of its own`);
  }
  return threshold;
}

/**
 * The tensor the category and jailbreak heads were trained on, pooled: the model's own output unless
 * they name one (heads trained on a model's first layers name the last layer they read, and the
 * encoder runs only up to it). Both read the one pooled embedding, so they must agree.
 */
function pooledTensor(headsDir: string, category: LinearHead, jailbreak: LinearHead): string | undefined {
  const named = ([['category.json', category], ['jailbreak.json', jailbreak]] as const).map(([file, head]) => {
    const outputs = head.encoderOutputs;
    if (outputs !== undefined && outputs.length > 1) {
      throw new Error(`${join(headsDir, file)} reads encoder outputs ${outputs.join(', ')}; a pooled head reads one tensor (only the PII token head may read several)`);
    }
    return outputs?.[0];
  });
  if (named[0] !== named[1]) {
    const what = (t: string | undefined) => t ?? "the model's own output";
    throw new Error(`${headsDir}: category.json reads ${what(named[0])} but jailbreak.json reads ${what(named[1])}; both heads read the one pooled embedding`);
  }
  return named[0];
}

/** The category head's word-piece vote, checked against the head it mixes into; errors name the file. */
function lexicalVoteOf(head: LinearHead, file: string): LexicalVote {
  const shares = (head.neighbours?.weight ?? 0) + head.lexical!.weight;
  if (shares > 1) throw new Error(`${file}: the votes' weights add up to ${shares}; at most 1`);
  if (!head.hasTokenFeatures) throw new Error(`${file}: lexical_neighbours needs the head's token_features`);
  try {
    return LexicalVote.create(head.lexical!, (ids) => head.termWeights(ids), head.labels.length);
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
}

// Small trained heads on top of the encoder, stored as JSON under models/heads/<encoder>/ (written by
// scripts/train/*.py). Linear + softmax is enough here: the encoder does the heavy lifting, and a
// linear head stays cheap next to the encoder pass and is trivially portable from numpy.
import { readFileSync } from 'node:fs';
import type { LexicalNeighboursJson } from './lexical-vote.ts';
import type { NeighboursJson } from './neighbours.ts';

export interface LinearHeadJson {
  kind: 'linear';
  labels: string[];
  /** Row-major [labels x dim]. */
  weights: number[];
  bias: number[];
  dim: number;
  /** Softmax temperature fitted on the dev split so confidence matches observed accuracy. */
  temperature: number;
  /** sha256 of the model.onnx the head was trained on; a different encoder would make it meaningless. */
  encoder_sha256: string;
  /**
   * The encoder tensors whose states the head was trained on, concatenated per token in this order;
   * absent: the model's own output.
   */
  encoder_outputs?: string[];
  /** Optional decision threshold on the positive (last) label's probability. */
  threshold?: number;
  /** Free-form training provenance (data, split, metrics). */
  meta?: Record<string, unknown>;
  /**
   * Optional sparse TF-IDF over word pieces, added to the logits (sklearn sublinear_tf, l2 norm).
   * A term is a word-piece id ("2345") or two consecutive ones ("2345 1012"), as sklearn names them.
   */
  token_features?: {
    terms: string[];
    idf: number[];
    /** Row-major [rows x terms]; or the same as little-endian float16 in base64 (`weights_f16`). */
    weights?: number[];
    weights_f16?: string;
  };
  /**
   * Optional finer labels the head scores, each counted toward one of `labels` (for the category
   * head: MMLU-Pro's sources, which split a subject, or the mixed bag "other", into parts a linear
   * boundary can hold). Weights, biases and TF-IDF weights then have one row per sub-label, and a
   * label's probability is the sum of its sub-labels'.
   */
  sub_labels?: { names: string[]; label_of: number[] };
  /** Optional nearest-neighbour vote mixed into the probabilities (neighbours.ts). */
  neighbours?: NeighboursJson;
  /** Optional second vote, by the word pieces of the nearest rows (lexical-vote.ts). */
  lexical_neighbours?: LexicalNeighboursJson;
  /**
   * Temperature of the mix of the head and its votes (neighbours.ts mixVotes), fitted on dev after
   * `temperature`. A softmax mixed with sharp votes is under-confident in the middle bins whatever
   * the softmax's own temperature; one power on the mix corrects its shape. Absent: 1.
   */
  mix_temperature?: number;
}

const HEAD_FIELDS = new Set(['kind', 'labels', 'weights', 'bias', 'dim', 'temperature', 'encoder_sha256', 'encoder_outputs', 'threshold', 'meta', 'token_features', 'neighbours', 'lexical_neighbours', 'mix_temperature', 'sub_labels']);

export class LinearHead {
  readonly labels: string[];
  readonly dim: number;
  readonly temperature: number;
  readonly threshold: number | undefined;
  readonly encoderOutputs: string[] | undefined;
  private readonly w: Float32Array;
  private readonly b: Float32Array;
  /** Term key (see termKey) -> column of the TF-IDF weights. */
  private readonly tokenIndex: Map<number, number> | null = null;
  private readonly bigrams: boolean = false;
  private readonly idf: Float32Array | null = null;
  /** The TF-IDF weights term-major, [terms x rows]: a prompt's few terms each read one contiguous run. */
  private readonly twByTerm: Float32Array | null = null;
  /** probsWithTerms' logits in double precision, as one running sum per row. */
  private readonly sums: Float64Array;
  /** The nearest-neighbour vote to mix into probs() (the classifier loads it: neighbours.ts). */
  readonly neighbours: NeighboursJson | undefined;
  /** The word-piece vote (lexical-vote.ts), mixed in beside it. */
  readonly lexical: LexicalNeighboursJson | undefined;
  readonly mixTemperature: number;
  /** Sub-label -> label, when the head scores sub-labels; their logits go to `logits` first. */
  private readonly labelOf: Int32Array | null;
  private readonly logits: Float32Array;

  constructor(json: LinearHeadJson) {
    if (json.kind !== 'linear') throw new Error(`unsupported head kind ${json.kind}`);
    // A field this code does not read (one renamed since, say) would otherwise be ignored in silence.
    const unknown = Object.keys(json).filter((k) => !HEAD_FIELDS.has(k));
    if (unknown.length > 0) throw new Error(`unknown head field(s) ${unknown.join(', ')}; known: ${[...HEAD_FIELDS].join(', ')}`);
    const sub = json.sub_labels;
    if (sub !== undefined && (!Array.isArray(sub.names) || !Array.isArray(sub.label_of) || sub.names.length !== sub.label_of.length ||
      sub.label_of.some((l) => !Number.isInteger(l) || l < 0 || l >= json.labels.length) ||
      json.labels.some((_, l) => !sub.label_of.includes(l)))) {
      throw new Error(`head sub_labels must name sub-labels and, for each, the index of its label (0 to ${json.labels.length - 1}), every label having at least one`);
    }
    const rows = sub?.names.length ?? json.labels.length;
    const what = sub ? 'sub-labels' : 'labels';
    if (json.weights.length !== rows * json.dim || json.bias.length !== rows) {
      throw new Error(`head shape mismatch: ${rows} ${what} x ${json.dim} dims vs ${json.weights.length} weights, ${json.bias.length} biases`);
    }
    this.labelOf = sub ? Int32Array.from(sub.label_of) : null;
    this.logits = new Float32Array(sub ? rows : 0);
    this.sums = new Float64Array(rows);
    this.labels = json.labels;
    this.dim = json.dim;
    this.temperature = json.temperature > 0 ? json.temperature : 1;
    this.threshold = json.threshold;
    if (json.encoder_outputs !== undefined && (!Array.isArray(json.encoder_outputs) || json.encoder_outputs.length === 0 ||
      json.encoder_outputs.some((o) => typeof o !== 'string' || o === ''))) {
      throw new Error('head encoder_outputs must be a non-empty list of tensor names');
    }
    this.encoderOutputs = json.encoder_outputs;
    this.w = Float32Array.from(json.weights);
    this.b = Float32Array.from(json.bias);
    this.neighbours = json.neighbours;
    this.lexical = json.lexical_neighbours;
    if (json.mix_temperature !== undefined) {
      if (typeof json.mix_temperature !== 'number' || !(json.mix_temperature > 0) || !Number.isFinite(json.mix_temperature)) {
        throw new Error(`head mix_temperature must be a positive number, not ${JSON.stringify(json.mix_temperature)}`);
      }
      if (json.neighbours === undefined && json.lexical_neighbours === undefined) throw new Error('head mix_temperature without neighbours or lexical_neighbours: there is no mix to apply it to');
    }
    this.mixTemperature = json.mix_temperature ?? 1;
    const tf = json.token_features;
    if (tf) {
      if ((tf.weights === undefined) === (tf.weights_f16 === undefined)) throw new Error('head token_features needs weights or weights_f16, not both');
      const tw = tf.weights !== undefined ? Float32Array.from(tf.weights) : float16s(tf.weights_f16!);
      if (tw.length !== tf.terms.length * rows || tf.idf.length !== tf.terms.length) {
        throw new Error(`head token_features shape mismatch: ${tf.terms.length} terms x ${rows} ${what} vs ${tw.length} weights, ${tf.idf.length} idf`);
      }
      const parsed = tf.terms.map((term) => {
        const ids = term.split(' ').map(Number);
        if (ids.length > 2 || ids.some((id) => !Number.isInteger(id) || id < 0 || id >= PIECE_LIMIT)) throw new Error(`head token_features: bad term "${term}"`);
        return ids;
      });
      this.tokenIndex = new Map(parsed.map((ids, i) => [termKey(ids[0], ids[1]), i]));
      this.bigrams = parsed.some((ids) => ids.length === 2);
      this.idf = Float32Array.from(tf.idf);
      this.twByTerm = byTerm(tw, rows, tf.terms.length);
    }
  }

  static load(path: string, encoderSha256?: string): LinearHead {
    const json = JSON.parse(readFileSync(path, 'utf8')) as LinearHeadJson;
    if (encoderSha256 && json.encoder_sha256 !== encoderSha256) {
      throw new Error(`${path} was trained on encoder ${json.encoder_sha256.slice(0, 12)}… but model.onnx is ${encoderSha256.slice(0, 12)}…; retrain the head or use the pinned model`);
    }
    return new LinearHead(json);
  }

  /**
   * Calibrated class probabilities for the dim-long vector starting at x[offset]; tokenIds (word
   * pieces without specials) feed the TF-IDF part when the head has one. `out` lets a caller that
   * scores every token reuse one array.
   */
  probs(x: Float32Array, offset = 0, tokenIds?: number[], out = new Float32Array(this.labels.length)): Float32Array {
    return this.probsWithTerms(x, offset, tokenIds && this.tokenIndex ? this.termWeights(tokenIds) : null, out);
  }

  /** probs() with the prompt's termWeights() already computed, for a caller that needs them too. */
  probsWithTerms(x: Float32Array, offset: number, sparse: Map<number, number> | null, out = new Float32Array(this.labels.length)): Float32Array {
    const z = this.labelOf ? this.logits : out;
    const v = this.sums;
    for (let c = 0; c < z.length; c++) v[c] = this.b[c] + dot(this.w, c * this.dim, x, offset, this.dim);
    // Each row's sum takes the terms in the map's order, whichever loop is outside.
    if (sparse) {
      for (const [col, value] of sparse) {
        const at = col * z.length;
        for (let c = 0; c < z.length; c++) v[c] += this.twByTerm![at + c] * value;
      }
    }
    for (let c = 0; c < z.length; c++) z[c] = v[c];
    return this.grouped(this.softmax(z), out);
  }

  /**
   * Weights of columns [from, to) as a row-major [to - from x labels] matrix: the product of the
   * token states with it is computed in the encoder's graph (the token head's projection).
   */
  columns(from: number, to: number): Float32Array {
    if (this.labelOf) throw new Error('columns() are per label, and this head scores sub-labels');
    const L = this.labels.length;
    const out = new Float32Array((to - from) * L);
    for (let k = from; k < to; k++) for (let c = 0; c < L; c++) out[(k - from) * L + c] = this.w[c * this.dim + k];
    return out;
  }

  /**
   * probs() of row `row` whose logits over the first columns are already in `partial` (row-major
   * [rows x labels], from the projection of columns()), and whose last `rest.width` columns are that
   * row of `rest` (the token head's surface features).
   */
  probsOfRow(partial: Float32Array, rest: { data: Float32Array; width: number }, row: number, out: Float32Array): Float32Array {
    if (this.labelOf) throw new Error('probsOfRow scores labels, not sub-labels');
    const from = this.dim - rest.width;
    for (let c = 0; c < out.length; c++) {
      out[c] = this.b[c] + partial[row * out.length + c] + dot(this.w, c * this.dim + from, rest.data, row * rest.width, rest.width);
    }
    return this.softmax(out);
  }

  /** Sub-label probabilities summed into their labels' (out), or the probabilities themselves. */
  private grouped(p: Float32Array, out: Float32Array): Float32Array {
    if (!this.labelOf) return p;
    out.fill(0);
    for (let c = 0; c < p.length; c++) out[this.labelOf[c]] += p[c];
    return out;
  }

  /** Tempered softmax of logits, in place. */
  private softmax(out: Float32Array): Float32Array {
    let max = -Infinity;
    for (let c = 0; c < out.length; c++) { out[c] /= this.temperature; if (out[c] > max) max = out[c]; }
    let sum = 0;
    for (let c = 0; c < out.length; c++) { out[c] = Math.exp(out[c] - max); sum += out[c]; }
    for (let c = 0; c < out.length; c++) out[c] /= sum;
    return out;
  }

  get hasTokenFeatures(): boolean {
    return this.tokenIndex !== null;
  }

  /** The L2-normalized TF-IDF vector of word pieces over the head's terms: column -> value. */
  termWeights(tokenIds: number[]): Map<number, number> {
    if (!this.tokenIndex) throw new Error('this head has no token features');
    const counts = new Map<number, number>();
    const count = (key: number) => {
      const i = this.tokenIndex!.get(key);
      if (i !== undefined) counts.set(i, (counts.get(i) ?? 0) + 1);
    };
    tokenIds.forEach((id, j) => {
      count(termKey(id));
      if (this.bigrams && j > 0) count(termKey(tokenIds[j - 1], id));
    });
    let norm = 0;
    for (const [i, c] of counts) {
      const v = (1 + Math.log(c)) * this.idf![i];
      counts.set(i, v);
      norm += v * v;
    }
    norm = Math.sqrt(norm) || 1;
    for (const [i, v] of counts) counts.set(i, v / norm);
    return counts;
  }
}

/** Row-major [rows x terms] -> [terms x rows]. */
function byTerm(weights: Float32Array, rows: number, terms: number): Float32Array {
  const out = new Float32Array(weights.length);
  for (let c = 0; c < rows; c++) for (let t = 0; t < terms; t++) out[t * rows + c] = weights[c * terms + t];
  return out;
}

/** Little-endian IEEE half floats, base64: the sub-label head's TF-IDF weights at a quarter of their JSON size. */
function float16s(b64: string): Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length % 2 !== 0) throw new Error('head token_features weights_f16 is not a whole number of float16 values');
  // Millions of values: one table lookup each is several times faster than decoding each.
  halfTable ??= Float32Array.from({ length: 1 << 16 }, (_, h) => {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    return exp === 0 ? sign * 2 ** -14 * (frac / 1024) : exp === 31 ? (frac ? NaN : sign * Infinity) : sign * 2 ** (exp - 15) * (1 + frac / 1024);
  });
  const out = new Float32Array(bytes.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = halfTable[bytes[2 * i] | (bytes[2 * i + 1] << 8)];
  return out;
}
let halfTable: Float32Array | undefined;

// Word-piece vocabularies of the supported encoders have 30,522 entries; keys pack a bigram into one number.
const PIECE_LIMIT = 1 << 16;

function termKey(first: number, second?: number): number {
  return second === undefined ? first : (first + 1) * PIECE_LIMIT + second;
}

// Four partial sums: the token head runs this for every token, and one long dependency chain of
// additions is what bounds a plain loop.
function dot(a: Float32Array, aOff: number, b: Float32Array, bOff: number, n: number): number {
  let z0 = 0, z1 = 0, z2 = 0, z3 = 0;
  let k = 0;
  for (; k + 3 < n; k += 4) {
    z0 += a[aOff + k] * b[bOff + k];
    z1 += a[aOff + k + 1] * b[bOff + k + 1];
    z2 += a[aOff + k + 2] * b[bOff + k + 2];
    z3 += a[aOff + k + 3] * b[bOff + k + 3];
  }
  for (; k < n; k++) z0 += a[aOff + k] * b[bOff + k];
  return z0 + z1 + z2 + z3;
}

export function argmax(p: Float32Array): number {
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
  return best;
}

export interface CustomCategory {
  name: string;
  /** Example prompts; their normalized mean embedding is the category's centroid. */
  examples: string[];
  /** Minimum cosine similarity to claim a prompt (default: the encoder's, from its custom.json). */
  threshold?: number;
}

/** What an encoder's heads directory says about custom categories (train_heads.py custom). */
interface CustomDefaultsJson {
  kind: 'custom_categories';
  threshold: number;
  /** Examples per category the threshold was chosen with. */
  examples: number;
  encoder_sha256: string;
  encoder_outputs?: string[];
}

/**
 * The encoder's default similarity threshold for custom categories, and how many examples per
 * category it was chosen with. Cosines mean something else in each encoder's embedding, so the number
 * is chosen per encoder on held-out prompts and stored beside its heads; it must come from the same
 * model and tensor as the embedding it is compared with.
 */
export function customDefaultsOf(path: string, encoderSha256: string, statesOutput: string | undefined): { threshold: number; examples: number } {
  const json = JSON.parse(readFileSync(path, 'utf8')) as CustomDefaultsJson;
  if (json.kind !== 'custom_categories' || typeof json.threshold !== 'number' || !(json.threshold >= 0 && json.threshold <= 1)
    || !Number.isInteger(json.examples) || json.examples < 1) {
    throw new Error(`${path}: expected {"kind": "custom_categories", "threshold": 0..1, "examples": 1 or more, ...}`);
  }
  if (json.encoder_sha256 !== encoderSha256) {
    throw new Error(`${path} was chosen on encoder ${json.encoder_sha256.slice(0, 12)}… but model.onnx is ${encoderSha256.slice(0, 12)}…; run train_heads.py custom again or use the pinned model`);
  }
  if (json.encoder_outputs?.[0] !== statesOutput) {
    throw new Error(`${path} was chosen on ${json.encoder_outputs?.[0] ?? "the model's own output"} but the embedding is ${statesOutput ?? "the model's own output"}`);
  }
  return { threshold: json.threshold, examples: json.examples };
}

export interface CentroidMatch {
  label: string;
  similarity: number;
  below_threshold: boolean;
}

/** Nearest-centroid matcher for operator-defined categories given by example prompts. */
export class CentroidSet {
  private constructor(private readonly entries: Array<{ name: string; centroid: Float32Array; threshold: number }>) {}

  /**
   * embed maps prompts to L2-normalized embeddings (the classifier's encoder); defaultThreshold
   * serves the categories that set none.
   */
  static async build(categories: CustomCategory[], embed: (texts: string[]) => Promise<Float32Array[]>, defaultThreshold?: number): Promise<CentroidSet> {
    const entries = [];
    for (const c of categories) {
      if (c.examples.length === 0) throw new Error(`custom category ${c.name} has no examples`);
      const vecs = await embed(c.examples);
      const centroid = new Float32Array(vecs[0].length);
      for (const v of vecs) for (let k = 0; k < v.length; k++) centroid[k] += v[k];
      const norm = Math.hypot(...centroid) || 1;
      for (let k = 0; k < centroid.length; k++) centroid[k] /= norm;
      const threshold = c.threshold ?? defaultThreshold;
      if (threshold === undefined) throw new Error(`custom category ${c.name} has no threshold and there is no default`);
      entries.push({ name: c.name, centroid, threshold });
    }
    return new CentroidSet(entries);
  }

  /** Each category's threshold in effect, its own or the encoder's default. */
  get thresholds(): Array<{ name: string; threshold: number }> {
    return this.entries.map((e) => ({ name: e.name, threshold: e.threshold }));
  }

  match(embedding: Float32Array): CentroidMatch | null {
    let best: CentroidMatch | null = null;
    for (const e of this.entries) {
      let s = 0;
      for (let k = 0; k < embedding.length; k++) s += e.centroid[k] * embedding[k];
      if (!best || s > best.similarity) best = { label: e.name, similarity: s, below_threshold: s < e.threshold };
    }
    return best;
  }
}

/**
 * How the category head's confidence is read in a conversation (docs/classification.md,
 * Conversations). The bar sits over the routing threshold, because a follow-up of no subject
 * ("Why?") can read as one at 0.68; each encoder's head is calibrated its own way, so the bar is
 * chosen per encoder on dev conversations (scripts/eval/classify.ts --only context --dev-only) and
 * stored beside its heads.
 */
export interface ConversationSettings {
  /** A short message at or over this confidence by itself has a subject of its own. */
  clearAlone: number;
  /** A prompt of at most this many word pieces under `clearAlone` is read in its conversation, even over the threshold. */
  shortPromptPieces: number;
}

export function conversationSettingsOf(path: string): ConversationSettings {
  const json = JSON.parse(readFileSync(path, 'utf8')) as { kind?: unknown; clear_alone?: unknown; short_prompt_pieces?: unknown };
  const { clear_alone: clear, short_prompt_pieces: pieces } = json;
  if (json.kind !== 'conversation' || typeof clear !== 'number' || !(clear >= 0 && clear <= 1) || !Number.isInteger(pieces) || (pieces as number) < 0) {
    throw new Error(`${path}: expected {"kind": "conversation", "clear_alone": 0..1, "short_prompt_pieces": 0 or more, ...}`);
  }
  return { clearAlone: clear, shortPromptPieces: pieces as number };
}

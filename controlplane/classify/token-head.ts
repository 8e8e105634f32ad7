// Token-level PII head (PERSON, LOCATION): a linear BIO tagger over each token's hidden states (of
// the layers the head was trained on, see encoderOutputs) plus a few surface features of the token's
// word. Names and places have no checksum, so context in the encoder states is the main evidence;
// the encoder is uncased, so capitalization (the strongest cue for a name in English text) is handed
// to the head separately.
import type { EncodedSequence, EncoderOptions } from './encoder.ts';
import { LinearHead } from './heads.ts';
import type { PiiEntity } from './pii.ts';

const WORD = /[\p{L}\p{N}'’-]+/gu;
const WORD_CHAR = /[\p{L}\p{N}'’-]/u;
const UPPER = /\p{Lu}/u;
// What may stand between a sentence's end and its first word: space, quotes, brackets, bullets.
const OPENER = /[\s"'“‘(\[*-]/u;
const SENTENCE_END = '.!?:;';
// "St." or "Jr." keeps its period when it ends an entity; a sentence's full stop does not.
const ABBREVIATION = /(?:^|[^\p{L}])\p{Lu}\p{Ll}{0,2}\.$/u;

/** Number of surface features per token, appended after the hidden states. */
export const TOKEN_FEATURES = 10;

/** The encoder output holding the head's logits over the hidden states (TokenHead.projection). */
export const TOKEN_LOGITS = 'switchyard/pii_token_logits';

/**
 * Surface features per token (row-major [tokens x TOKEN_FEATURES]); offsets are the tokens' UTF-16
 * spans in `text`, [0, 0] for specials (which get all zeros). The training script reads these from
 * scripts/train/embed.ts, which calls this same function, so training and inference cannot drift.
 */
export function tokenFeatures(text: string, offsets: Array<[number, number]>): Float32Array {
  const words: Array<{ start: number; end: number; cap: boolean; initial: boolean }> = [];
  // Only the words under this window's tokens, plus one either side for the neighbour features:
  // a long prompt has several windows, and each reading the whole text would be quadratic.
  const spans = offsets.filter(([s, e]) => e > s);
  const lo = spans.length ? spans[0][0] : 0;
  const hi = spans.length ? spans[spans.length - 1][1] : 0;
  let from = lo;
  while (from > 0 && WORD_CHAR.test(text[from - 1])) from--;
  while (from > 0 && !WORD_CHAR.test(text[from - 1])) from--;
  while (from > 0 && WORD_CHAR.test(text[from - 1])) from--;
  WORD.lastIndex = from;
  for (let m = WORD.exec(text); m !== null; m = WORD.exec(text)) {
    const start = m.index;
    // Sentence-initial words are capitalized whatever they are, so capitalization says less there.
    // Scanning back from the word (not matching a regex on the whole prefix) keeps this linear.
    let b = start - 1;
    while (b >= 0 && OPENER.test(text[b])) b--;
    words.push({ start, end: start + m[0].length, cap: UPPER.test(m[0][0]), initial: b < 0 || SENTENCE_END.includes(text[b]) });
    if (start >= hi) break;
  }
  const noUpper = !UPPER.test(text);
  const f = new Float32Array(offsets.length * TOKEN_FEATURES);
  let w = 0;
  offsets.forEach(([s, e], j) => {
    if (e <= s) return;
    while (w < words.length && words[w].end <= s) w++;
    const o = j * TOKEN_FEATURES;
    f[o + 9] = noUpper ? 1 : 0;
    const word = w < words.length && words[w].start <= s ? words[w] : null;
    if (!word) { f[o + 8] = 1; return; } // punctuation between words
    const str = text.slice(word.start, word.end);
    const letters = str.replace(/[^\p{L}]/gu, '');
    f[o] = word.cap ? 1 : 0;
    f[o + 1] = letters.length >= 2 && letters === letters.toUpperCase() ? 1 : 0;
    f[o + 2] = word.initial ? 1 : 0;
    f[o + 3] = word.cap && !word.initial ? 1 : 0;
    f[o + 4] = s > word.start ? 1 : 0;
    f[o + 5] = /\p{N}/u.test(str) ? 1 : 0;
    f[o + 6] = w > 0 && words[w - 1].cap ? 1 : 0;
    f[o + 7] = w + 1 < words.length && words[w + 1].cap ? 1 : 0;
  });
  return f;
}

/**
 * Row-major per-token matrices put side by side, token by token (one contiguous row per token): the
 * layout of the token head's input that training (scripts/train/embed.ts) writes. At inference the
 * states' columns are the encoder's projection and the features' the head's own (probsOfRow).
 */
export function sideBySide(parts: Array<{ data: Float32Array; width: number }>, tokens: number): Float32Array {
  const d = parts.reduce((sum, p) => sum + p.width, 0);
  const x = new Float32Array(tokens * d);
  for (let j = 0; j < tokens; j++) {
    let at = j * d;
    for (const { data, width } of parts) {
      x.set(data.subarray(j * width, (j + 1) * width), at);
      at += width;
    }
  }
  return x;
}

export class TokenHead {
  private readonly types: Array<{ type: string; begin: boolean } | null>;

  private constructor(private readonly head: LinearHead, private readonly minScore: number) {
    // Labels are "O", then "B-TYPE" / "I-TYPE" pairs.
    this.types = head.labels.map((l) => (l === 'O' ? null : { type: l.slice(2), begin: l.startsWith('B-') }));
  }

  static load(path: string, encoderSha256: string): TokenHead {
    const head = LinearHead.load(path, encoderSha256);
    if (head.labels[0] !== 'O') throw new Error(`${path}: the first label of a token head must be "O"`);
    const bad = head.labels.slice(1).find((l) => !/^[BI]-[A-Z_]+$/.test(l));
    if (bad) throw new Error(`${path}: token head label "${bad}" is not B-TYPE or I-TYPE`);
    const tensors = head.encoderOutputs?.length ?? 1;
    if (!(head.dim > TOKEN_FEATURES && (head.dim - TOKEN_FEATURES) % tensors === 0)) {
      throw new Error(`${path}: a token head's ${head.dim} features per token must be ${tensors} encoder tensor(s) of one width and ${TOKEN_FEATURES} surface features`);
    }
    return new TokenHead(head, head.threshold ?? 0.5);
  }

  /** The encoder tensors the head reads (`EncodedSequence.outputs`), when not the final states. */
  get encoderOutputs(): string[] | undefined {
    return this.head.encoderOutputs;
  }

  /**
   * The head's weights over the hidden states, for the encoder to multiply in its graph (returned as
   * TOKEN_LOGITS): per token that is most of the head's arithmetic, and onnxruntime does it over a
   * whole batch far faster than a loop here would. A tensor left out is the encoder's states.
   */
  get projection(): NonNullable<EncoderOptions['projections']>[number] {
    const tensors = this.encoderOutputs ?? [undefined];
    const hidden = (this.head.dim - TOKEN_FEATURES) / tensors.length;
    return { name: TOKEN_LOGITS, width: this.head.labels.length,
      terms: tensors.map((tensor, i) => ({ tensor, weights: this.head.columns(i * hidden, (i + 1) * hidden) })) };
  }

  /** Throws unless the head's input is what an encoder of this hidden size gives it. */
  assertFits(hidden: number): void {
    const tensors = this.encoderOutputs?.length ?? 1;
    if (tensors * hidden + TOKEN_FEATURES !== this.head.dim) {
      throw new Error(`the PII token head takes ${this.head.dim} features per token, but ${tensors} encoder tensor(s) of ${hidden} states and ${TOKEN_FEATURES} surface features make ${tensors * hidden + TOKEN_FEATURES}`);
    }
  }

  /**
   * Entities in one encoded window (encoded with the head's projection); offsets are that window's
   * token offsets into `text`.
   */
  entities(seq: Pick<EncodedSequence, 'outputs' | 'tokens'>, offsets: Array<[number, number]>, text: string): PiiEntity[] {
    const logits = seq.outputs?.[TOKEN_LOGITS];
    if (!logits) throw new Error(`the encoder did not return ${TOKEN_LOGITS}; create it with the PII token head's projection`);
    const features = { data: tokenFeatures(text, offsets), width: TOKEN_FEATURES };
    const out: PiiEntity[] = [];
    const p = new Float32Array(this.head.labels.length);
    // Per open entity: its span, its summed entity score, and the mass each type got over its tokens.
    let cur: { start: number; end: number; sum: number; n: number; mass: Map<string, number> } | null = null;
    const close = () => {
      if (!cur) return;
      // Sub-word predictions can cover part of a word; entities are whole words, without the
      // punctuation that the tagger may have carried along at the edges.
      let { start, end } = cur;
      while (start > 0 && WORD_CHAR.test(text[start - 1])) start--;
      while (end < text.length && WORD_CHAR.test(text[end])) end++;
      while (end > start && !WORD_CHAR.test(text[end - 1]) && !ABBREVIATION.test(text.slice(start, end))) end--;
      // The span's type is the one with the most mass over all its tokens: one token of a name read
      // as a place does not split the name or retype it.
      let type = [...cur.mass].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
      // People's names have no numbers; a name with a number ("Pachergasse 64") is a street.
      const span = text.slice(start, end);
      if (type === 'PERSON' && cur.mass.has('LOCATION') && /\p{L}/u.test(span) && /\p{N}/u.test(span)) type = 'LOCATION';
      if (end > start) out.push({ type, start, end, text: span, score: cur.sum / cur.n });
      cur = null;
    };
    // Position 0 and the last one are [CLS]/[SEP].
    for (let j = 1; j < seq.tokens - 1; j++) {
      this.head.probsOfRow(logits, features, j, p);
      // Whether this is an entity token at all, then whether it begins one, then (at the end of
      // the span) which kind: each decision sums the mass of the labels it stands for.
      if (1 - p[0] < this.minScore) { close(); continue; }
      let beginMass = 0;
      for (let c = 1; c < p.length; c++) if (this.types[c]!.begin) beginMass += p[c];
      const begin = beginMass > 1 - p[0] - beginMass;
      const [s, e] = offsets[j];
      // B- opens a new entity, except inside a word (a sub-word piece tagged B- belongs to its word);
      // so does a line break, as in joinParts: the lines of an address block are its parts.
      if (!cur || (begin && !WORD_CHAR.test(text[s - 1] ?? ' ')) || text.slice(cur.end, s).includes('\n')) {
        close();
        cur = { start: s, end: e, sum: 0, n: 0, mass: new Map() };
      }
      cur.end = e; cur.sum += 1 - p[0]; cur.n++;
      for (let c = 1; c < p.length; c++) {
        const { type } = this.types[c]!;
        cur.mass.set(type, (cur.mass.get(type) ?? 0) + p[c]);
      }
    }
    close();
    const capitals = UPPER.test(text);
    return joinParts(out, text).filter((e) => plausible(e, capitals));
  }
}

// Whether a tagged span can be a name or a place. A person's name has letters. No span is made only
// of words that are never a name or a place on their own: pronouns, articles, question words and
// greetings (capitalized at a sentence start, which the tagger reads as a cue), and the labels of
// form fields ("Address:", "IBAN:"). And wherever the text uses capitals at all, a name or a place
// is written with one (an address part may be a number): a lower-case span tagged there is a
// common word ("downtown", "state").
function plausible(e: PiiEntity, textHasCapitals: boolean): boolean {
  if (e.type === 'PERSON' && !/\p{L}/u.test(e.text)) return false;
  const words = e.text.split(/[\s,.:;!?]+/u).filter((w) => w !== '').map((w) => w.toLowerCase());
  if (words.every((w) => NOT_A_NAME.has(w))) return false;
  // A title-cased phrase ("Carry Me Back To Denmark") is a title, not a person's name.
  if (e.type === 'PERSON' && words.some((w) => NOT_IN_A_NAME.has(w))) return false;
  return !textHasCapitals || /[\p{Lu}\p{N}]/u.test(e.text);
}

const NOT_IN_A_NAME = new Set(['me', 'my', 'to', 'of', 'but', 'and', 'or', 'in', 'on', 'at', 'for', 'with', 'from', 'the', 'a', 'an', 'is', 'are']);

const NOT_A_NAME = new Set([
  'i', 'i\'m', 'it', 'it\'s', 'he', 'she', 'we', 'they', 'you', 'me', 'my', 'our', 'your', 'his', 'her', 'their', 'this', 'that',
  'the', 'a', 'an', 'what', 'what\'s', 'who', 'where', 'when', 'why', 'how', 'hello', 'hi', 'hey', 'dear', 'thanks', 'please',
  'yes', 'no', 'ok', 'address', 'name', 'phone', 'email', 'e-mail', 'iban', 'city', 'country', 'street', 'date', 'card',
]);

// What may separate two tagged pieces of one entity: the parts of an address on one line
// ("Brixtonlaan 132, Chastre, WBR 1450"), or a first and a last name tagged apart. The tagger
// labels tokens, and a street, a town and a postcode each start a new span; to a reader (and to
// redaction) they are one place.
const JOINS: Readonly<Record<string, RegExp>> = { LOCATION: /^[ \t]*,?[ \t]*$/, PERSON: /^[ \t]+$/ };

function joinParts(entities: PiiEntity[], text: string): PiiEntity[] {
  const out: PiiEntity[] = [];
  for (const e of entities) {
    const last = out.at(-1);
    const join = JOINS[e.type];
    if (last !== undefined && last.type === e.type && join !== undefined && join.test(text.slice(last.end, e.start))) {
      // The joined score weighs each piece by its length.
      const a = last.end - last.start;
      const b = e.end - e.start;
      out[out.length - 1] = { type: e.type, start: last.start, end: e.end, text: text.slice(last.start, e.end), score: (last.score * a + e.score * b) / (a + b) };
    } else {
      out.push(e);
    }
  }
  return out;
}

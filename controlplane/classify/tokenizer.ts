// BERT WordPiece tokenizer driven by the model's own tokenizer.json, reproducing the reference
// `tokenizers` pipeline (BertNormalizer -> BertPreTokenizer -> WordPiece -> [CLS] A [SEP]) so that the
// ids fed to the ONNX graph are the ones the encoder was trained with. Offsets are UTF-16 indices into
// the caller's string (what String.prototype.slice takes), because PII spans are cut from it.
import { readFileSync } from 'node:fs';

export interface TokenSpan {
  ids: number[];
  /** [start, end) in UTF-16 code units of the input; [0, 0] for special tokens. */
  offsets: Array<[number, number]>;
}

interface TokenizerJson {
  normalizer: { type: string; clean_text: boolean; handle_chinese_chars: boolean; strip_accents: boolean | null; lowercase: boolean };
  pre_tokenizer: { type: string };
  model: { type: string; unk_token: string; continuing_subword_prefix: string; max_input_chars_per_word: number; vocab: Record<string, number> };
  added_tokens: Array<{ id: number; content: string; special: boolean }>;
}

/** One normalized code point and the original UTF-16 span it came from. */
interface NChar { c: string; start: number; end: number }

const CONTROL = /^\p{C}$/u; // Cc Cf Cs Co Cn, as the reference treats every "other" category as control
const MARK_NONSPACING = /^\p{Mn}$/u;
const UNICODE_PUNCT = /^\p{P}$/u;
// Rust's char::is_whitespace (Unicode White_Space); the control filter runs first, so \v \f \x85 are dropped.
const WHITESPACE = /^[\t\n\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/u;

function isWhitespace(c: string): boolean {
  return WHITESPACE.test(c);
}

function isControl(c: string): boolean {
  return c !== '\t' && c !== '\n' && c !== '\r' && CONTROL.test(c);
}

function isPunctuation(c: string): boolean {
  const cp = c.codePointAt(0)!;
  // ASCII symbols such as $ + < = > ^ ` | ~ are split too, although Unicode files them under S*.
  const asciiPunct = (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126);
  return asciiPunct || UNICODE_PUNCT.test(c);
}

function isChineseChar(cp: number): boolean {
  return (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) || (cp >= 0x2b740 && cp <= 0x2b81f) || (cp >= 0x2b920 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x2f800 && cp <= 0x2fa1f);
}

export class WordPieceTokenizer {
  readonly vocab: Map<string, number>;
  readonly unkId: number;
  readonly clsId: number;
  readonly sepId: number;
  readonly padId: number;
  private readonly prefix: string;
  private readonly maxWordChars: number;
  private readonly lowercase: boolean;
  private readonly stripAccents: boolean;
  private readonly cleanText: boolean;
  private readonly chineseChars: boolean;
  private readonly added: Array<{ content: string; id: number }>;

  constructor(json: TokenizerJson) {
    if (json.model?.type !== 'WordPiece' || json.normalizer?.type !== 'BertNormalizer' || json.pre_tokenizer?.type !== 'BertPreTokenizer') {
      throw new Error(`unsupported tokenizer.json: expected BertNormalizer/BertPreTokenizer/WordPiece, got ${json.normalizer?.type}/${json.pre_tokenizer?.type}/${json.model?.type}`);
    }
    this.vocab = new Map(Object.entries(json.model.vocab));
    this.prefix = json.model.continuing_subword_prefix;
    this.maxWordChars = json.model.max_input_chars_per_word;
    const n = json.normalizer;
    this.lowercase = n.lowercase;
    // The reference strips accents whenever lowercasing unless told otherwise.
    this.stripAccents = n.strip_accents ?? n.lowercase;
    this.cleanText = n.clean_text;
    this.chineseChars = n.handle_chinese_chars;
    // Longest first so that overlapping special tokens match greedily, as the reference does.
    this.added = json.added_tokens.map((t) => ({ content: t.content, id: t.id })).sort((a, b) => b.content.length - a.content.length);
    const id = (tok: string) => {
      const v = this.vocab.get(tok);
      if (v === undefined) throw new Error(`tokenizer.json vocabulary lacks ${tok}`);
      return v;
    };
    this.unkId = id(json.model.unk_token);
    this.clsId = id('[CLS]');
    this.sepId = id('[SEP]');
    this.padId = id('[PAD]');
  }

  static fromFile(path: string): WordPieceTokenizer {
    return new WordPieceTokenizer(JSON.parse(readFileSync(path, 'utf8')) as TokenizerJson);
  }

  /** Model input: [CLS] pieces [SEP], truncated to maxLength tokens in all (the reference's longest-first truncation of a single sequence). */
  encode(text: string, maxLength = 512): TokenSpan {
    const body = this.tokenize(text);
    const keep = Math.max(0, maxLength - 2);
    return {
      ids: [this.clsId, ...body.ids.slice(0, keep), this.sepId],
      offsets: [[0, 0], ...body.offsets.slice(0, keep), [0, 0]],
    };
  }

  /** Word pieces without special tokens and without truncation (callers window long prompts themselves). */
  tokenize(text: string): TokenSpan {
    const out: TokenSpan = { ids: [], offsets: [] };
    let from = 0;
    // Added tokens are matched on the raw text before normalization, like the reference.
    while (from <= text.length) {
      let hit: { at: number; content: string; id: number } | null = null;
      for (const t of this.added) {
        const at = text.indexOf(t.content, from);
        if (at >= 0 && (hit === null || at < hit.at)) hit = { at, ...t };
      }
      const end = hit ? hit.at : text.length;
      this.tokenizeSegment(text, from, end, out);
      if (!hit) break;
      out.ids.push(hit.id);
      out.offsets.push([hit.at, hit.at + hit.content.length]);
      from = hit.at + hit.content.length;
    }
    return out;
  }

  private tokenizeSegment(text: string, from: number, to: number, out: TokenSpan): void {
    let word: NChar[] = [];
    const flush = () => {
      if (word.length > 0) this.wordPiece(word, out);
      word = [];
    };
    for (const ch of this.normalize(text, from, to)) {
      if (isWhitespace(ch.c)) {
        flush();
      } else if (isPunctuation(ch.c)) {
        flush();
        this.wordPiece([ch], out);
      } else {
        word.push(ch);
      }
    }
    flush();
  }

  private *normalize(text: string, from: number, to: number): Generator<NChar> {
    let i = from;
    while (i < to) {
      const cp = text.codePointAt(i)!;
      const c = String.fromCodePoint(cp);
      const start = i;
      i += c.length;
      const end = i;
      if (this.cleanText) {
        if (cp === 0 || cp === 0xfffd || isControl(c)) continue;
        if (isWhitespace(c)) { yield { c: ' ', start, end }; continue; }
      }
      if (this.chineseChars && isChineseChar(cp)) {
        // Padding with spaces makes each ideograph its own word.
        yield { c: ' ', start, end };
        yield { c, start, end };
        yield { c: ' ', start, end };
        continue;
      }
      const parts = this.stripAccents ? c.normalize('NFD') : c;
      for (const p of parts) {
        if (this.stripAccents && MARK_NONSPACING.test(p)) continue;
        const lowered = this.lowercase ? p.toLowerCase() : p;
        for (const q of lowered) yield { c: q, start, end };
      }
    }
  }

  private wordPiece(chars: NChar[], out: TokenSpan): void {
    if (chars.length > this.maxWordChars) {
      out.ids.push(this.unkId);
      out.offsets.push([chars[0].start, chars[chars.length - 1].end]);
      return;
    }
    const ids: number[] = [];
    const offsets: Array<[number, number]> = [];
    let start = 0;
    while (start < chars.length) {
      let end = chars.length;
      let found = -1;
      while (start < end) {
        let piece = '';
        for (let k = start; k < end; k++) piece += chars[k].c;
        const id = this.vocab.get(start > 0 ? this.prefix + piece : piece);
        if (id !== undefined) { found = id; break; }
        end--;
      }
      if (found < 0) {
        // One unknown piece makes the whole word [UNK], as in the reference WordPiece.
        out.ids.push(this.unkId);
        out.offsets.push([chars[0].start, chars[chars.length - 1].end]);
        return;
      }
      ids.push(found);
      offsets.push([chars[start].start, chars[end - 1].end]);
      start = end;
    }
    out.ids.push(...ids);
    out.offsets.push(...offsets);
  }
}

// Token-level PII head (PERSON, LOCATION): a linear classifier over each token's final hidden state.
// Names and places have no checksum, so context in the encoder states is the only evidence.
import type { EncodedSequence } from './encoder.ts';
import { argmax, LinearHead } from './heads.ts';
import type { PiiEntity } from './pii.ts';

const WORD_CHAR = /[\p{L}\p{N}'’-]/u;

export class TokenHead {
  private constructor(private readonly head: LinearHead, private readonly minScore: number) {}

  static load(path: string, encoderSha256: string): TokenHead {
    const head = LinearHead.load(path, encoderSha256);
    if (head.labels[0] !== 'O') throw new Error(`${path}: the first label of a token head must be "O"`);
    return new TokenHead(head, head.threshold ?? 0.5);
  }

  /** Entities in one encoded window; offsets are that window's token offsets into `text`. */
  entities(seq: EncodedSequence, offsets: Array<[number, number]>, text: string): PiiEntity[] {
    const out: PiiEntity[] = [];
    let cur: { type: string; start: number; end: number; sum: number; n: number } | null = null;
    const close = () => {
      if (!cur) return;
      // Sub-word predictions can cover part of a word; entities are whole words.
      let { start, end } = cur;
      while (start > 0 && WORD_CHAR.test(text[start - 1])) start--;
      while (end < text.length && WORD_CHAR.test(text[end])) end++;
      out.push({ type: cur.type, start, end, text: text.slice(start, end), score: cur.sum / cur.n });
      cur = null;
    };
    // Position 0 and the last one are [CLS]/[SEP].
    for (let j = 1; j < seq.tokens - 1; j++) {
      const p = this.head.probs(seq.states, j * seq.hidden);
      const k = argmax(p);
      const type = this.head.labels[k];
      if (type === 'O' || p[k] < this.minScore) { close(); continue; }
      const [s, e] = offsets[j];
      // Adjacent tokens of one type are one entity only when nothing but spaces separates them.
      if (cur && cur.type === type && /^\s*$/.test(text.slice(cur.end, s))) {
        cur.end = e; cur.sum += p[k]; cur.n++;
      } else {
        close();
        cur = { type, start: s, end: e, sum: p[k], n: 1 };
      }
    }
    close();
    return out;
  }
}

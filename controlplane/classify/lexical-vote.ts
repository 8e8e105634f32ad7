// The category head's second vote (its `lexical_neighbours`, written by scripts/train/train_heads.py):
// the training rows nearest a prompt by cosine of their TF-IDF vectors over the head's own terms.
// In a short prompt a few subject words ("molar", "tort") say more than the pooled embedding does;
// on dev this vote raised question sentences 1 to 2 points and left exam items where they were
// (docs/EVALUATION.md). The head file stores each row's word pieces, and the vectors are built here
// with the head's own TF-IDF, so training and serving cannot disagree on what a row's terms are.
import { nearestVote } from './neighbours.ts';

export interface LexicalNeighboursJson {
  k: number;
  /** Share of this vote in the mixed probabilities, (0, 1]. */
  weight: number;
  /** Each neighbour weighs exp(cosine / temperature) times its training weight. */
  temperature: number;
  /** Per stored row: its label index and its training weight. */
  labels: number[];
  weights: number[];
  /** Base64 of each row's word-piece count, uint32 little-endian. */
  lengths: string;
  /** Base64 of every row's word pieces one after the other, uint16 little-endian. */
  pieces: string;
}

/** A prompt's word pieces -> its normalized TF-IDF vector (column -> value); LinearHead.termWeights. */
export type TermWeights = (pieceIds: number[]) => Map<number, number>;

export class LexicalVote {
  /** Reused by every vote: one prompt at a time runs this synchronous code. */
  private readonly sims: Float32Array;

  private constructor(
    readonly weight: number,
    private readonly k: number,
    private readonly temperature: number,
    private readonly labels: Int32Array,
    private readonly rowWeights: Float32Array,
    private readonly labelCount: number,
    // Postings by term column t: entries start.get(t) up to end.get(t) of postRow / postValue.
    private readonly start: Map<number, number>,
    private readonly end: Map<number, number>,
    private readonly postRow: Int32Array,
    private readonly postValue: Float32Array,
  ) {
    this.sims = new Float32Array(labels.length);
  }

  /** Checks the head's `lexical_neighbours` and indexes the rows by term. */
  static create(json: LexicalNeighboursJson, termWeights: TermWeights, labelCount: number): LexicalVote {
    const bad = (why: string) => new Error(`head lexical_neighbours: ${why}`);
    const rows = json.labels?.length ?? 0;
    if (!Number.isInteger(json.k) || json.k < 1 || json.k > rows) throw bad(`k must be an integer from 1 to the ${rows} stored rows, not ${json.k}`);
    if (!(json.weight > 0 && json.weight <= 1)) throw bad(`weight must be in (0, 1], not ${json.weight}`);
    if (!(json.temperature > 0)) throw bad(`temperature must be positive, not ${json.temperature}`);
    if (json.weights?.length !== rows) throw bad(`${rows} labels but ${json.weights?.length} weights`);
    const badLabel = json.labels.find((l) => !Number.isInteger(l) || l < 0 || l >= labelCount);
    if (badLabel !== undefined) throw bad(`label index ${badLabel} is not one of the head's ${labelCount} labels`);
    const lengths = littleEndian(json.lengths, 4, 'lengths');
    const pieces = littleEndian(json.pieces, 2, 'pieces');
    if (lengths.length !== rows) throw bad(`lengths has ${lengths.length} rows; the labels have ${rows}`);
    const total = lengths.reduce((a, n) => a + n, 0);
    if (total !== pieces.length) throw bad(`lengths add up to ${total} pieces; pieces holds ${pieces.length}`);

    // One pass collects (term, row, value); a counting sort by term then lays out the postings.
    // A row has at most one term per piece and one per pair of pieces.
    const terms = new Float64Array(2 * total);
    const values = new Float32Array(2 * total);
    const rowOf = new Int32Array(2 * total);
    let used = 0;
    for (let r = 0, at = 0; r < rows; at += lengths[r], r++) {
      for (const [t, value] of termWeights(pieces.slice(at, at + lengths[r]))) { terms[used] = t; rowOf[used] = r; values[used++] = value; }
    }
    const start = new Map<number, number>();
    for (let i = 0; i < used; i++) start.set(terms[i], (start.get(terms[i]) ?? 0) + 1);
    const end = new Map<number, number>();
    let nnz = 0;
    for (const [t, n] of start) { start.set(t, nnz); end.set(t, nnz); nnz += n; }
    const postRow = new Int32Array(nnz);
    const postValue = new Float32Array(nnz);
    for (let i = 0; i < used; i++) {
      const at = end.get(terms[i])!;
      postRow[at] = rowOf[i];
      postValue[at] = values[i];
      end.set(terms[i], at + 1);
    }
    return new LexicalVote(json.weight, json.k, json.temperature, Int32Array.from(json.labels), Float32Array.from(json.weights),
      labelCount, start, end, postRow, postValue);
  }

  /** Label probabilities of the vote for a prompt, given its TermWeights vector. */
  vote(terms: Map<number, number>): Float32Array {
    const sims = this.sims.fill(0);
    for (const [t, q] of terms) {
      const from = this.start.get(t);
      if (from === undefined) continue;
      const to = this.end.get(t)!;
      for (let i = from; i < to; i++) sims[this.postRow[i]] += q * this.postValue[i];
    }
    // Rows that share no term with the prompt never vote.
    return nearestVote(sims, { k: this.k, temperature: this.temperature, scale: 1, floor: 0,
      labels: this.labels, rowWeights: this.rowWeights, labelCount: this.labelCount });
  }
}

function littleEndian(base64: string | undefined, width: 2 | 4, field: string): number[] {
  const bytes = Buffer.from(base64 ?? '', 'base64');
  if (bytes.length % width !== 0) throw new Error(`head lexical_neighbours: ${field} holds ${bytes.length} bytes, not a whole number of ${width}-byte values`);
  const out: number[] = new Array(bytes.length / width);
  for (let i = 0; i < out.length; i++) out[i] = width === 2 ? bytes.readUInt16LE(i * width) : bytes.readUInt32LE(i * width);
  return out;
}

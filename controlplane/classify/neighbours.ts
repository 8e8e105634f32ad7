// A head's nearest-neighbour vote (its `neighbours`, written by scripts/train/train_heads.py): the
// training rows' embeddings, projected on their first principal axes and stored as int8, vote with
// the label mass of the k rows most similar to a prompt. The category head mixes this vote into its
// own probabilities: a linear head draws one boundary between neighbouring subjects (chemistry and
// physics), while the rows nearest a prompt often know better (docs/EVALUATION.md).
import ort from 'onnxruntime-node';
import { concat, lenField, nodeProto, ONNX, stringField, tensorProto, tensorValueInfo, varintField } from './onnx-proto.ts';

export interface NeighboursJson {
  k: number;
  /** Share of the vote in the mixed probabilities, (0, 1]. */
  weight: number;
  /** Each neighbour weighs exp(cosine / temperature) times its training weight. */
  temperature: number;
  /** Centre of the training embeddings [dim], subtracted before projecting. */
  mean: number[];
  /** Row-major [dims x dim] principal axes. */
  projection: number[];
  dims: number;
  /** Per stored row: its label index, its training weight and its int8 scale. */
  labels: number[];
  weights: number[];
  scales: number[];
  /** Base64 of the int8 rows, row-major [rows x dims]. */
  vectors: string;
}

/**
 * The vote's model: sims = ((x - mean) P^T) V^T, of which it returns the k best (values and rows,
 * best first, the earlier row first on a tie, as nearestVote orders them), with z = (x - mean) P^T
 * for its norm. V keeps its stored bytes (row r is its int8 values times scale_r), a quarter of
 * float32's: a prompt's vote reads all of it, mostly from memory, since the encoder pass
 * before it has filled the caches. z is split into two int8 parts, z ~ s1 q1 + s2 q2 with
 * s1 = max |z| / 127 and s2 = s1 / 254, both in one integer product; z then keeps 1 / 64,516 of its
 * largest value, and the votes agree with a float32 product to about 1e-5.
 */
function voteModel(mean: Float32Array, projectionT: Float32Array, dims: number, memoryT: Uint8Array, scales: Float32Array, k: number): Uint8Array {
  const rows = scales.length;
  const node = (op: string, inputs: string[], output: string | string[], attributes?: Record<string, number | number[]>) =>
    lenField(ONNX.graph.node, nodeProto(op, inputs, output, attributes));
  const initializer = (name: string, dimsOf: number[], dataType: number, data: ArrayBufferView) => lenField(ONNX.graph.initializer, tensorProto(name, dimsOf, dataType, data));
  const scalar = (name: string, v: number) => initializer(name, [], ONNX.float, Float32Array.of(v));
  const graph = concat([
    node('Sub', ['x', 'mean'], 'centred'), node('MatMul', ['centred', 'projection'], 'z'),
    // Per prompt; the floor keeps an all-zero z finite. The remainder is at most s1 / 2.
    node('Abs', ['z'], 'z_abs'), node('ReduceMax', ['z_abs'], 'z_max', { axes: [1], keepdims: 1 }),
    node('Div', ['z_max', 'c127'], 's1_raw'), node('Max', ['s1_raw', 'tiny'], 's1'), node('Div', ['s1', 'c254'], 's2'),
    node('Div', ['z', 's1'], 'z1'), node('Round', ['z1'], 'q1'), node('Mul', ['q1', 's1'], 'z1_back'), node('Sub', ['z', 'z1_back'], 'rest'),
    node('Div', ['rest', 's2'], 'z2'), node('Round', ['z2'], 'q2'),
    // [q1; q2] and the rows both as uint8 with zero point 128: without a VNNI unit onnxruntime's
    // uint8 x int8 product adds pairs of products in 16 bits, which 255 x 127 twice overflows.
    node('Concat', ['q1', 'q2'], 'q', { axis: 0 }), node('Add', ['q', 'c128'], 'q_shifted'), node('Cast', ['q_shifted'], 'q_u8', { to: ONNX.uint8 }),
    node('MatMulInteger', ['q_u8', 'memory', 'zero_point', 'zero_point'], 'dots'), node('Cast', ['dots'], 'dots_f', { to: ONNX.float }),
    node('Concat', ['s1', 's2'], 's', { axis: 0 }), node('Mul', ['dots_f', 's'], 'parts'),
    // Split and Add, not a ReduceSum over a [2, batch, rows] view: that took 1.6 ms for 16 prompts.
    node('Split', ['parts'], ['part1', 'part2'], { axis: 0 }), node('Add', ['part1', 'part2'], 'unscaled'),
    node('Mul', ['unscaled', 'scales'], 'sims'),
    // TopK rather than a scan in JavaScript: a prompt's 100 KB of sims never leave onnxruntime.
    node('TopK', ['sims', 'k'], ['top_sims', 'top_rows']),
    stringField(ONNX.graph.name, 'neighbours'),
    initializer('mean', [mean.length], ONNX.float, mean), initializer('projection', [mean.length, dims], ONNX.float, projectionT),
    initializer('memory', [dims, rows], ONNX.uint8, memoryT), initializer('scales', [rows], ONNX.float, scales),
    scalar('c127', 127), scalar('c254', 254), scalar('c128', 128), scalar('tiny', 1e-30),
    initializer('zero_point', [], ONNX.uint8, Uint8Array.of(128)),
    initializer('k', [1], ONNX.int64, BigInt64Array.of(BigInt(k))),
    lenField(ONNX.graph.input, tensorValueInfo('x', ['batch', mean.length])),
    lenField(ONNX.graph.output, tensorValueInfo('z', ['batch', dims])), lenField(ONNX.graph.output, tensorValueInfo('top_sims', ['batch', k])),
    lenField(ONNX.graph.output, tensorValueInfo('top_rows', ['batch', k], ONNX.int64)),
  ]);
  return concat([varintField(ONNX.model.irVersion, 8), lenField(ONNX.model.opsetImport, concat([stringField(ONNX.opset.domain, ''), varintField(ONNX.opset.version, 13)])),
    lenField(ONNX.model.graph, graph)]);
}

export class NeighbourVote {
  private pending: Array<{ embeddings: Float32Array[]; resolve: (v: Float32Array[]) => void; reject: (e: unknown) => void }> = [];

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly weight: number,
    private readonly k: number,
    private readonly temperature: number,
    private readonly dim: number,
    private readonly labels: Int32Array,
    private readonly rowWeights: Float32Array,
    private readonly labelCount: number,
  ) {}

  /**
   * Checks the head's `neighbours` and loads them as a small onnxruntime model: scoring a prompt
   * against every stored row is a matrix product, which onnxruntime does an order of magnitude
   * faster than a JavaScript loop (about 4 ms for the category memory on a 2-core machine).
   */
  static async create(json: NeighboursJson, dim: number, labelCount: number): Promise<NeighbourVote> {
    const bad = (why: string) => new Error(`head neighbours: ${why}`);
    const rows = json.labels?.length ?? 0;
    if (!Number.isInteger(json.dims) || json.dims < 1) throw bad(`dims must be a positive integer, not ${json.dims}`);
    if (!Number.isInteger(json.k) || json.k < 1 || json.k > rows) throw bad(`k must be an integer from 1 to the ${rows} stored rows, not ${json.k}`);
    if (!(json.weight > 0 && json.weight <= 1)) throw bad(`weight must be in (0, 1], not ${json.weight}`);
    if (!(json.temperature > 0)) throw bad(`temperature must be positive, not ${json.temperature}`);
    if (json.mean?.length !== dim) throw bad(`mean has ${json.mean?.length} values; the head's dim is ${dim}`);
    if (json.projection?.length !== json.dims * dim) throw bad(`projection has ${json.projection?.length} values; ${json.dims} x ${dim} expected`);
    if (json.weights?.length !== rows || json.scales?.length !== rows) throw bad(`${rows} labels but ${json.weights?.length} weights and ${json.scales?.length} scales`);
    const badLabel = json.labels.find((l) => !Number.isInteger(l) || l < 0 || l >= labelCount);
    if (badLabel !== undefined) throw bad(`label index ${badLabel} is not one of the head's ${labelCount} labels`);
    const bytes = Buffer.from(json.vectors ?? '', 'base64');
    if (bytes.length !== rows * json.dims) throw bad(`vectors hold ${bytes.length} bytes; ${rows} rows x ${json.dims} expected`);
    const q = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
    const dims = json.dims;
    // Both matrices transposed for x P^T and z V^T; the rows' int8 values shifted to uint8.
    const memoryT = new Uint8Array(dims * rows);
    for (let r = 0; r < rows; r++) for (let j = 0; j < dims; j++) memoryT[j * rows + r] = q[r * dims + j] + 128;
    const projectionT = new Float32Array(dim * dims);
    for (let j = 0; j < dims; j++) for (let i = 0; i < dim; i++) projectionT[i * dims + j] = json.projection[j * dim + i];
    // One thread: the product is small, and the encoder has the cores.
    const session = await ort.InferenceSession.create(voteModel(Float32Array.from(json.mean), projectionT, dims, memoryT, Float32Array.from(json.scales), json.k),
      { intraOpNumThreads: 1, interOpNumThreads: 1, executionProviders: ['cpu'] });
    return new NeighbourVote(session, json.weight, json.k, json.temperature, dim, Int32Array.from(json.labels), Float32Array.from(json.weights), labelCount);
  }

  /**
   * Label probabilities of the vote for each embedding (each `dim` long). Calls made in one turn of
   * the event loop share one run: the prompts of an encoder batch ask for their votes together, and
   * the product over the stored rows costs about half as much per prompt in a batch as alone.
   */
  votes(embeddings: Float32Array[]): Promise<Float32Array[]> {
    return new Promise((resolve, reject) => {
      this.pending.push({ embeddings, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => void this.runPending());
    });
  }

  private async runPending(): Promise<void> {
    const calls = this.pending.splice(0);
    try {
      const all = await this.run(calls.flatMap((c) => c.embeddings));
      let at = 0;
      for (const c of calls) {
        c.resolve(all.slice(at, at + c.embeddings.length));
        at += c.embeddings.length;
      }
    } catch (err) {
      for (const c of calls) c.reject(err);
    }
  }

  private async run(embeddings: Float32Array[]): Promise<Float32Array[]> {
    const n = embeddings.length;
    const x = new Float32Array(n * this.dim);
    embeddings.forEach((e, i) => x.set(e.subarray(0, this.dim), i * this.dim));
    const r = await this.session.run({ x: new ort.Tensor('float32', x, [n, this.dim]) });
    const z = r.z.data as Float32Array;
    const sims = r.top_sims.data as Float32Array;
    const rows = Int32Array.from(r.top_rows.data as BigInt64Array, Number);
    const dims = z.length / n;
    const k = this.k;
    return embeddings.map((_, i) => {
      let norm = 0;
      for (let j = 0; j < dims; j++) norm += z[i * dims + j] ** 2;
      norm = Math.sqrt(norm) || 1;
      // The product is unnormalized in z: cosine = sim / |z|.
      return labelVote(rows.subarray(i * k, (i + 1) * k), sims.subarray(i * k, (i + 1) * k), { temperature: this.temperature, scale: 1 / norm,
        labels: this.labels, rowWeights: this.rowWeights, labelCount: this.labelCount });
    });
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

export interface VoteWeights {
  temperature: number;
  /** Multiplies each similarity into a cosine. */
  scale: number;
  labels: Int32Array;
  rowWeights: Float32Array;
  labelCount: number;
}

export interface VoteRows extends VoteWeights {
  k: number;
  /** Rows at or under this similarity never vote (default: every row may). */
  floor?: number;
}

/**
 * The label mass of the k rows most similar to a prompt (labelVote); the earlier row wins a tie.
 * Most rows fall below the k-th best and cost one comparison.
 */
export function nearestVote(sims: Float32Array, o: VoteRows): Float32Array {
  const k = o.k;
  const bestSim = new Float32Array(k).fill(o.floor ?? -Infinity);
  const bestRow = new Int32Array(k).fill(-1);
  let worst = bestSim[k - 1];
  for (let r = 0; r < sims.length; r++) {
    const s = sims[r];
    if (s <= worst) continue;
    let p = k - 1;
    while (p > 0 && bestSim[p - 1] < s) {
      bestSim[p] = bestSim[p - 1];
      bestRow[p] = bestRow[p - 1];
      p--;
    }
    bestSim[p] = s;
    bestRow[p] = r;
    worst = bestSim[k - 1];
  }
  return labelVote(bestRow, bestSim, o);
}

/**
 * The label mass of the nearest rows (`rows`, best first, up to the first -1) with their
 * similarities `sims`, each weighing exp(cosine / temperature) times its training weight; uniform
 * when there is none.
 */
export function labelVote(rows: ArrayLike<number>, sims: ArrayLike<number>, o: VoteWeights): Float32Array {
  const out = new Float32Array(o.labelCount);
  let sum = 0;
  for (let p = 0; p < rows.length && rows[p] >= 0; p++) {
    const r = rows[p];
    const v = Math.exp(sims[p] * o.scale / o.temperature) * o.rowWeights[r];
    out[o.labels[r]] += v;
    sum += v;
  }
  if (sum > 0) for (let c = 0; c < out.length; c++) out[c] /= sum;
  else out.fill(1 / o.labelCount);
  return out;
}

/**
 * Mixes votes into a head's probabilities, in place: each vote takes its weight's share; then the
 * mix is raised to 1 / temperature and normalized again (the head's mix_temperature).
 */
export function mixVotes(probs: Float32Array, votes: ReadonlyArray<{ weight: number; vote: Float32Array }>, temperature = 1): Float32Array {
  const kept = 1 - votes.reduce((a, v) => a + v.weight, 0);
  for (let c = 0; c < probs.length; c++) probs[c] = kept * probs[c] + votes.reduce((a, v) => a + v.weight * v.vote[c], 0);
  if (temperature === 1) return probs;
  let sum = 0;
  for (let c = 0; c < probs.length; c++) sum += (probs[c] = probs[c] ** (1 / temperature));
  for (let c = 0; c < probs.length; c++) probs[c] /= sum;
  return probs;
}

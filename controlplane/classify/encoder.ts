// ONNX encoder with one shared session and dynamic micro-batching: concurrent requests that arrive
// while the session is busy are padded into one run, which is where CPU throughput comes from. An
// idle encoder runs a request in the same turn of the event loop by default (with the requests that
// turn brings): a timer of even 1 ms costs a lone request more than it gains, because under load the
// batches form from the queue anyway. A bounded queue turns
// overload into a typed error instead of unbounded latency.
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { outputNames, withOutputs, type Projection } from './onnx-outputs.ts';
import { assertModelFiles } from './paths.ts';

export type Device = 'cpu' | 'cuda' | 'auto';

export interface EncoderOptions {
  /** Directory holding model.onnx (and tokenizer.json, read by the tokenizer). */
  modelDir: string;
  /** model.onnx's bytes, when the caller has read them already (to check the heads against them). */
  model?: Uint8Array;
  /**
   * Tensors whose token states to return by name (`EncodedSequence.outputs`): training reads the
   * layers a head will read (scripts/train/embed.ts; the PII token head tags names and places better
   * from a middle layer beside the last one). An inner layer's name makes it an output of the same
   * pass; the model's own output may be named too.
   */
  outputs?: string[];
  /**
   * The tensor read as each sequence's `states` and pooled into its embedding (default: the model's
   * first output). An inner layer's name makes the encoder stop there: the layers above it are not
   * run, which is how a head set trained on the first layers of a model gets their speed.
   */
  statesOutput?: string;
  /**
   * Linear maps of token states computed in the same pass (the PII token head's logits), returned
   * by name in `EncodedSequence.outputs` as [tokens x width]. A term without a tensor reads the
   * states. Each term's weights must be [hidden x width]; the caller checks that against `hidden`.
   */
  projections?: ReadonlyArray<Omit<Projection, 'terms'> & { terms: ReadonlyArray<{ tensor?: string; weights: Float32Array }> }>;
  device?: Device;
  /** ORT intra-op threads; defaults to the machine's available parallelism. */
  intraOpThreads?: number;
  maxBatchSize?: number;
  /** How long an idle encoder waits for company before running a lone request (default 0). */
  maxWaitMs?: number;
  /** Sequences waiting (not yet running) beyond which submit() rejects with OverloadedError. */
  maxQueue?: number;
  /**
   * Cap on padded tokens (batch x longest sequence) in one run, bounding activation memory
   * (default 2048: 16 prompts of 128 tokens, 4 windows of 512). Longer sequences gain nothing from
   * bigger batches on CPU, while their attention memory grows with batch x length squared.
   */
  maxBatchTokens?: number;
  warn?: (msg: string) => void;
  /** Told the size of every batch as it starts, for metrics. */
  onBatch?: (size: number) => void;
}

export interface EncodedSequence {
  /** Row-major [tokens x hidden] states (the last layer's, unless statesOutput names another), specials included. */
  states: Float32Array;
  /** The same per tensor named in EncoderOptions.outputs, and each projection, when any were. */
  outputs?: Record<string, Float32Array>;
  tokens: number;
  hidden: number;
  /** Attention-masked mean of the states, L2-normalized. */
  embedding: Float32Array;
}

export class OverloadedError extends Error {
  readonly code = 'overloaded';
  constructor(readonly queued: number) {
    super(`classifier overloaded: ${queued} sequences already queued`);
    this.name = 'OverloadedError';
  }
}

export class DeviceUnavailableError extends Error {
  readonly code = 'device_unavailable';
  constructor(message: string) {
    super(message);
    this.name = 'DeviceUnavailableError';
  }
}

interface Pending {
  ids: number[];
  resolve: (r: EncodedSequence) => void;
  reject: (e: unknown) => void;
}

export class Encoder {
  private queue: Pending[] = [];
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private closed = false;
  private readonly maxBatchSize: number;
  private readonly maxWaitMs: number;
  private readonly maxQueue: number;
  private readonly maxBatchTokens: number;
  private readonly onBatch: (size: number) => void;

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly provider: 'cpu' | 'cuda',
    readonly hidden: number,
    private readonly needsTokenTypes: boolean,
    private readonly ownOutput: string,
    readonly outputs: readonly string[],
    private readonly projections: ReadonlyArray<{ name: string; width: number }>,
    opts: EncoderOptions,
  ) {
    this.maxBatchSize = opts.maxBatchSize ?? 16;
    this.maxWaitMs = opts.maxWaitMs ?? 0;
    this.maxQueue = opts.maxQueue ?? 256;
    this.maxBatchTokens = opts.maxBatchTokens ?? 2048;
    this.onBatch = opts.onBatch ?? (() => {});
  }

  static async create(opts: EncoderOptions): Promise<Encoder> {
    assertModelFiles(opts.modelDir);
    const bytes = opts.model ?? readFileSync(join(opts.modelDir, 'model.onnx'));
    // The graph is only parsed when asked for other tensors or projections; the states' tensor stays first.
    const outputs = [...new Set(opts.outputs ?? [])];
    const projections = opts.projections ?? [];
    const own = outputs.length === 0 && opts.statesOutput === undefined && projections.length === 0 ? [] : outputNames(bytes);
    const first = opts.statesOutput ?? own[0];
    const model = own.length === 0 || (first === own[0] && outputs.every((o) => own.includes(o)) && projections.length === 0) ? bytes
      : withOutputs(bytes, [...new Set([first, ...(first === own[0] ? own : []), ...outputs])],
        projections.map((p) => ({ ...p, terms: p.terms.map((t) => ({ tensor: t.tensor ?? first, weights: t.weights })) })));
    const device = opts.device ?? 'cpu';
    const base: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: opts.intraOpThreads ?? availableParallelism(),
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      // The arena would keep the peak of the largest batch ever run for the life of the process
      // (a burst of long prompts held a gigabyte); without it that memory goes back after the run,
      // at no measurable cost per run.
      enableCpuMemArena: false,
    };
    let session: ort.InferenceSession | null = null;
    let provider: 'cpu' | 'cuda' = 'cpu';
    if (device === 'cuda' || device === 'auto') {
      const cudaBuilt = ort.listSupportedBackends().some((b) => b.name === 'cuda');
      try {
        if (!cudaBuilt) throw new Error('this onnxruntime-node build has no CUDA backend');
        session = await ort.InferenceSession.create(model, { ...base, executionProviders: ['cuda'] });
        provider = 'cuda';
      } catch (err) {
        const why = `CUDA execution provider unavailable: ${cudaReason(err as Error)}. ` +
          'It needs an NVIDIA GPU with its driver and the CUDA provider for onnxruntime-node (`switchyard gpu install`; see README, GPU)';
        if (device === 'cuda') throw new DeviceUnavailableError(`${why}; set device to "cpu" or "auto" to run on CPU`);
        (opts.warn ?? console.warn)(`classifier: ${why}; falling back to CPU`);
      }
    }
    session ??= await ort.InferenceSession.create(model, { ...base, executionProviders: ['cpu'] });
    const projected = new Set(projections.map((p) => p.name));
    const hidden = await probeHidden(session, session.outputNames.filter((n) => !projected.has(n)));
    return new Encoder(session, provider, hidden, session.inputNames.includes('token_type_ids'), session.outputNames[0], outputs,
      projections.map(({ name, width }) => ({ name, width })), opts);
  }

  /** Encodes one token-id sequence (already framed with [CLS]/[SEP]); batched with concurrent calls. */
  encode(ids: number[]): Promise<EncodedSequence> {
    return this.encodeMany([ids]).then((r) => r[0]);
  }

  /** Encodes several sequences, admitted to the queue all-or-nothing so a prompt is never half-served. */
  encodeMany(seqs: number[][]): Promise<EncodedSequence[]> {
    if (this.closed) return Promise.reject(new Error('encoder is closed'));
    if (this.queue.length + seqs.length > this.maxQueue) return Promise.reject(new OverloadedError(this.queue.length));
    const all = seqs.map((ids) => new Promise<EncodedSequence>((resolve, reject) => this.queue.push({ ids, resolve, reject })));
    this.schedule();
    return Promise.all(all);
  }

  get queued(): number {
    return this.queue.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    for (const p of this.queue.splice(0)) p.reject(new Error('encoder is closed'));
    await this.session.release();
  }

  private schedule(): void {
    if (this.running || this.queue.length === 0) return;
    if (this.queue.length >= this.maxBatchSize) {
      void this.runBatch();
    } else if (this.maxWaitMs <= 0) {
      // Not a wait: the rest of this turn of the event loop. The prompts of one batch finish their
      // heads together and come back together (a closed loop of clients, requests read in one poll);
      // started at the first, the run would take it alone and leave the others for the next one.
      this.immediate ??= setImmediate(() => { this.immediate = null; void this.runBatch(); });
    } else if (!this.timer) {
      this.timer = setTimeout(() => void this.runBatch(), this.maxWaitMs);
    }
  }

  private takeBatch(): Pending[] {
    const batch: Pending[] = [];
    let longest = 0;
    while (batch.length < this.maxBatchSize && this.queue.length > 0) {
      const next = Math.max(longest, this.queue[0].ids.length);
      if (batch.length > 0 && next * (batch.length + 1) > this.maxBatchTokens) break;
      longest = next;
      batch.push(this.queue.shift()!);
    }
    return batch;
  }

  private async runBatch(): Promise<void> {
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    if (this.running || this.queue.length === 0) return;
    this.running = true;
    const batch = this.takeBatch();
    this.onBatch(batch.length);
    try {
      const out = await this.forward(batch.map((p) => p.ids));
      batch.forEach((p, i) => p.resolve(out[i]));
    } catch (err) {
      for (const p of batch) p.reject(err);
    } finally {
      this.running = false;
      // Requests that queued up during the run have already waited; run them without the timer.
      if (this.queue.length > 0 && !this.closed) void this.runBatch();
    }
  }

  private async forward(seqs: number[][]): Promise<EncodedSequence[]> {
    const b = seqs.length;
    const t = Math.max(...seqs.map((s) => s.length));
    const ids = new BigInt64Array(b * t);
    const mask = new BigInt64Array(b * t);
    seqs.forEach((s, i) => s.forEach((id, j) => { ids[i * t + j] = BigInt(id); mask[i * t + j] = 1n; }));
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', ids, [b, t]),
      attention_mask: new ort.Tensor('int64', mask, [b, t]),
    };
    if (this.needsTokenTypes) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(b * t), [b, t]);
    const result = await this.session.run(feeds);
    const states = result[this.ownOutput].data as Float32Array;
    const h = this.hidden;
    return seqs.map((s, i) => {
      const n = s.length;
      const own = states.slice(i * t * h, (i * t + n) * h);
      const seq: EncodedSequence = { states: own, tokens: n, hidden: h, embedding: meanPoolNormalized(own, n, h) };
      if (this.outputs.length > 0 || this.projections.length > 0) {
        seq.outputs = Object.fromEntries([
          ...this.outputs.map((name) => [name, name === this.ownOutput ? own : (result[name].data as Float32Array).slice(i * t * h, (i * t + n) * h)]),
          ...this.projections.map(({ name, width }) => [name, (result[name].data as Float32Array).slice(i * t * width, (i * t + n) * width)]),
        ]);
      }
      return seq;
    });
  }
}

// onnxruntime's CUDA errors start with a source path and a C++ signature; the reason is in the middle.
function cudaReason(err: Error): string {
  return err.message.match(/CUDA failure \d+: [^;\n]*/)?.[0].trim() ?? err.message.split('\n')[0];
}

export function meanPoolNormalized(states: Float32Array, tokens: number, hidden: number): Float32Array {
  const out = new Float32Array(hidden);
  for (let j = 0; j < tokens; j++) for (let k = 0; k < hidden; k++) out[k] += states[j * hidden + k];
  let norm = 0;
  for (let k = 0; k < hidden; k++) norm += out[k] * out[k];
  norm = Math.sqrt(norm) || 1;
  for (let k = 0; k < hidden; k++) out[k] /= norm;
  return out;
}

/**
 * The hidden size of the token states `names`. It is symbolic in some exports' metadata, so a 2-token
 * probe runs once at startup; it fetches the states alone, so that projections whose weights do not
 * fit are reported by the caller against this size rather than failing here inside onnxruntime.
 */
async function probeHidden(session: ort.InferenceSession, names: string[]): Promise<number> {
  const one = (v: bigint) => new ort.Tensor('int64', BigInt64Array.from([v, v]), [1, 2]);
  const feeds: Record<string, ort.Tensor> = { input_ids: one(101n), attention_mask: one(1n) };
  if (session.inputNames.includes('token_type_ids')) feeds.token_type_ids = one(0n);
  const r = await session.run(feeds, names);
  const dims = names.map((n) => r[n].dims);
  const bad = dims.findIndex((d) => d.length !== 3 || d[2] !== dims[0][2]);
  if (bad >= 0) throw new Error(`encoder output ${names[bad]} has shape [${dims[bad]}]; expected token states [batch, tokens, hidden]`);
  return dims[0][2];
}

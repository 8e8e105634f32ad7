// Chooses which tensors an ONNX model returns, by rewriting its graph in the protobuf bytes. The
// PII token head reads an inner layer of the encoder (its head's `encoder_output`), which the export
// does not return; named as an output beside the model's own, both come from one pass. Nodes and
// weights that no named output needs are dropped, so naming an inner layer alone would also skip the
// layers above it. Only the graph's output list, nodes and initializers change; every kept byte is
// copied as it is, so the weights that run are the pinned ones.

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_INITIALIZER = 5;
const GRAPH_OUTPUT = 12;
const NODE_INPUT = 1;
const NODE_OUTPUT = 2;
const TENSOR_NAME = 8;
const VALUE_INFO_NAME = 1;
const VALUE_INFO_TYPE = 2;
const TYPE_TENSOR = 1;
const TENSOR_TYPE_ELEM = 1;
const ONNX_FLOAT = 1;

interface Field {
  num: number;
  wire: number;
  /** The whole field, key included. */
  start: number;
  end: number;
  /** The payload of a length-delimited field. */
  body: Uint8Array;
}

function readVarint(buf: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++];
    value += (b & 0x7f) * scale;
    if (b < 0x80) return [value, pos];
    scale *= 128;
  }
}

function fields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const start = pos;
    const [key, p] = readVarint(buf, pos);
    pos = p;
    const num = Math.floor(key / 8);
    const wire = key & 7;
    let body = buf.subarray(pos, pos);
    if (wire === WIRE_VARINT) pos = readVarint(buf, pos)[1];
    else if (wire === WIRE_I64) pos += 8;
    else if (wire === WIRE_I32) pos += 4;
    else if (wire === WIRE_LEN) {
      const [len, q] = readVarint(buf, pos);
      body = buf.subarray(q, q + len);
      pos = q + len;
    } else throw new Error(`unsupported protobuf wire type ${wire}`);
    if (pos > buf.length) throw new Error('truncated field');
    out.push({ num, wire, start, end: pos, body });
  }
  return out;
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

function lenField(num: number, body: Uint8Array): Uint8Array {
  return concat([Uint8Array.from([...varint(num * 8 + WIRE_LEN), ...varint(body.length)]), body]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

/** A ValueInfoProto naming a float tensor of any shape. */
function floatOutput(name: string): Uint8Array {
  const tensorType = Uint8Array.from([...varint(TENSOR_TYPE_ELEM * 8 + WIRE_VARINT), ...varint(ONNX_FLOAT)]);
  return concat([lenField(VALUE_INFO_NAME, new TextEncoder().encode(name)), lenField(VALUE_INFO_TYPE, lenField(TYPE_TENSOR, tensorType))]);
}

const decoder = new TextDecoder();

function strings(msg: Uint8Array, num: number): string[] {
  return fields(msg).filter((f) => f.num === num && f.wire === WIRE_LEN).map((f) => decoder.decode(f.body));
}

/**
 * The graph's fields less the nodes that do not lead to `outputs` and the initializers no kept node
 * reads. ONNX requires nodes in topological order, so one backward pass finds what is needed.
 */
function pruned(graph: Field[], outputs: string[]): Field[] {
  const needed = new Set(outputs);
  const made = new Set<string>();
  const keep = new Set<Field>();
  for (let i = graph.length - 1; i >= 0; i--) {
    const f = graph[i];
    if (f.num !== GRAPH_NODE || f.wire !== WIRE_LEN) continue;
    const outs = strings(f.body, NODE_OUTPUT);
    outs.forEach((o) => made.add(o));
    if (!outs.some((o) => needed.has(o))) continue;
    keep.add(f);
    strings(f.body, NODE_INPUT).forEach((n) => needed.add(n));
  }
  const missing = outputs.filter((n) => !made.has(n));
  if (missing.length > 0) throw new Error(`the model has no tensor named ${missing.join(', ')}`);
  return graph.filter((f) => {
    if (f.num === GRAPH_NODE) return keep.has(f);
    if (f.num === GRAPH_INITIALIZER) return strings(f.body, TENSOR_NAME).some((n) => needed.has(n));
    return f.num !== GRAPH_OUTPUT;
  });
}

function graphOf(model: Uint8Array): Field {
  let top: Field[];
  try {
    top = fields(model);
  } catch (err) {
    throw new Error(`not an ONNX model: ${(err as Error).message}`);
  }
  const g = top.find((f) => f.num === MODEL_GRAPH && f.wire === WIRE_LEN);
  if (!g) throw new Error('not an ONNX model: no graph');
  return g;
}

/** The names of the graph's outputs, in order. */
export function outputNames(model: Uint8Array): string[] {
  return fields(graphOf(model).body)
    .filter((f) => f.num === GRAPH_OUTPUT && f.wire === WIRE_LEN)
    .map((f) => strings(f.body, VALUE_INFO_NAME)[0]);
}

/** The model with `names` as its graph's only outputs, in that order. Throws on a name no node makes. */
export function withOutputs(model: Uint8Array, names: string[]): Uint8Array {
  const g = graphOf(model);
  const kept = pruned(fields(g.body), names).map((f) => g.body.subarray(f.start, f.end));
  const newGraph = concat([...kept, ...names.map((n) => lenField(GRAPH_OUTPUT, floatOutput(n)))]);
  return concat([model.subarray(0, g.start), lenField(MODEL_GRAPH, newGraph), model.subarray(g.end)]);
}

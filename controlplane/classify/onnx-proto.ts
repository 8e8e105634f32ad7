// The few pieces of the protobuf wire format that reading and writing ONNX models here needs:
// onnx-outputs.ts rewrites the encoder's outputs and appends the token head's product to it,
// onnx-weights.ts puts a tuned encoder's weights in place, neighbours.ts builds the small model of its vote.
// (No protobuf library: the product touches a handful of fields, and the schema is fixed.)

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
export const WIRE_LEN = 2;
const WIRE_I32 = 5;

/** Field numbers of the ONNX messages used here (onnx.proto3). */
export const ONNX = {
  model: { irVersion: 1, graph: 7, opsetImport: 8 },
  opset: { domain: 1, version: 2 },
  graph: { node: 1, name: 2, initializer: 5, input: 11, output: 12 },
  node: { input: 1, output: 2, name: 3, opType: 4, attribute: 5 },
  attribute: { name: 1, i: 3, ints: 8, type: 20 },
  attributeType: { int: 2, ints: 7 },
  tensor: { dims: 1, dataType: 2, name: 8, rawData: 9 },
  valueInfo: { name: 1, type: 2 },
  type: { tensor: 1 },
  tensorType: { elemType: 1, shape: 2 },
  shape: { dim: 1 },
  dim: { value: 1, param: 2 },
  float: 1,
  uint8: 2,
  int64: 7,
} as const;

export interface Field {
  num: number;
  wire: number;
  /** The whole field, key included. */
  start: number;
  end: number;
  /** The payload of a length-delimited field. */
  body: Uint8Array;
  /** The value of a varint field. */
  value?: number;
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

export function fields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const start = pos;
    const [key, p] = readVarint(buf, pos);
    pos = p;
    const num = Math.floor(key / 8);
    const wire = key & 7;
    let body = buf.subarray(pos, pos);
    let value: number | undefined;
    if (wire === WIRE_VARINT) [value, pos] = readVarint(buf, pos);
    else if (wire === WIRE_I64) pos += 8;
    else if (wire === WIRE_I32) pos += 4;
    else if (wire === WIRE_LEN) {
      const [len, q] = readVarint(buf, pos);
      body = buf.subarray(q, q + len);
      pos = q + len;
    } else throw new Error(`unsupported protobuf wire type ${wire}`);
    if (pos > buf.length) throw new Error('truncated field');
    out.push({ num, wire, start, end: pos, body, ...(value === undefined ? {} : { value }) });
  }
  return out;
}

/** The values of a packed repeated varint field's payload. */
export function packedVarints(body: Uint8Array): number[] {
  const out: number[] = [];
  for (let pos = 0; pos < body.length;) {
    const [v, next] = readVarint(body, pos);
    out.push(v);
    pos = next;
  }
  return out;
}

/** A model's graph field; the messages name what is wrong with bytes that are not a model. */
export function graphOf(model: Uint8Array): Field {
  let top: Field[];
  try {
    top = fields(model);
  } catch (err) {
    throw new Error(`not an ONNX model: ${(err as Error).message}`);
  }
  const g = top.find((f) => f.num === ONNX.model.graph && f.wire === WIRE_LEN);
  if (!g) throw new Error('not an ONNX model: no graph');
  return g;
}

/** The model with its graph (`graphOf(model)`) replaced by one of fields `body`. */
export function withGraph(model: Uint8Array, graph: Field, body: Uint8Array): Uint8Array {
  return concat([model.subarray(0, graph.start), lenField(ONNX.model.graph, body), model.subarray(graph.end)]);
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

export function lenField(num: number, body: Uint8Array): Uint8Array {
  return concat([Uint8Array.from([...varint(num * 8 + WIRE_LEN), ...varint(body.length)]), body]);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

export function varintField(num: number, n: number): Uint8Array {
  return Uint8Array.from([...varint(num * 8 + WIRE_VARINT), ...varint(n)]);
}

export function stringField(num: number, s: string): Uint8Array {
  return lenField(num, new TextEncoder().encode(s));
}

/**
 * A ValueInfoProto naming a tensor of `elemType` (default float); `shape` gives each dimension as
 * a size or a symbolic name, and without it the shape is left open.
 */
export function tensorValueInfo(name: string, shape?: Array<number | string>, elemType: number = ONNX.float): Uint8Array {
  const dims = (shape ?? []).map((d) => lenField(ONNX.shape.dim, typeof d === 'number' ? varintField(ONNX.dim.value, d) : stringField(ONNX.dim.param, d)));
  const tensorType = concat([varintField(ONNX.tensorType.elemType, elemType), ...(shape ? [lenField(ONNX.tensorType.shape, concat(dims))] : [])]);
  return concat([stringField(ONNX.valueInfo.name, name), lenField(ONNX.valueInfo.type, lenField(ONNX.type.tensor, tensorType))]);
}

/** A TensorProto (a graph's initializer) of element type `dataType` holding `data` in the shape `dims`. */
export function tensorProto(name: string, dims: number[], dataType: number, data: ArrayBufferView): Uint8Array {
  return concat([...dims.map((d) => varintField(ONNX.tensor.dims, d)), varintField(ONNX.tensor.dataType, dataType),
    stringField(ONNX.tensor.name, name), lenField(ONNX.tensor.rawData, new Uint8Array(data.buffer, data.byteOffset, data.byteLength))]);
}

/** A float32 initializer. */
export function floatTensor(name: string, dims: number[], data: Float32Array): Uint8Array {
  return tensorProto(name, dims, ONNX.float, data);
}

/**
 * A NodeProto of the default domain, named after its first output; `attributes` are integer ones
 * (a list for an array), non-negative: negative ones would need ten-byte varints, which nothing
 * here writes.
 */
export function nodeProto(op: string, inputs: string[], output: string | string[], attributes: Record<string, number | number[]> = {}): Uint8Array {
  const outputs = Array.isArray(output) ? output : [output];
  for (const [name, v] of Object.entries(attributes)) {
    if (![v].flat().every((x) => Number.isSafeInteger(x) && x >= 0)) throw new Error(`${op} attribute ${name}: ${v} is not a non-negative integer`);
  }
  const attribute = ([name, v]: [string, number | number[]]) => lenField(ONNX.node.attribute, concat([stringField(ONNX.attribute.name, name),
    ...(Array.isArray(v) ? v.map((x) => varintField(ONNX.attribute.ints, x)) : [varintField(ONNX.attribute.i, v)]),
    varintField(ONNX.attribute.type, Array.isArray(v) ? ONNX.attributeType.ints : ONNX.attributeType.int)]));
  return concat([...inputs.map((i) => stringField(ONNX.node.input, i)), ...outputs.map((o) => stringField(ONNX.node.output, o)),
    stringField(ONNX.node.name, outputs[0]), stringField(ONNX.node.opType, op), ...Object.entries(attributes).map(attribute)]);
}

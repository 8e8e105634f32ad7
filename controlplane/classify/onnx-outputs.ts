// Chooses which tensors an ONNX model returns, by rewriting its graph in the protobuf bytes. The
// PII token head reads an inner layer of the encoder (its head's `encoder_outputs`), which the export
// does not return; named as an output beside the model's own, both come from one pass. Nodes and
// weights that no named output needs are dropped, so naming an inner layer alone would also skip the
// layers above it. Only the graph's output list, nodes and initializers change; every kept byte is
// copied as it is, so the weights that run are the pinned ones.
//
// A projection (a linear map of token states, such as the token head's logits) is appended to the
// graph as MatMul and Add nodes: onnxruntime's product over a batch of windows is an order of magnitude
// faster than the same product in JavaScript, and the states it reads need not leave the session.

import { concat, fields, floatTensor, graphOf, lenField, nodeProto, ONNX, tensorValueInfo, WIRE_LEN, withGraph, type Field } from './onnx-proto.ts';

/** Per token, the sum over terms of the term's tensor (token states) times its weights. */
export interface Projection {
  /** The output's name; its shape is [batch, tokens, width]. */
  name: string;
  width: number;
  /** Weights are row-major [hidden x width]. */
  terms: ReadonlyArray<{ tensor: string; weights: Float32Array }>;
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
    if (f.num !== ONNX.graph.node || f.wire !== WIRE_LEN) continue;
    const outs = strings(f.body, ONNX.node.output);
    outs.forEach((o) => made.add(o));
    if (!outs.some((o) => needed.has(o))) continue;
    keep.add(f);
    strings(f.body, ONNX.node.input).forEach((n) => needed.add(n));
  }
  const missing = outputs.filter((n) => !made.has(n));
  if (missing.length > 0) throw new Error(`the model has no tensor named ${missing.join(', ')}`);
  return graph.filter((f) => {
    if (f.num === ONNX.graph.node) return keep.has(f);
    if (f.num === ONNX.graph.initializer) return strings(f.body, ONNX.tensor.name).some((n) => needed.has(n));
    return f.num !== ONNX.graph.output;
  });
}

/** The names of the graph's outputs, in order. */
export function outputNames(model: Uint8Array): string[] {
  return fields(graphOf(model).body)
    .filter((f) => f.num === ONNX.graph.output && f.wire === WIRE_LEN)
    .map((f) => strings(f.body, ONNX.valueInfo.name)[0]);
}

/** The nodes and initializers that compute a projection from its terms' tensors. */
function projectionFields(p: Projection): Uint8Array[] {
  if (p.terms.length === 0) throw new Error(`projection ${p.name} has no terms`);
  const out: Uint8Array[] = [];
  let sum = '';
  p.terms.forEach((t, i) => {
    if (t.weights.length % p.width !== 0) throw new Error(`projection ${p.name}: ${t.weights.length} weights for ${t.tensor} are not rows of ${p.width}`);
    const weights = `${p.name}/weights.${i}`;
    const product = p.terms.length === 1 ? p.name : `${p.name}/product.${i}`;
    out.push(lenField(ONNX.graph.initializer, floatTensor(weights, [t.weights.length / p.width, p.width], t.weights)));
    out.push(lenField(ONNX.graph.node, nodeProto('MatMul', [t.tensor, weights], product)));
    if (i > 0) {
      const next = i === p.terms.length - 1 ? p.name : `${p.name}/sum.${i}`;
      out.push(lenField(ONNX.graph.node, nodeProto('Add', [sum, product], next)));
      sum = next;
    } else sum = product;
  });
  return out;
}

/**
 * The model with `names`, then each projection, as its graph's only outputs, in that order. Throws
 * on a name (or a projection's tensor) that no node makes.
 */
export function withOutputs(model: Uint8Array, names: string[], projections: readonly Projection[] = []): Uint8Array {
  const g = graphOf(model);
  const read = projections.flatMap((p) => p.terms.map((t) => t.tensor));
  const kept = pruned(fields(g.body), [...new Set([...names, ...read])]).map((f) => g.body.subarray(f.start, f.end));
  const newGraph = concat([...kept, ...projections.flatMap(projectionFields),
    ...[...names, ...projections.map((p) => p.name)].map((n) => lenField(ONNX.graph.output, tensorValueInfo(n)))]);
  return withGraph(model, g, newGraph);
}

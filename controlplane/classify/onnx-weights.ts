// Puts a tuned encoder's weights into the pinned model they were tuned from. A tuned variant ships
// only the tensors its training changed (a few MB beside a model that comes from a package
// registry), as the initializers of an otherwise empty ONNX graph; each replaces the model's
// initializer of the same name, which must have the same type and shape, so the graph that runs is
// the pinned one and only its weights differ. Every other byte of the model is kept as it is.

import { concat, fields, graphOf, lenField, ONNX, packedVarints, WIRE_LEN, withGraph } from './onnx-proto.ts';

const decoder = new TextDecoder();

interface TensorInfo {
  name: string;
  dims: number[];
  dataType: number;
}

/** A TensorProto's name, dims (written one by one or packed) and element type. */
function tensorInfo(body: Uint8Array): TensorInfo {
  const info: TensorInfo = { name: '', dims: [], dataType: 0 };
  for (const f of fields(body)) {
    if (f.num === ONNX.tensor.name && f.wire === WIRE_LEN) info.name = decoder.decode(f.body);
    else if (f.num === ONNX.tensor.dims) info.dims.push(...(f.wire === WIRE_LEN ? packedVarints(f.body) : [f.value ?? 0]));
    else if (f.num === ONNX.tensor.dataType) info.dataType = f.value ?? 0;
  }
  return info;
}

function initializers(model: Uint8Array): Array<{ info: TensorInfo; body: Uint8Array }> {
  return fields(graphOf(model).body)
    .filter((f) => f.num === ONNX.graph.initializer && f.wire === WIRE_LEN)
    .map((f) => ({ info: tensorInfo(f.body), body: f.body }));
}

/**
 * `model` with each initializer of `weights` (an ONNX file) in place of the one of the same name.
 * Throws when `weights` is not a model, names a tensor the model has no initializer for, or
 * changes a tensor's type or shape.
 */
export function withInitializers(model: Uint8Array, weights: Uint8Array): Uint8Array {
  let tuned: ReturnType<typeof initializers>;
  try {
    tuned = initializers(weights);
  } catch (err) {
    throw new Error(`the weights are ${(err as Error).message}`);
  }
  const byName = new Map(tuned.map((t) => [t.info.name, t]));
  const g = graphOf(model);
  const placed = new Set<string>();
  const graph = fields(g.body).map((f) => {
    const own = g.body.subarray(f.start, f.end);
    if (f.num !== ONNX.graph.initializer || f.wire !== WIRE_LEN) return own;
    const info = tensorInfo(f.body);
    const t = byName.get(info.name);
    if (!t) return own;
    if (t.info.dataType !== info.dataType || t.info.dims.join() !== info.dims.join()) {
      throw new Error(`the weights' ${info.name} is of type ${t.info.dataType} and shape [${t.info.dims}]; the model's is of type ${info.dataType} and shape [${info.dims}]`);
    }
    placed.add(info.name);
    return lenField(ONNX.graph.initializer, t.body);
  });
  const strays = [...byName.keys()].filter((n) => !placed.has(n));
  if (strays.length > 0) throw new Error(`the model has no initializer named ${strays.slice(0, 3).join(', ')}${strays.length > 3 ? ` (and ${strays.length - 3} more)` : ''} for the weights to replace`);
  return withGraph(model, g, concat(graph));
}

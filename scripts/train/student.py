"""The first layers of the pinned int8 MiniLM export as a JAX function, its weights dequantized, so that
they can be trained and written back (export_weights.py) into the same initializers."""
import os

import jax
import jax.numpy as jnp
import numpy as np
import onnx
from onnx import numpy_helper as nh

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BASE = "all-minilm-l6-v2-q"
BASE_MODEL = os.path.join(ROOT, ".cache", "models", BASE, "model.onnx")
LAYERS = 3
# The export's int8 matrices, by the node path of the MatMulInteger that reads them.
MATRICES = {"attention/self/query": "q", "attention/self/key": "k", "attention/self/value": "v",
            "attention/output/dense": "o", "intermediate/dense": "i", "output/dense": "out"}
# A layer's float initializers, named after "encoder.layer.N.".
BIAS_NAMES = {"bq": "attention.self.query.bias", "bk": "attention.self.key.bias", "bv": "attention.self.value.bias",
              "bo": "attention.output.dense.bias", "ln1_g": "attention.output.LayerNorm.weight",
              "ln1_b": "attention.output.LayerNorm.bias", "bi": "intermediate.dense.bias", "bout": "output.dense.bias",
              "ln2_g": "output.LayerNorm.weight", "ln2_b": "output.LayerNorm.bias"}


def load(path=BASE_MODEL, layers=LAYERS):
    """(parameters, {(layer, matrix): the int8 initializer's name}, LayerNorm epsilon)."""
    if not os.path.exists(path):
        raise SystemExit(f"missing {path}; run `npm run models:pull -- --model {BASE}`")
    g = onnx.load(path).graph
    init = {i.name: i for i in g.initializer}
    arr = lambda n: nh.to_array(init[n])
    consts = {n.output[0]: nh.to_array(n.attribute[0].t) for n in g.node if n.op_type == "Constant"}

    def dequantized(qname):
        base = qname[: -len("_quantized")]
        zero = arr(base + "_zero_point").astype(np.float32)
        return ((arr(qname).astype(np.float32) - zero) * arr(base + "_scale")).astype(np.float32)

    p = {"word": dequantized("embeddings.word_embeddings.weight_quantized"),
         "pos": dequantized("embeddings.position_embeddings.weight_quantized"),
         "type": dequantized("embeddings.token_type_embeddings.weight_quantized"),
         "emb_ln_g": arr("embeddings.LayerNorm.weight"), "emb_ln_b": arr("embeddings.LayerNorm.bias")}
    qnames = {}
    for n in g.node:
        if n.op_type != "MatMulInteger":
            continue
        for layer in range(layers):
            for path_, key in MATRICES.items():
                if n.output[0].startswith(f"/encoder/layer.{layer}/{path_}/MatMul"):
                    qnames[(layer, key)] = n.input[1]
    for layer in range(layers):
        L = {key: dequantized(qnames[(layer, key)]) for key in MATRICES.values()}
        L.update({key: arr(f"encoder.layer.{layer}.{suffix}") for key, suffix in BIAS_NAMES.items()})
        p[f"l{layer}"] = L
    eps = float(consts["/embeddings/LayerNorm/Constant_1_output_0"])
    return p, qnames, eps


def layer_norm(x, g, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / jnp.sqrt(var + eps) * g + b


def forward(p, ids, mask, layers, eps, heads=12):
    """Hidden states after each layer, [layers][batch, tokens, hidden]."""
    t = ids.shape[1]
    x = layer_norm(p["word"][ids] + p["type"][0] + p["pos"][:t], p["emb_ln_g"], p["emb_ln_b"], eps)
    add = (1.0 - mask[:, None, None, :].astype(jnp.float32)) * -1e9
    outs = []
    for layer in range(layers):
        L = p[f"l{layer}"]
        b_, t_, h = x.shape
        d = h // heads
        split = lambda y: y.reshape(b_, t_, heads, d).transpose(0, 2, 1, 3)
        q, k, v = split(x @ L["q"] + L["bq"]), split(x @ L["k"] + L["bk"]), split(x @ L["v"] + L["bv"])
        s = jax.nn.softmax(q @ k.transpose(0, 1, 3, 2) / np.sqrt(d) + add, axis=-1)
        ctx = (s @ v).transpose(0, 2, 1, 3).reshape(b_, t_, h)
        x = layer_norm(ctx @ L["o"] + L["bo"] + x, L["ln1_g"], L["ln1_b"], eps)
        f = jax.nn.gelu(x @ L["i"] + L["bi"], approximate=False)
        x = layer_norm(f @ L["out"] + L["bout"] + x, L["ln2_g"], L["ln2_b"], eps)
        outs.append(x)
    return outs

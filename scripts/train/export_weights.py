"""Writes a tuned student's weights as the initializers of an otherwise empty ONNX graph, quantized as the
pinned int8 export is (int8, zero point 0, one scale per output column over [-64, 64]), each under the
name of the export's initializer it replaces. The control plane puts them into the pinned model
(controlplane/classify/onnx-weights.ts), so the graph that runs, and its speed, are the export's.

    PYTHONPATH=.cache/py-ft python3 scripts/train/export_weights.py STUDENT.pkl OUT.onnx
"""
import os
import pickle
import sys

import numpy as np
import onnx
from onnx import helper
from onnx import numpy_helper as nh

from student import BASE_MODEL, BIAS_NAMES, LAYERS

QMAX = 64  # the export's int8 weights use [-64, 64]


def main(pkl, out):
    base = {i.name: i for i in onnx.load(BASE_MODEL).graph.initializer}
    d = pickle.load(open(pkl, "rb"))
    tuned, qnames = d["train"], d["qnames"]
    new = {}

    def put(name, arr):
        old = nh.to_array(base[name])
        if old.shape != arr.shape or old.dtype != arr.dtype:
            sys.exit(f"{name}: {arr.dtype}{list(arr.shape)} does not fit the export's {old.dtype}{list(old.shape)}")
        new[name] = nh.from_array(arr, name)

    put("embeddings.LayerNorm.weight", np.asarray(tuned["emb_ln_g"], np.float32))
    put("embeddings.LayerNorm.bias", np.asarray(tuned["emb_ln_b"], np.float32))
    worst = 0.0
    for layer in range(LAYERS):
        L = tuned[f"l{layer}"]
        for key, suffix in BIAS_NAMES.items():
            put(f"encoder.layer.{layer}.{suffix}", np.asarray(L[key], np.float32))
        for key in ("q", "k", "v", "o", "i", "out"):
            w = np.asarray(L[key], np.float32)
            qname = qnames[(layer, key)]
            scale = (np.abs(w).max(0) / QMAX).astype(np.float32)
            qw = np.clip(np.round(w / scale), -QMAX, QMAX).astype(np.int8)
            put(qname, qw)
            put(qname[: -len("_quantized")] + "_scale", scale)
            worst = max(worst, float(np.abs(qw * scale - w).max() / np.abs(w).max()))
    print(f"{len(new)} tensors; worst rounding error {worst:.4f} of a matrix's largest weight")
    # In the export's order, so that the same student always gives the same bytes.
    inits = [new[name] for name in base if name in new]
    graph = helper.make_graph([], "tuned weights", [], [], initializer=inits)
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    onnx.save(helper.make_model(graph, producer_name="switchyard finetune"), out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

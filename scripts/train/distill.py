"""Tunes MiniLM's first three layers (the pinned int8 export, dequantized: student.py) on CPU with JAX,
for the encoder all-minilm-l6-v2-q-3-tuned. Two things are learnt at once:

- bge small's token states (the default encoder, the teacher), through linear maps trained with the
  student and then thrown away: student layer 2 -> teacher layer 8, student layer 3 -> teacher layer
  12, plus the cosine of the pooled states. The heads are linear, so what matters is that the
  teacher's states are a linear function of the student's.
- the category of the category rows (pooled layer 3) and the PII BIO tags of the PII rows (layers 2
  and 3, as the token head reads them), through linear heads that are thrown away too: the shipped
  heads are trained afterwards by train_heads.py on the tuned encoder's states.

The jailbreak rows are distilled without their labels, so that the jailbreak head's out-of-fold
threshold (train_heads.py) is not chosen on rows the encoder has learnt. Only train rows are read
(prep_distill.py, prep_pii.py). Deterministic: one seed, one thread order; the same rows give the
same weights.

    python3 scripts/train/prep_distill.py
    node --import tsx scripts/train/embed.ts --encoder bge-small-en-v1.5-q --in .cache/train/distill/corpus.jsonl \\
      --out .cache/train/distill/teacher/corpus --max-tokens 128 --token-states \\
      --output /encoder/layer.8/output/LayerNorm/Add_1_output_0 --output last_hidden_state
    (.cache/train/bge-small-en-v1.5-q/pii.*: the PII rows as embedded for bge's token head, same outputs)
    PYTHONPATH=.cache/py-ft python3 scripts/train/distill.py      -> .cache/train/distill/student.pkl
    PYTHONPATH=.cache/py-ft python3 scripts/train/export_weights.py .cache/train/distill/student.pkl \\
      models/encoders/all-minilm-l6-v2-q-3-tuned.onnx
"""
import json
import os
import pickle
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np

from bio import bio_labels, bio_tags
from student import LAYERS, ROOT, forward, load

H = 384
EPOCHS = 2
LR = 1e-4  # the student's; the maps' and heads' is max(3 LR, 1e-3)
TASK_WEIGHT = 1.0  # of the two heads' cross-entropy against the distillation terms
POOL_WEIGHT = 10.0  # of the pooled cosine, whose scale is far below the token terms'
TOKEN_BUDGET = 4096  # padded tokens per batch
BUCKETS = [16, 32, 48, 64, 96, 128, 160]
CATEGORIES = 14
PII_TYPES = ["LOCATION", "PERSON"]
TEACHER = "bge-small-en-v1.5-q"
TEACHER_OUTPUTS = ["/encoder/layer.8/output/LayerNorm/Add_1_output_0", "last_hidden_state"]
TRAIN = os.path.join(ROOT, ".cache", "train")
OUT = os.path.join(TRAIN, "distill", "student.pkl")


def teacher_set(prefix):
    """(token ids per row, teacher states [tokens x 2H], token offsets per row) of embed.ts's output."""
    meta = json.load(open(prefix + ".meta.json"))
    pinned = json.load(open(os.path.join(ROOT, "scripts", "models", "manifest.json")))["models"][TEACHER]["files"]["model.onnx"]["sha256"]
    if meta.get("encoder_sha256") != pinned or meta["encoder_outputs"] != TEACHER_OUTPUTS:
        sys.exit(f"{prefix}: not embedded by {TEACHER} with --output {' --output '.join(TEACHER_OUTPUTS)} (see this file's docstring)")
    ids = json.load(open(prefix + ".ids.json"))
    states = np.memmap(prefix + ".tok.f32", dtype=np.float32, mode="r").reshape(-1, 2 * H)
    if sum(map(len, ids)) != states.shape[0]:
        sys.exit(f"{prefix}: {states.shape[0]} token states for {sum(map(len, ids))} tokens")
    return ids, states, json.load(open(prefix + ".tok.json"))


def main():
    rng = np.random.default_rng(0)
    corpus = [json.loads(line) for line in open(os.path.join(TRAIN, "distill", "corpus.jsonl"))]
    pii_rows = [json.loads(line) for line in open(os.path.join(TRAIN, "pii.jsonl"))]
    sets = [teacher_set(os.path.join(TRAIN, "distill", "teacher", "corpus")), teacher_set(os.path.join(TRAIN, TEACHER, "pii"))]
    if len(sets[0][0]) != len(corpus) or len(sets[1][0]) != len(pii_rows):
        sys.exit("the teacher's rows are not the rows of corpus.jsonl and pii.jsonl; embed them again")
    rows = []  # (set, first token, tokens)
    for si, (ids, _, _) in enumerate(sets):
        starts = np.concatenate([[0], np.cumsum([len(r) for r in ids])[:-1]])
        rows += [(si, int(s), len(r)) for s, r in zip(starts, ids)]
    row_ids = sets[0][0] + sets[1][0]
    category = [r["category"] for r in corpus] + [-1] * len(pii_rows)
    tags = bio_labels(PII_TYPES)
    pii_tags = np.array([-1 if t is None else tags.index(t) for r, offs in zip(pii_rows, sets[1][2])
                         for t in bio_tags(r["spans"], offs, PII_TYPES)], np.int32)
    teach = [s[1] for s in sets]
    print("rows", len(rows), "tokens", sum(r[2] for r in rows), flush=True)

    p0, qnames, eps = load()
    frozen = {k: jnp.asarray(p0[k]) for k in ("word", "pos", "type")}
    train = {k: jax.tree_util.tree_map(jnp.asarray, p0[k]) for k in ["emb_ln_g", "emb_ln_b"] + [f"l{i}" for i in range(LAYERS)]}

    def batches():
        """Rows of like length together (little padding), in a random order."""
        by = {b: [] for b in BUCKETS}
        for i, r in enumerate(rows):
            by[next(b for b in BUCKETS if r[2] <= b)].append(i)
        out = []
        for b, idx in by.items():
            idx = list(rng.permutation(idx))
            n = min(128, TOKEN_BUDGET // b)
            out += [(b, idx[k:k + n]) for k in range(0, len(idx), n)]
        return [out[i] for i in rng.permutation(len(out))]

    def tensors(b, idx):
        # Always n rows of b tokens, so that jit compiles one function per bucket.
        n = min(128, TOKEN_BUDGET // b)
        ids = np.zeros((n, b), np.int32); mask = np.zeros((n, b), np.float32); t = np.zeros((n, b, 2 * H), np.float32)
        cat = np.full(n, -1, np.int32); tok = np.full((n, b), -1, np.int32)
        for j, i in enumerate(idx):
            si, s, length = rows[i]
            ids[j, :length] = row_ids[i]; mask[j, :length] = 1; t[j, :length] = teach[si][s:s + length]
            cat[j] = category[i]
            if si == 1:
                tok[j, :length] = pii_tags[s:s + length]
        return jnp.asarray(ids), jnp.asarray(mask), jnp.asarray(t), (jnp.asarray(cat), jnp.asarray(tok))

    # Each distillation term is divided by the teacher layer's mean squared deviation, so they weigh alike.
    sample = np.concatenate([teach[0][:200000], teach[1][:100000]])
    mu = sample.mean(0)
    var8 = float(((sample[:, :H] - mu[:H]) ** 2).sum(1).mean())
    var12 = float(((sample[:, H:] - mu[H:]) ** 2).sum(1).mean())

    # The maps start at a ridge fit of the teacher on the untuned student.
    fwd = jax.jit(lambda tr, ids, m: forward({**frozen, **tr}, ids, m, LAYERS, eps))
    hs2, hs3, tt = [], [], []
    for b, idx in batches()[:40]:
        ids, m, t, _ = tensors(b, idx)
        o = fwd(train, ids, m)
        sel = np.asarray(m) > 0
        hs2.append(np.asarray(o[1])[sel]); hs3.append(np.asarray(o[2])[sel]); tt.append(np.asarray(t)[sel])
    hs2, hs3, tt = np.concatenate(hs2), np.concatenate(hs3), np.concatenate(tt)

    def ridge(h, y, var):
        # LayerNorm outputs are linearly dependent (they sum to a constant), so a plain least-squares
        # map has huge weights along that direction, and small updates of the student blow its loss up.
        x = np.hstack([h, np.ones((len(h), 1), np.float32)]).astype(np.float64)
        g = x.T @ x
        w = np.linalg.solve(g + 1e-3 * np.trace(g) / len(g) * np.eye(len(g)), x.T @ y)
        print(f"ridge fit on the untuned student: residual {((x @ w - y) ** 2).sum(1).mean() / var:.4f} of the variance", flush=True)
        return w.astype(np.float32)

    w2, w3 = ridge(hs2, tt[:, :H], var8), ridge(hs3, tt[:, H:], var12)
    maps = {"w2": jnp.asarray(w2[:H]), "b2": jnp.asarray(w2[H]), "w3": jnp.asarray(w3[:H]), "b3": jnp.asarray(w3[H]),
            "wc": jnp.zeros((H, CATEGORIES)), "bc": jnp.zeros(CATEGORIES),
            "wp": jnp.zeros((2 * H, len(tags))), "bp": jnp.zeros(len(tags))}

    def ce(logits, y):
        ok = y >= 0
        lp = jax.nn.log_softmax(logits, -1)
        nll = -jnp.take_along_axis(lp, jnp.maximum(y, 0)[..., None], -1)[..., 0]
        return (nll * ok).sum() / jnp.maximum(ok.sum(), 1)

    def loss_fn(tr, mp, ids, m, t, labels):
        o = forward({**frozen, **tr}, ids, m, LAYERS, eps)
        p8 = o[1] @ mp["w2"] + mp["b2"]
        p12 = o[2] @ mp["w3"] + mp["b3"]
        n = m.sum()
        l8 = (((p8 - t[..., :H]) ** 2).sum(-1) * m).sum() / n / var8
        l12 = (((p12 - t[..., H:]) ** 2).sum(-1) * m).sum() / n / var12
        pool = lambda x: (x * m[..., None]).sum(1) / jnp.maximum(m.sum(1, keepdims=True), 1)
        unit = lambda x: x / jnp.sqrt((x * x).sum(-1, keepdims=True) + 1e-6)
        a, b = unit(pool(p12)), unit(pool(t[..., H:]))
        real = m.sum(1) > 0
        lpool = ((1 - (a * b).sum(-1)) * real).sum() / jnp.maximum(real.sum(), 1)
        cat, tok = labels
        lc = ce(unit(pool(o[2])) * 20 @ mp["wc"] + mp["bc"], cat)
        lp = ce(jnp.concatenate([o[1], o[2]], -1) @ mp["wp"] + mp["bp"], tok)
        return l8 + l12 + POOL_WEIGHT * lpool + TASK_WEIGHT * (lc + lp), (l8, l12, lpool, lc, lp)

    @jax.jit
    def step(state, ids, m, t, labels, lr_enc, lr_map):
        # Adam, with the gradient's global norm clipped to 1.
        tr, mp, mo, vo, k = state
        (_, aux), g = jax.value_and_grad(loss_fn, argnums=(0, 1), has_aux=True)(tr, mp, ids, m, t, labels)
        k = k + 1
        gn = jnp.sqrt(sum((x * x).sum() for x in jax.tree_util.tree_leaves(g)))
        g = jax.tree_util.tree_map(lambda x: x * jnp.minimum(1.0, 1.0 / (gn + 1e-6)), g)
        b1, b2 = 0.9, 0.999
        mo = jax.tree_util.tree_map(lambda a, x: b1 * a + (1 - b1) * x, mo, g)
        vo = jax.tree_util.tree_map(lambda a, x: b2 * a + (1 - b2) * x * x, vo, g)
        upd = jax.tree_util.tree_map(lambda a, v: (a / (1 - b1 ** k)) / (jnp.sqrt(v / (1 - b2 ** k)) + 1e-8), mo, vo)
        tr = jax.tree_util.tree_map(lambda p, u: p - lr_enc * u, tr, upd[0])
        mp = jax.tree_util.tree_map(lambda p, u: p - lr_map * u, mp, upd[1])
        return (tr, mp, mo, vo, k), aux

    zeros = lambda tree: jax.tree_util.tree_map(jnp.zeros_like, tree)
    state = (train, maps, zeros((train, maps)), zeros((train, maps)), 0)
    plan = [b for _ in range(EPOCHS) for b in batches()]
    t0, seen = time.time(), []
    for s, (b, idx) in enumerate(plan):
        # Linear warm-up over 50 steps, then linear decay to 0.
        warm, decay = min(1.0, (s + 1) / 50), 1 - s / len(plan)
        ids, m, t, labels = tensors(b, idx)
        state, aux = step(state, ids, m, t, labels, LR * warm * decay, max(LR * 3, 1e-3) * warm * decay)
        seen.append([float(x) for x in aux])
        if (s + 1) % 25 == 0 or s + 1 == len(plan):
            a = np.mean(seen, 0)
            seen = []
            print(f"step {s + 1}/{len(plan)} {time.time() - t0:.0f}s layer8 {a[0]:.4f} layer12 {a[1]:.4f} "
                  f"pool {a[2]:.4f} category {a[3]:.3f} pii {a[4]:.3f}", flush=True)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "wb") as f:
        pickle.dump({"train": jax.tree_util.tree_map(np.asarray, state[0]), "qnames": qnames}, f)
    print("saved", OUT, flush=True)


if __name__ == "__main__":
    main()

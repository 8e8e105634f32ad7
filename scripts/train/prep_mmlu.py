"""Builds the category training rows from MMLU-Pro with a fixed split by id (never random per run):
sha256(id) % 10 == 0 -> test, == 1 -> dev, else train.

    python3 scripts/train/prep_mmlu.py [--data ../shared/data/mmlu-pro]   (or MMLU_PRO_DIR=...)
writes .cache/train/mmlu.jsonl with {id, text, label, split}.
"""
import argparse
import hashlib
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def split_of(qid):
    b = int(hashlib.sha256(qid.encode()).hexdigest(), 16) % 10
    return "test" if b == 0 else "dev" if b == 1 else "train"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.environ.get("MMLU_PRO_DIR", os.path.join(ROOT, "..", "shared", "data", "mmlu-pro")))
    args = ap.parse_args()
    os.makedirs(os.path.join(ROOT, ".cache", "train"), exist_ok=True)
    n = {}
    with open(os.path.join(args.data, "questions.jsonl")) as f, open(os.path.join(ROOT, ".cache", "train", "mmlu.jsonl"), "w") as out:
        for line in f:
            q = json.loads(line)
            s = split_of(q["id"])
            n[s] = n.get(s, 0) + 1
            out.write(json.dumps({"id": q["id"], "text": q["question"], "label": q["category"], "split": s}) + "\n")
    print(n)


if __name__ == "__main__":
    main()

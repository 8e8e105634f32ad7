"""Rows for tuning MiniLM's first three layers (distill.py): the train split of every category source
(prep_mmlu.py, prep_faq.py, prep_tasks.py, prep_wordnet.py) and of the jailbreak rows
(prep_jailbreak.py), in that order, each with its category's index (-1 for the jailbreak rows,
whose labels the tuning does not see). Dev and test rows stay out, so the heads' dev checks and the
held-out figures mean what they meant for the untuned encoder. The PII rows (prep_pii.py, all of
them training rows) are read by distill.py from their own file.

    python3 scripts/train/prep_distill.py    -> .cache/train/distill/corpus.jsonl
"""
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TRAIN = os.path.join(ROOT, ".cache", "train")
OUT = os.path.join(TRAIN, "distill", "corpus.jsonl")
CATEGORY_SOURCES = ["mmlu", "mmlu_short", "mmlu_answers", "faq", "tasks", "wordnet", "wordnet_asked"]


def rows_of(name):
    path = os.path.join(TRAIN, f"{name}.jsonl")
    if not os.path.exists(path):
        raise SystemExit(f"missing {path}; run scripts/train/prep_*.py first (docs/EVALUATION.md)")
    return [json.loads(line) for line in open(path)]


def main():
    sources = {name: rows_of(name) for name in CATEGORY_SOURCES + ["jailbreak"]}
    labels = sorted({r["label"] for r in sources["mmlu"]})
    out = []
    for name, rows in sources.items():
        for r in rows:
            if r["split"] == "train":
                out.append({"text": r["text"], "src": name, "category": -1 if name == "jailbreak" else labels.index(r["label"])})
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in out)
    print(f"{len(out)} rows -> {OUT}")


if __name__ == "__main__":
    main()

"""Builds the category training rows from MMLU-Pro with a fixed split by id (never random per run):
sha256(id) % 10 == 0 -> test, == 1 -> dev, else train.

    python3 scripts/train/prep_mmlu.py [--data ../shared/data/mmlu-pro]   (or MMLU_PRO_DIR=...)
writes .cache/train/mmlu.jsonl with {id, text, label, src, split} (src: the item's source within
MMLU-Pro, the category head's sub-label), and .cache/train/mmlu_short.jsonl: the same rows cut to
their question sentence (see short_form), same id, label, src and split; and
.cache/train/mmlu_answers.jsonl: each item's correct option when it is a phrase (see answer_form).
"""
import argparse
import hashlib
import json
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def bucket(key, n):
    """A fixed bucket of key among n, the same on every run and machine: every split and pick in the
    training data is one."""
    return int(hashlib.sha256(key.encode()).hexdigest(), 16) % n


def split_of(qid):
    b = bucket(qid, 10)
    return "test" if b == 0 else "dev" if b == 1 else "train"


def short_form(text):
    """The question a chat user would type, from an exam item: its last sentence that asks (or its
    last sentence), when that is at most 25 words and not the whole item. Chat prompts are short,
    exam items are long; a head trained on items alone is unsure of short prompts."""
    sents = [s.strip() for s in re.split(r"(?<=[.?!])\s+", text.strip()) if s.strip()]
    asks = [s for s in sents if s.endswith("?")]
    s = asks[-1] if asks else sents[-1] if sents else ""
    return s if 0 < len(s.split()) <= 25 and s != text.strip() else None


def answer_form(q):
    """An item's correct option, when it has at least three words: a short phrase in the subject's
    own words ("threads share their process's address space"), the register of a chat prompt that
    names a topic rather than an exam that sets one up. Single numbers and letters say nothing."""
    a = q["options"][ord(q["answer"]) - ord("A")].strip()
    return a if len(a.split()) >= 3 else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.environ.get("MMLU_PRO_DIR", os.path.join(ROOT, "..", "shared", "data", "mmlu-pro")))
    args = ap.parse_args()
    os.makedirs(os.path.join(ROOT, ".cache", "train"), exist_ok=True)
    n = {}
    train = os.path.join(ROOT, ".cache", "train")
    with open(os.path.join(args.data, "questions.jsonl")) as f, open(os.path.join(train, "mmlu.jsonl"), "w") as out, \
            open(os.path.join(train, "mmlu_short.jsonl"), "w") as short, \
            open(os.path.join(train, "mmlu_answers.jsonl"), "w") as answers:
        for line in f:
            q = json.loads(line)
            s = split_of(q["id"])
            n[s] = n.get(s, 0) + 1
            row = lambda text: json.dumps({"id": q["id"], "text": text, "label": q["category"], "src": q["src"], "split": s}) + "\n"
            out.write(row(q["question"]))
            cut = short_form(q["question"])
            if cut is not None:
                n["short"] = n.get("short", 0) + 1
                short.write(row(cut))
            answer = answer_form(q)
            if answer is not None:
                n["answers"] = n.get("answers", 0) + 1
                answers.write(row(answer))
    print(n)


if __name__ == "__main__":
    main()

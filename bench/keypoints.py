"""Key-point faithfulness: the share of key points that are whole sentences of the article or
keep a main clause of the sentence they come from.

Data: FRANK's CNN/DM and XSum articles (../shared/data/frank-news-summarization, this side of
its split, see SOURCE.md) and the reference page's four articles
(../shared/data/seed-page/articles.jsonl, analysed with their headlines by `analyze`). For the
FRANK articles the key points come from `summarize_sentences` + `key_points` on newsdesk's
sentence split (no headline in that data).

A key point is **faithful** when its text (less the capital and full stop `_tidy` adds and the
connective it drops) is found in one sentence of the article and
- it is that whole sentence (less a leading connective such as "But"), or it keeps a main
  clause: spaCy's parse of the sentence (the project's pipeline, newsdesk.nlp.model) has a
  clause head inside the point — the ROOT verb, a verb coordinated with it ("A fell, but B
  rose"), or a contrastive clause on it ("A fell, while B rose", the cuts key_points makes) —
  together with that head's subject;
- it is not cut at a dash (no dash right before or after it in the sentence) nor inside a
  quotation (each cut point lies outside every quotation of the sentence);
- its quote marks are balanced (`balanced_quotes`).

    python bench/keypoints.py [--limit N] [--json OUT] [--show]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from common import SHARED, data_missing, write_json

from newsdesk.nlp.analyze import analyze
from newsdesk.nlp.model import get_nlp
from newsdesk.nlp.summarize import (
    _CONNECTIVE,
    _QUOTATION,
    balanced_quotes,
    key_points,
    summarize_sentences,
)
from newsdesk.nlp.text import normalize_text, sentences

FRANK = SHARED / "frank-news-summarization" / "articles.jsonl"
SEED = SHARED / "seed-page" / "articles.jsonl"
DASHES = ("-", "–", "—")
CONTRAST = {"while", "whereas", "although"}  # summarize._CLAUSE_SPLIT's conjunctions
SUBJECTS = {"nsubj", "nsubjpass", "csubj", "csubjpass", "expl"}


def locate(point: str, sents: list[str]) -> tuple[str, int] | None:
    """(sentence, start) of the point's text in the article, or None."""
    body = point.strip()
    tries = [body, body.rstrip("."), body[:1].lower() + body[1:].rstrip(".")]
    for s in sents:
        flat = " ".join(s.split())
        for t in tries:
            at = flat.find(t)
            if t and at >= 0:
                return flat, at
    for s in sents:  # a dropped connective ("But the ...") before the point
        flat = " ".join(s.split())
        at = flat.lower().find(tries[2].lower())
        if tries[2] and at >= 0:
            return flat, at
    return None


def verdict(point: str, sents: list[str], nlp) -> str:  # type: ignore[no-untyped-def]
    """'whole', 'clause', or the reason it is not faithful."""
    if not balanced_quotes(point):
        return "quotes unbalanced"
    found = locate(point, sents)
    if found is None:
        return "not in the article"
    sent, start = found
    span = point.strip().rstrip(".")
    end = start + len(span)
    lead = sent[:start]
    if (not lead or _CONNECTIVE.fullmatch(lead)) and len(sent.rstrip(" .!?\"”'’")) <= end:
        return "whole"  # the sentence, less a connective _tidy drops ("But ...")
    if sent[:start].rstrip().endswith(DASHES) or sent[end:].lstrip().startswith(DASHES):
        return "cut at a dash"
    quoted = [m.span() for m in _QUOTATION.finditer(sent)]
    if any(a < cut < b for a, b in quoted for cut in (start, end)):
        return "cut inside a quotation"
    doc = nlp(sent)
    heads = [t for t in doc if t.dep_ == "ROOT"]
    heads += [t for t in doc if t.dep_ == "conj" and t.head in heads and t.pos_ in ("VERB", "AUX")]
    heads += [  # "A fell, while B rose": the contrastive clauses key_points may cut off
        t
        for t in doc
        if t.dep_ == "advcl"
        and t.head in heads
        and any(c.dep_ == "mark" and c.lower_ in CONTRAST for c in t.children)
    ]
    for h in heads:
        subj = [c for c in h.children if c.dep_ in SUBJECTS]
        inside = start <= h.idx < end
        if inside and subj and all(start <= c.idx < end for c in subj):
            return "clause"
    return "main clause lost"


def frank_points(limit: int) -> dict[str, list[tuple[str, list[str]]]]:
    rows = [json.loads(line) for line in FRANK.read_text().splitlines() if line.strip()]
    out: dict[str, list[tuple[str, list[str]]]] = {}
    for dataset in ("cnndm", "xsum"):
        subset = [r for r in rows if r["dataset"] == dataset]
        for r in subset[: limit or None]:
            sents = sentences(normalize_text(r["article"]))
            idx = summarize_sentences(sents, "", 3)
            for p in key_points(sents, idx, ""):
                out.setdefault(dataset, []).append((p, sents))
    return out


def seed_points() -> list[tuple[str, list[str]]]:
    out = []
    for line in SEED.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        sents = sentences(normalize_text(r["text"]))
        out += [(p, sents) for p in analyze(r["title"], r["text"]).key_points]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--limit", type=int, default=0, help="FRANK articles per set (0 = all)")
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    parser.add_argument("--show", action="store_true", help="print the unfaithful points")
    args = parser.parse_args()
    if data_missing(FRANK) or data_missing(SEED):
        return 2
    nlp = get_nlp()
    groups = {**frank_points(args.limit), "seed-page": seed_points()}
    figures: dict[str, object] = {}
    for name, points in groups.items():
        tally: Counter[str] = Counter()
        for point, sents in points:
            v = verdict(point, sents, nlp)
            tally[v] += 1
            if args.show and v not in ("whole", "clause"):
                print(f"  [{name}] {v}: {point}")
        n = sum(tally.values())
        ok = tally["whole"] + tally["clause"]
        figures[name] = {"points": n, "faithful": round(ok / n, 4) if n else 0.0, **tally}
        detail = ", ".join(f"{k} {c}" for k, c in tally.most_common())
        print(f"{name}: {n} key points, faithful {100 * ok / max(n, 1):.1f}% ({detail})")
    if args.json:
        write_json(args.json, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())

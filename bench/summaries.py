"""Extractive summary benchmark: newsdesk vs Lead-3 on FRANK's CNN/DM and XSum articles.

Data: ../shared/data/frank-news-summarization/articles.jsonl (this side of the split: 168
CNN/DM + 166 XSum articles with reference summaries; see its SOURCE.md; the 167 held-out
articles are not in this tree). ROUGE-1/2/L F1 with Google's `rouge-score` package (0.1.2,
the reimplementation of ROUGE-1.5.5 used by most papers), Porter stemming on; ROUGE-Lsum too
(sentences split on newlines), the usual L variant for multi-sentence summaries. Both
systems output 3 sentences split by newsdesk's sentence splitter; the headline is not
available in this data set.

Halves: each data set is cut in two by a hash of the article id (`half_of`: the first byte
of its SHA-256, even = half 0, odd = half 1), fixed before any figure was looked at. The
summarizer's constants are chosen on half 0 (`--half 0`); half 1 and XSum report them.

Two views are scored:
- **summary**: the summarizer as such (`summarize_sentences`) against Lead-3;
- **page box**: what the article page's summary box shows (web/slots.py: articles shorter
  than SHORT_ARTICLE_WORDS get no box; the box summarises the article past its first
  OPENING_WORDS words, printed right below it: `summarize_sentences(skip_words=...)`),
  scored over the articles that get a box, against the three sentences a reader meets
  after that opening ("lead after opening"). An empty box scores 0.

    python bench/summaries.py [--half 0|1] [--limit N] [--json OUT]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

from common import SHARED, data_missing, write_json
from rouge_score import rouge_scorer

from newsdesk.nlp.summarize import summarize_sentences
from newsdesk.nlp.text import normalize_text, sentences
from newsdesk.web.slots import OPENING_WORDS, SHORT_ARTICLE_WORDS

DATA = SHARED / "frank-news-summarization" / "articles.jsonl"
METRICS = ("rouge1", "rouge2", "rougeL", "rougeLsum")


def half_of(row: dict[str, str]) -> int:
    """0 or 1: the article's half (first byte of the SHA-256 of its id, even or odd; XSum
    rows have no id, their FRANK hash stands in)."""
    key = row.get("id") or row["hash"]
    return hashlib.sha256(key.encode("utf-8")).digest()[0] % 2


def in_opening(sents: list[str]) -> list[bool]:
    """Which sentences end within the article's first OPENING_WORDS words."""
    out, seen = [], 0
    for s in sents:
        seen += len(s.split())
        out.append(seen <= OPENING_WORDS)
    return out


def systems(sents: list[str]) -> dict[str, list[str] | None]:
    """The summaries scored for one article; None = not shown (no page box)."""
    picked = [sents[i] for i in summarize_sentences(sents, "", 3)]
    words = sum(len(s.split()) for s in sents)
    out: dict[str, list[str] | None] = {"lead3": sents[:3], "newsdesk": picked}
    if words < SHORT_ARTICLE_WORDS:
        out["page_box"] = out["lead_after_opening"] = None
    else:
        box = summarize_sentences(sents, "", 3, skip_words=OPENING_WORDS)
        out["page_box"] = [sents[i] for i in box]
        opening = in_opening(sents)
        out["lead_after_opening"] = [s for s, o in zip(sents, opening, strict=True) if not o][:3]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--half", type=int, choices=(0, 1), help="only this half (default both)")
    parser.add_argument("--limit", type=int, default=0, help="articles per data set (0 = all)")
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    args = parser.parse_args()
    if data_missing(DATA):
        return 2
    rows = [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]
    scorer = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
    figures: dict[str, object] = {
        "data": str(DATA.relative_to(SHARED.parent)),
        "rouge": "rouge-score 0.1.2, stemmed",
        "halves": "sha256(id)[0] % 2",
    }
    halves = (args.half,) if args.half is not None else (0, 1)
    groups = [(f"{d}/half{h}", d, h) for d in ("cnndm", "xsum") for h in halves]
    if args.half is None:
        groups.append(("xsum", "xsum", None))
    for label, dataset, half in groups:
        subset = [
            r for r in rows if r["dataset"] == dataset and (half is None or half_of(r) == half)
        ]
        if args.limit:
            subset = subset[: args.limit]
        totals: dict[str, dict[str, float]] = {}
        counts: dict[str, int] = {}
        box_sents = 0
        t0 = time.perf_counter()
        for r in subset:
            sents = sentences(normalize_text(r["article"]))
            for system, summary in systems(sents).items():
                if summary is None:
                    continue
                counts[system] = counts.get(system, 0) + 1
                if system == "page_box":
                    box_sents += len(summary)
                scores = scorer.score(r["reference"], "\n".join(summary))
                acc = totals.setdefault(system, dict.fromkeys(METRICS, 0.0))
                for name, s in scores.items():
                    acc[name] += s.fmeasure
        elapsed = time.perf_counter() - t0
        result = {
            system: {k: round(100 * v / counts[system], 2) for k, v in vals.items()}
            for system, vals in totals.items()
        }
        boxes = counts.get("page_box", 0)
        figures[label] = {
            "articles": len(subset),
            **result,
            "articles_with_box": boxes,
            "box_sentences_mean": round(box_sents / boxes, 2) if boxes else 0.0,
            "seconds": round(elapsed, 2),
        }
        print(f"{label}: {len(subset)} articles ({boxes} with a page box)")
        for system in ("lead3", "newsdesk", "lead_after_opening", "page_box"):
            if system not in result:
                continue
            r_ = result[system]
            print(
                f"  {system:18s} R-1 {r_['rouge1']:.2f}  R-2 {r_['rouge2']:.2f}  "
                f"R-L {r_['rougeL']:.2f}  R-Lsum {r_['rougeLsum']:.2f}"
            )
        if boxes:
            print(f"  page box: {box_sents / boxes:.2f} sentences on average")
    if args.json:
        write_json(args.json, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())

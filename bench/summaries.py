"""Extractive summary benchmark: newsdesk vs Lead-3 on FRANK's CNN/DM and XSum articles.

Data: ../shared/data/frank-news-summarization/articles.jsonl (this side of the split: 168
CNN/DM + 166 XSum articles with reference summaries; see its SOURCE.md). ROUGE-1/2/L F1 with
Google's `rouge-score` package (0.1.2, the reimplementation of ROUGE-1.5.5 used by most
papers), Porter stemming on; CNN/DM also reports ROUGE-Lsum (sentences split on newlines),
the usual L variant for multi-sentence summaries. Both systems output 3 sentences split by
newsdesk's sentence splitter; the headline is not available in this data set.

    python bench/summaries.py [--limit N] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from common import SHARED, data_missing, write_json
from rouge_score import rouge_scorer

from newsdesk.nlp.summarize import summarize_sentences
from newsdesk.nlp.text import normalize_text, sentences

DATA = SHARED / "frank-news-summarization" / "articles.jsonl"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--limit", type=int, default=0, help="articles per data set (0 = all)")
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    args = parser.parse_args()
    if data_missing(DATA):
        return 2
    rows = [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"], use_stemmer=True)
    figures: dict[str, object] = {
        "data": str(DATA.relative_to(SHARED.parent)),
        "rouge": "rouge-score 0.1.2, stemmed",
    }
    for dataset in ("cnndm", "xsum"):
        subset = [r for r in rows if r["dataset"] == dataset]
        if args.limit:
            subset = subset[: args.limit]
        totals: dict[str, dict[str, float]] = {"lead3": {}, "newsdesk": {}}
        t0 = time.perf_counter()
        for r in subset:
            sents = sentences(normalize_text(r["article"]))
            picks = {
                "lead3": sents[:3],
                "newsdesk": [sents[i] for i in summarize_sentences(sents, "", 3)],
            }
            for system, summary in picks.items():
                scores = scorer.score(r["reference"], "\n".join(summary))
                for name, s in scores.items():
                    totals[system][name] = totals[system].get(name, 0.0) + s.fmeasure
        elapsed = time.perf_counter() - t0
        n = len(subset)
        result = {
            system: {k: round(100 * v / n, 2) for k, v in vals.items()}
            for system, vals in totals.items()
        }
        figures[dataset] = {"articles": n, **result, "seconds": round(elapsed, 2)}
        print(f"{dataset}: {n} articles")
        for system in ("lead3", "newsdesk"):
            r_ = result[system]
            print(
                f"  {system:9s} R-1 {r_['rouge1']:.2f}  R-2 {r_['rouge2']:.2f}  "
                f"R-L {r_['rougeL']:.2f}  R-Lsum {r_['rougeLsum']:.2f}"
            )
    if args.json:
        write_json(args.json, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Article-extraction quality: newsdesk's extractor vs. plain trafilatura, on two public corpora.

1. article-extraction-benchmark (Zyte; ../shared/data/article-extraction-benchmark, 121 pages):
   the upstream evaluate.py metric. Texts are split into \\w+ tokens (case kept, as upstream)
   and compared as multisets of 4-token shingles; per page tp/fp/fn are normalized to sum 1,
   precision and recall are averaged over pages (a page with no prediction has no precision)
   and F1 is the harmonic mean of the two averages. "page-F1" is the plain mean of per-page F1.
2. trafilatura-eval (../shared/data/trafilatura-eval, 660 pages): trafilatura's own scoring,
   each "with" snippet found in the whitespace-normalized text is a TP (else FN), each
   "without" snippet found is a FP (else TN); precision/recall/F1/accuracy over all snippets.

Both systems get the raw page bytes. Baseline: trafilatura.extract(html) with defaults.
Extraction runs in a process pool (one worker per core by default); pages/s is wall-clock
after a short warm-up of the workers, "cpu ms/page" the CPU time spent per page (a figure
that does not depend on other load on the machine).

    python bench/extraction.py [--json OUT] [--limit N] [--workers N]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import trafilatura
from common import SHARED, write_json

from newsdesk.extract import ExtractionError, extract_article

AEB = "article-extraction-benchmark"
TEV = "trafilatura-eval"
TOKEN_RE = re.compile(r"\w+")


def newsdesk_text(html: bytes) -> str:
    try:
        return extract_article(html).text
    except ExtractionError:
        return ""


def baseline_text(html: bytes) -> str:
    return trafilatura.extract(html) or ""


SYSTEMS: dict[str, Callable[[bytes], str]] = {
    "newsdesk": newsdesk_text,
    "trafilatura": baseline_text,
}


def _run(job: tuple[str, bytes]) -> tuple[str, float]:
    system, html = job
    start = time.process_time()
    text = SYSTEMS[system](html)
    return text, time.process_time() - start


# -- article-extraction-benchmark metric (upstream evaluate.py) ---------------------------------


def _shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = TOKEN_RE.findall(text or "")
    return Counter(
        tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n]
    )


def tp_fp_fn(true: str, pred: str) -> tuple[float, float, float]:
    gold, got = _shingles(true), _shingles(pred)
    tp = sum((gold & got).values())
    fp = sum((got - gold).values())
    fn = sum((gold - got).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fp == 0 else tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fn == 0 else tp / (tp + fn)


def shingle_scores(rows: Sequence[tuple[float, float, float]]) -> dict[str, float]:
    precision = statistics.mean(_precision(*r) for r in rows if r[0] + r[1] > 0)
    recall = statistics.mean(_recall(*r) for r in rows if r[0] + r[2] > 0)
    page_f1 = []
    for row in rows:
        p, r = _precision(*row), _recall(*row)
        page_f1.append(2 * p * r / (p + r) if p + r else 0.0)
    return {
        "f1": 2 * precision * recall / (precision + recall),
        "precision": precision,
        "recall": recall,
        "page_f1": statistics.mean(page_f1),
    }


# -- trafilatura-eval metric (trafilatura tests/eval_common.py) ---------------------------------


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def snippet_counts(item: dict[str, Any], text: str) -> tuple[int, int, int, int]:
    found = _norm(text)
    tp = sum(1 for s in item["with"] if _norm(s) in found)
    fp = sum(1 for s in item["without"] if _norm(s) in found)
    return tp, fp, len(item["with"]) - tp, len(item["without"]) - fp


def snippet_scores(counts: Sequence[tuple[int, int, int, int]]) -> dict[str, float]:
    tp, fp, fn, tn = (sum(c[i] for c in counts) for i in range(4))
    return {
        "f1": 2 * tp / (2 * tp + fp + fn),
        "precision": tp / (tp + fp),
        "recall": tp / (tp + fn),
        "accuracy": (tp + tn) / (tp + tn + fp + fn),
    }


# -- data ---------------------------------------------------------------------------------------


def load_aeb(root: Path, limit: int) -> list[tuple[bytes, str]]:
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    keys = sorted(truth)[: limit or None]
    return [
        (gzip.decompress((root / "html" / f"{k}.html.gz").read_bytes()), truth[k]["articleBody"])
        for k in keys
    ]


def load_tev(root: Path, limit: int) -> list[tuple[bytes, dict[str, Any]]]:
    data = json.loads((root / "evaldata.json").read_text(encoding="utf-8"))
    pages = []
    for _, item in sorted(data.items(), key=lambda kv: kv[1]["file"]):
        path = root / "html" / f"{item['file']}.gz"
        if path.exists():
            pages.append((gzip.decompress(path.read_bytes()), item))
    return pages[: limit or None]


def extract_all(
    pool: ProcessPoolExecutor, system: str, pages: Sequence[bytes]
) -> tuple[list[str], dict[str, float]]:
    """Texts in page order, with wall-clock pages/s and CPU milliseconds per page."""
    start = time.perf_counter()
    results = list(pool.map(_run, [(system, html) for html in pages], chunksize=2))
    wall = time.perf_counter() - start
    cpu = sum(seconds for _, seconds in results)
    speed = {"pages_per_s": len(pages) / wall, "cpu_ms_per_page": 1000 * cpu / len(pages)}
    return [text for text, _ in results], speed


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    parser.add_argument("--limit", type=int, default=0, help="pages per corpus (0 = all)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--data", type=Path, default=SHARED, help="the shared data directory")
    args = parser.parse_args()
    if not (args.data / AEB).exists() or not (args.data / TEV).exists():
        print(f"data sets {AEB!r} and {TEV!r} not found under {args.data}", file=sys.stderr)
        return 2

    aeb = load_aeb(args.data / AEB, args.limit)
    tev = load_tev(args.data / TEV, args.limit)
    results: dict[str, Any] = {
        "trafilatura_version": trafilatura.__version__,
        "workers": args.workers,
        "metrics": {
            AEB: "upstream evaluate.py: \\w+ tokens (case kept), 4-shingle multisets, per-page "
            "P and R averaged over pages, F1 of the averages; page_f1 = mean per-page F1",
            TEV: "trafilatura eval: snippet TP/FP/FN/TN over all pages, whitespace-normalized",
        },
        AEB: {},
        TEV: {},
    }
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        for system in SYSTEMS:  # warm-up (imports, language model), not timed
            extract_all(pool, system, [html for html, _ in aeb[: 2 * args.workers]])
        for system in SYSTEMS:
            texts, speed = extract_all(pool, system, [html for html, _ in aeb])
            scores = shingle_scores(
                [tp_fp_fn(gold, text) for (_, gold), text in zip(aeb, texts, strict=True)]
            )
            results[AEB][system] = {**scores, "pages": len(aeb), **speed}
            texts, speed = extract_all(pool, system, [html for html, _ in tev])
            scores = snippet_scores(
                [snippet_counts(item, t) for (_, item), t in zip(tev, texts, strict=True)]
            )
            results[TEV][system] = {**scores, "pages": len(tev), **speed}

    print(f"workers: {args.workers}   trafilatura {trafilatura.__version__}")
    header = f"{'corpus':<30}{'system':<13}{'pages':>6}{'F1':>8}{'prec.':>8}{'recall':>8}"
    print(header + f"{'page-F1/acc.':>13}{'pages/s':>9}{'cpu ms/page':>12}")
    for corpus, extra in ((AEB, "page_f1"), (TEV, "accuracy")):
        for system, r in results[corpus].items():
            print(
                f"{corpus:<30}{system:<13}{r['pages']:>6}{r['f1']:>8.4f}{r['precision']:>8.4f}"
                f"{r['recall']:>8.4f}{r[extra]:>13.4f}{r['pages_per_s']:>9.1f}"
                f"{r['cpu_ms_per_page']:>12.1f}"
            )
    if args.json:
        write_json(args.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Keyphrase ranking benchmark: newsdesk vs YAKE on 500N-KPCrowd (news, crowd-sourced gold).

Data: ../shared/data/500N-KPCrowd (334 documents this side of the split, see SOURCE.md); the
first line of each document is its title. The corpus stores '"' as '""' (CSV escaping); both
systems get the text with that undone.

Matching (the usual protocol for this set): gold and predicted phrases are lower-cased,
in-word hyphens, apostrophes and dots dropped as the gold does
("X-Men" -> "xmen"), tokenised on non-alphanumerics and Porter-stemmed word by word (NLTK's PorterStemmer);
a prediction is correct if it equals a gold phrase exactly. Predictions that stem to the
same phrase count once. P@k = correct / (number of predictions in the top k),
R@k = correct / (number of gold phrases), F1@k their harmonic mean, macro-averaged over
documents. Baseline: YAKE 0.7.3 with its default settings (n=3, dedupLim 0.9, window 1),
whose published F1@10 on this set is 0.173; also YAKE with n=1 (single words), which
comes closest to that published figure under this protocol.

    python bench/hashtags.py [--limit N] [--json OUT]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import yake
from common import SHARED, data_missing, write_json
from nltk.stem import PorterStemmer

from newsdesk.nlp.entities import extract_entities
from newsdesk.nlp.keyphrases import rank_keyphrases, select_hashtags
from newsdesk.nlp.model import get_nlp
from newsdesk.nlp.text import normalize_text

DATA = SHARED / "500N-KPCrowd"
_SPLIT = re.compile(r"[^a-z0-9]+")
_INWORD = re.compile(r"(?<=\w)[-'’.](?=\w)")
_stemmer = PorterStemmer()


def norm(phrase: str) -> str:
    # the gold drops in-word punctuation ("X-Men" -> "XMen", "37-year-old" -> "37yearold")
    phrase = _INWORD.sub("", phrase.lower())
    return " ".join(_stemmer.stem(w) for w in _SPLIT.split(phrase) if w)


def f1_at(pred: list[str], gold: set[str], k: int) -> tuple[float, float, float]:
    seen: list[str] = []
    for p in pred:
        n = norm(p)
        if n and n not in seen:
            seen.append(n)
    top = seen[:k]
    if not top or not gold:
        return 0.0, 0.0, 0.0
    correct = sum(1 for p in top if p in gold)
    prec, rec = correct / len(top), correct / len(gold)
    f1 = 2 * prec * rec / (prec + rec) if correct else 0.0
    return prec, rec, f1


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--limit", type=int, default=0, help="documents (0 = all)")
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    args = parser.parse_args()
    if data_missing(DATA):
        return 2
    files = sorted((DATA / "docsutf8").glob("*.txt"))
    if args.limit:
        files = files[: args.limit]
    extractor = yake.KeywordExtractor(lan="en")
    extractor1 = yake.KeywordExtractor(lan="en", n=1)
    nlp = get_nlp()
    sums: dict[str, list[float]] = {
        f"{s}@{k}": [0.0, 0.0, 0.0] for s in ("yake", "yake_n1", "newsdesk") for k in (5, 10)
    }
    timing = {"yake": 0.0, "newsdesk": 0.0}
    tags_per_doc = 0
    n = 0
    for path in files:
        raw = path.read_text(encoding="utf-8").replace('""', '"')
        key_file = DATA / "keys" / (path.stem + ".key")
        gold = {
            norm(line) for line in key_file.read_text(encoding="utf-8").splitlines() if line.strip()
        }
        gold.discard("")
        if not gold:
            continue
        title, _, body = raw.partition("\n")
        text = normalize_text(f"{title.strip()}\n{body}")
        title_end = len(title.strip()) + 1
        t0 = time.perf_counter()
        yk = [kw for kw, _score in extractor.extract_keywords(text)]
        t1 = time.perf_counter()
        yk1 = [kw for kw, _score in extractor1.extract_keywords(text)]
        t2 = time.perf_counter()
        doc = nlp(text)
        ents = extract_entities(doc, title_end)
        ranked = rank_keyphrases(doc, title_end, ents, top=20)
        nd = [k.text for k in ranked]
        t3 = time.perf_counter()
        tags_per_doc += len(select_hashtags(ranked, ents))
        timing["yake"] += t1 - t0
        timing["newsdesk"] += t3 - t2
        n += 1
        for system, pred in (("yake", yk), ("yake_n1", yk1), ("newsdesk", nd)):
            for k in (5, 10):
                p, r, f = f1_at(pred, gold, k)
                acc = sums[f"{system}@{k}"]
                acc[0] += p
                acc[1] += r
                acc[2] += f
    figures: dict[str, object] = {"documents": n, "matching": "lower-case + Porter stem, exact"}
    print(f"500N-KPCrowd: {n} documents (exact match after lower-casing + Porter stemming)")
    for key, (p, r, f) in sums.items():
        figures[key] = {"P": round(p / n, 4), "R": round(r / n, 4), "F1": round(f / n, 4)}
        print(f"  {key:12s} P {p / n:.3f}  R {r / n:.3f}  F1 {f / n:.3f}")
    ratio = (sums["newsdesk@10"][2] / n) / (sums["yake@10"][2] / n)
    figures["newsdesk_over_yake_F1@10"] = round(ratio, 3)
    ratio1 = sums["newsdesk@10"][2] / sums["yake_n1@10"][2]
    figures["newsdesk_over_yake_n1_F1@10"] = round(ratio1, 3)
    figures["seconds_per_doc"] = {k: round(v / n, 4) for k, v in timing.items()}
    figures["hashtags_per_doc"] = round(tags_per_doc / n, 2)
    print(f"  newsdesk/YAKE F1@10 = {ratio:.2f}x (default), {ratio1:.2f}x (YAKE n=1)")
    print(f"  hashtags per document {tags_per_doc / n:.1f}")
    print(
        f"  time per doc: yake {1000 * timing['yake'] / n:.1f} ms, newsdesk (spaCy incl.) "
        f"{1000 * timing['newsdesk'] / n:.1f} ms"
    )
    if args.json:
        write_json(args.json, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())

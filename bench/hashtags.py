"""Keyphrase ranking benchmark: newsdesk vs YAKE on 500N-KPCrowd (news, crowd-sourced gold).

Data: ../shared/data/500N-KPCrowd (334 documents this side of the split, see SOURCE.md); the
first line of each document is its title. The corpus stores '"' as '""' (CSV escaping); all
systems get the text with that undone.

Halves: a document is in half ``sha1(file stem) % 2`` (fixed before any result was looked at).
Settings of newsdesk's ranking are chosen on half 0 and reported on half 1; ``--half`` runs
one half, the default runs both and prints half 0, half 1 and all.

Matching (the usual protocol for this set): gold and predicted phrases are lower-cased,
in-word hyphens, apostrophes and dots dropped as the gold does
("X-Men" -> "xmen"), tokenised on non-alphanumerics and Porter-stemmed word by word (NLTK's PorterStemmer);
a prediction is correct if it equals a gold phrase exactly. Predictions that stem to the
same phrase count once. P@k = correct / (number of predictions in the top k),
R@k = correct / (number of gold phrases), F1@k their harmonic mean, macro-averaged over
documents.

Systems: ``newsdesk`` = the keyphrase ranking (``rank_keyphrases``); ``page`` = the article
page's hashtags in the page's order (headline actors first, 3-8 tags, compared by label);
``yake_n3`` = YAKE 0.7.3 defaults (n=3, dedupLim 0.9, window 1; published F1@10 on this set
0.173); ``yake_n1`` = YAKE with n=1 (single words). Goal (issue 12): newsdesk F1@5 >=
1.25 x the better YAKE setting. ``keyphrase CPU ms`` = process time of ``rank_keyphrases`` +
``select_hashtags`` and the entities per document (``newsdesk.nlp.analyze.tag_article``, as
the analysis runs them; the spaCy parse excluded).

    python bench/hashtags.py [--half 0|1] [--limit N] [--json OUT]

"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
import time
from pathlib import Path

import yake
from common import SHARED, data_missing, write_json
from nltk.stem import PorterStemmer

from newsdesk.nlp.analyze import _prepare, tag_article
from newsdesk.nlp.model import get_nlp
from newsdesk.nlp.text import normalize_text

DATA = SHARED / "500N-KPCrowd"
SYSTEMS = ("newsdesk", "page", "yake_n1", "yake_n3")
KS = (5, 10)
_SPLIT = re.compile(r"[^a-z0-9]+")
_INWORD = re.compile(r"(?<=\w)[-'’.](?=\w)")
_stemmer = PorterStemmer()


def half_of(doc_id: str) -> int:
    """0 or 1, from a hash of the document id (the file name without .txt)."""
    return int(hashlib.sha1(doc_id.encode("utf-8")).hexdigest(), 16) % 2


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


def load(limit: int = 0, half: int | None = None) -> list[tuple[str, int, str, int, set[str]]]:
    """(document id, half, text, title end, gold) of each document with gold phrases."""
    files = sorted((DATA / "docsutf8").glob("*.txt"))
    if limit:
        files = files[:limit]
    out = []
    for path in files:
        h = half_of(path.stem)
        if half is not None and h != half:
            continue
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
        out.append((path.stem, h, text, len(title.strip()) + 1, gold))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--half", type=int, choices=(0, 1), help="one half only (default both)")
    parser.add_argument("--limit", type=int, default=0, help="documents (0 = all)")
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    args = parser.parse_args()
    if data_missing(DATA):
        return 2
    docs = load(args.limit, args.half)
    yake3 = yake.KeywordExtractor(lan="en")
    yake1 = yake.KeywordExtractor(lan="en", n=1)
    nlp = get_nlp()
    # per document: {system@k: (P, R, F1)}
    rows: list[tuple[int, dict[str, tuple[float, float, float]]]] = []
    yake_s = keyphrase_cpu = 0.0
    tags_per_doc = 0
    for _doc_id, h, text, title_end, gold in docs:
        t0 = time.perf_counter()
        preds = {"yake_n3": [kw for kw, _score in yake3.extract_keywords(text)]}
        yake_s += time.perf_counter() - t0
        preds["yake_n1"] = [kw for kw, _score in yake1.extract_keywords(text)]
        # the headline and body as the analysis prepares them (a headline in title case
        # written as a sentence: nlp.truecase)
        prep = _prepare(text[: title_end - 1], text[title_end:])
        doc = nlp(prep.text)
        c0 = time.process_time()  # entities included since the twelfth session
        _ents, ranked, tags, _quotes = tag_article(doc, prep.body_start)  # as the analysis
        keyphrase_cpu += time.process_time() - c0
        preds["newsdesk"] = [k.text for k in ranked]
        preds["page"] = [t.label for t in tags]
        tags_per_doc += len(tags)
        scores = {f"{s}@{k}": f1_at(preds[s], gold, k) for s in SYSTEMS for k in KS}
        rows.append((h, scores))
    n = len(rows)
    if not n:
        print("no documents", file=sys.stderr)
        return 2
    figures: dict[str, object] = {"documents": n, "matching": "lower-case + Porter stem, exact"}
    print(f"500N-KPCrowd: {n} documents (exact match after lower-casing + Porter stemming)")
    parts = [("half 0", 0), ("half 1", 1), ("all", None)]
    if args.half is not None:
        parts = [(f"half {args.half}", args.half)]
    for name, want in parts:
        sel = [s for h, s in rows if want is None or h == want]
        if not sel:
            continue
        part: dict[str, object] = {"documents": len(sel)}
        print(f" {name}: {len(sel)} documents")
        for key in (f"{s}@{k}" for s in SYSTEMS for k in KS):
            p, r, f = (sum(s[key][i] for s in sel) / len(sel) for i in range(3))
            part[key] = {"P": round(p, 4), "R": round(r, 4), "F1": round(f, 4)}
            print(f"  {key:12s} P {p:.3f}  R {r:.3f}  F1 {f:.3f}")
        for k in KS:
            best = max(part[f"yake_n1@{k}"]["F1"], part[f"yake_n3@{k}"]["F1"])  # type: ignore[index]
            ratio = part[f"newsdesk@{k}"]["F1"] / best if best else 0.0  # type: ignore[index]
            part[f"newsdesk_over_best_yake_F1@{k}"] = round(ratio, 3)
            print(f"  newsdesk / better YAKE, F1@{k}: {ratio:.2f}x")
        figures[name.replace(" ", "")] = part
    figures["keyphrase_cpu_ms_per_doc"] = round(1000 * keyphrase_cpu / n, 2)
    figures["yake_n3_ms_per_doc"] = round(1000 * yake_s / n, 2)
    figures["hashtags_per_doc"] = round(tags_per_doc / n, 2)
    print(f" hashtags per document {tags_per_doc / n:.1f}")
    print(
        f" keyphrase CPU ms per doc (entities + rank + hashtags, parse excluded) "
        f"{1000 * keyphrase_cpu / n:.2f}; YAKE n=3 {1000 * yake_s / n:.1f} ms wall"
    )
    if args.json:
        write_json(args.json, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())

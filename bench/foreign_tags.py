"""Hashtags of articles not in English (nlp.names) against the publishers' own tags.

Data: ../shared/data/trafilatura-eval (this side of its split: 660 pages; German most of them,
then Spanish, Polish, French). Each page is extracted as newsdesk extracts pages; pages whose
language is English (or not identified) are left out. Gold: the page's own "tags" and
"categories" (its publisher's, 136 of the non-English pages have some). They are topics as
often as names ("Weihnachtsmarkt", "Politik"), so no system comes near them; the figure is for
comparison in one run.

Systems: ``names`` = nlp.names.name_hashtags (what the article page shows, up to 5);
``yake_n1`` / ``yake_n3`` = YAKE 0.7.3 top 5 with the page's language's stop words, single
words / up to three. A tag agrees with a gold tag when their hashtag slugs are equal
("Sri Lanka" = "SriLanka", case-insensitive). Reported: pages with at least one agreeing tag
among the five (hit@5), agreeing tags / tags shown (precision), and the share of all
non-English pages given no tag. Halves: the page's index in file-name order, even / odd.
The rules were written reading the outputs of all of these pages and of the DR (Danish) and
GameStar (German) feeds of bench/livefeeds.py; there is no held-out half.

    python bench/foreign_tags.py [--json OUT]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

import yake
from common import SHARED, data_missing, write_json

from newsdesk.extract.article import ExtractionError, extract_article
from newsdesk.nlp.analyze import _prepare
from newsdesk.nlp.keyphrases import hashtag_slug
from newsdesk.nlp.names import name_hashtags

DATA = SHARED / "trafilatura-eval"
YAKE_LANGUAGES = {"de", "fr", "es", "it", "pt", "nl", "da", "sv", "pl"}


def pages() -> list[dict]:
    data = json.loads((DATA / "evaldata.json").read_text())
    rows = []
    for i, (url, v) in enumerate(sorted(data.items(), key=lambda kv: kv[1]["file"])):
        path = DATA / "html" / f"{v['file']}.gz"
        if not path.exists():
            continue
        try:
            page = extract_article(gzip.decompress(path.read_bytes()), url=url)
        except ExtractionError:
            continue
        prep = _prepare(page.title, page.text)
        if prep.language in (None, "en"):
            continue
        gold = [*(v.get("tags") or []), *(v.get("categories") or [])]
        rows.append({"half": i % 2, "lang": prep.language, "prep": prep, "gold": gold})
    return rows


def _slugs(tags: list[str]) -> list[str]:
    return [s for s in (hashtag_slug(t).lower() for t in tags) if s]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if data_missing(DATA):
        return 0
    rows = pages()
    cpu = 0.0
    for r in rows:
        start = time.process_time()
        r["names"] = [t.label for t in name_hashtags(r["prep"].title, r["prep"].body, r["lang"])]
        cpu += time.process_time() - start
        if r["lang"] in YAKE_LANGUAGES and r["gold"]:
            text = f"{r['prep'].title}\n{r['prep'].body}"
            for n in (1, 3):
                found = yake.KeywordExtractor(lan=r["lang"], n=n, top=5).extract_keywords(text)
                r[f"yake_n{n}"] = [k for k, _ in found]
    figures: dict[str, dict[str, float]] = {}
    print(f"{len(rows)} non-English pages; names CPU {1000 * cpu / max(len(rows), 1):.2f} ms/page")
    print(f"{'system':10} {'half':>4} {'pages':>5} {'hit@5':>6} {'precision':>9}")
    for system in ("names", "yake_n1", "yake_n3"):
        for half in (0, 1, None):
            scored = [
                r
                for r in rows
                if r["gold"] and system in r and r["lang"] in YAKE_LANGUAGES
                if half is None or r["half"] == half
            ]
            hits = shown = agree = 0
            for r in scored:
                gold = set(_slugs(r["gold"]))
                tags = _slugs(r[system])[:5]
                found = sum(1 for t in tags if t in gold)
                hits += found > 0
                shown += len(tags)
                agree += found
            name = f"{system}/{'all' if half is None else half}"
            figures[name] = {
                "pages": len(scored),
                "hit_at_5": round(hits / max(len(scored), 1), 3),
                "precision": round(agree / max(shown, 1), 3),
            }
            f = figures[name]
            half_label = "all" if half is None else str(half)
            print(
                f"{system:10} {half_label:>4} {f['pages']:>5} {f['hit_at_5']:>6.3f} "
                f"{f['precision']:>9.3f}"
            )
    untagged = sum(1 for r in rows if not r["names"])
    figures["untagged"] = {"pages": len(rows), "share": round(untagged / max(len(rows), 1), 3)}
    print(f"pages given no tag: {untagged} of {len(rows)}")
    if args.json:
        write_json(args.json, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())

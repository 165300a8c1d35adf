"""Retrieval benchmark: does search find the other articles about the same news event?

Data: ECB+ (../shared/data/ecbplus-story-clusters, 772 documents, 33 topics x 2 events of
the same kind), loaded as bench/stories.py loads it. Each document's headline is a query (the
first line, or the first line with 4 words or more when the first is a dateline such as
"APR 28"); the relevant set is the other documents of its event (cluster); the document
itself is left out of the ranking. Plus the alias and paraphrase queries of
bench/data/search-queries.json (written before any result was looked at).

Each half (even / odd topic numbers, as bench/stories.py --half) is its own corpus, on
newsdesk's real path as the site serves it: imported as `newsdesk import` stores records,
then `newsdesk.enrich` (MiniLM vectors, names and tags, story clustering, the hnswlib index)
into a real migrated SQLite database (FTS5 with the Porter stemmer of migration 0009); the
tags it finds are the synonyms search uses. Methods, in the same run:

- strict-old: the search before 0009: every word (first 8), no stemming (a unicode61 FTS5
  table as migration 0002 made it);
- bm25-or: any of the query's content words (first 8 words, common words dropped, with
  synonyms), stemmed BM25;
- bm25-or-all: the same with every content word of the headline (no 8-word cap, no
  synonyms): the strongest lexical baseline, the one the gains are measured against;
- hybrid-rrf-old: the previous hybrid (reciprocal rank fusion of the strict, the first-8
  any-word and the vector lists), kept here for comparison;
- convex, convex+prf, smoothed, +names, +stories, hybrid: newsdesk.search.hybrid.rank with
  its later stages switched off (score fusion only; plus Rocchio feedback; plus score
  smoothing over neighbours, the hybrid of the sixth session; plus the agreement of names
  with the best answer; plus stories alone) and as the site runs it (all of them).

nDCG@10 (binary gain) and MRR (first relevant in the top 100); CPU milliseconds per query
(process time, query embedding included). Runs in about two minutes on 2 cores (all 772
documents are enriched once; no sampling).

    python bench/retrieval.py [--half 0|1] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from common import SHARED, data_missing, write_json

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from sqlalchemy import select, text
from stories import ecbplus_records, half_of

from newsdesk.config import Settings
from newsdesk.enrich import enrich
from newsdesk.ingest import candidate_from_record, content_hash, store_candidate
from newsdesk.search import hybrid
from newsdesk.search.hybrid import rank
from newsdesk.search.results import semantic_text
from newsdesk.search.synonyms import expand
from newsdesk.search.vectors import index_neighbours
from newsdesk.sources.urls import canonicalize
from newsdesk.store import Article, connect, session_scope
from newsdesk.store.search import fts_query, parse, ranked_ids
from newsdesk.stories.features import STOPWORDS
from newsdesk.stories.index import forget_open_indexes

QUERIES = Path(__file__).parent / "data" / "search-queries.json"
DEPTH = 100
_WORD = re.compile(r"[^\W_]+")


def headline(doc_text: str) -> str:
    lines = [line for line in doc_text.split("\n") if line.strip()]
    for line in lines:
        if len([w for w in _WORD.findall(line) if w.isalpha()]) >= 4:
            return line
    return lines[0] if lines else ""


def ndcg10(ranking: list[int], relevant: set[int]) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, d in enumerate(ranking[:10]) if d in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(10, len(relevant))))
    return dcg / ideal if ideal else 0.0


def mrr(ranking: list[int], relevant: set[int]) -> float:
    for i, d in enumerate(ranking[:DEPTH]):
        if d in relevant:
            return 1 / (i + 1)
    return 0.0


def build(records: list[tuple[dict, str]], data_dir: Path) -> tuple:  # type: ignore[type-arg]
    """The half's corpus on newsdesk's real path: imported as `newsdesk import` stores records,
    enriched by newsdesk.enrich (MiniLM vectors, names and terms, story clustering, the
    vector index), as the site serves it. Returns the engine, each record's article id and
    the site's vector index as `Neighbours`."""
    settings = Settings(data_dir=data_dir)
    engine = connect(settings.db_url)
    with session_scope(engine) as s:
        for record, _ in records:
            store_candidate(s, candidate_from_record(record), None)
    enrich(engine, settings)
    with session_scope(engine) as s:
        by_url = dict(s.execute(select(Article.url, Article.id)).all())
        by_hash = dict(s.execute(select(Article.content_hash, Article.id)).all())
    ids = []
    for record, _ in records:  # a text stored before is merged into that article
        found = by_url.get(canonicalize(record["url"]))
        ids.append(found if found is not None else by_hash[content_hash(record["text"])])
    with engine.begin() as conn:  # the pre-0009 index, for strict-old
        conn.execute(
            text(
                "CREATE VIRTUAL TABLE old_fts USING fts5(title, text, content='articles', "
                "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
            )
        )
        conn.execute(text("INSERT INTO old_fts(old_fts) VALUES ('rebuild')"))
    forget_open_indexes()
    return engine, ids, index_neighbours(engine, data_dir)


def rrf_old(session, text_: str, neighbours) -> list[int]:  # type: ignore[no-untyped-def]
    """The previous hybrid, for comparison: reciprocal rank fusion (k = 10) of the strict
    list (weight 0.25), the any-of-the-first-8-words list (1) and the vector index's top 100
    at cosine 0.3 or more (1)."""
    query = expand(session, parse(text_)).query
    if not query:
        return []
    strict = ranked_ids(session, query, limit=DEPTH)
    words = [w for w in _WORD.findall(text_) if w.lower() not in STOPWORDS] or _WORD.findall(text_)
    loose = ranked_ids(
        session, expand(session, parse(" ".join(words))).query, mode="any", limit=DEPTH
    )
    vector = neighbours.embed(semantic_text(text_))
    near = [i for i, c in neighbours.nearest(vector, 100) if c >= 0.3]
    score: dict[int, float] = {}
    for items, weight in ((strict, 0.25), (loose, 1.0), (near, 1.0)):
        for n, item in enumerate(items, 1):
            score[item] = score.get(item, 0.0) + weight / (10 + n)
    return sorted(score, key=lambda i: -score[i])


@contextmanager
def constants(**values: float) -> Iterator[None]:
    """newsdesk.search.hybrid with some constants changed (the ablations)."""
    saved = {name: getattr(hybrid, name) for name in values}
    for name, value in values.items():
        setattr(hybrid, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(hybrid, name, value)


# The hybrid's variants: (name, constants changed); "hybrid" is what the site runs.
BY_EVENT_OFF = {"NAMES_WEIGHT": 0.0, "STORY": 0.0}
VARIANTS: list[tuple[str, dict[str, float]]] = [
    ("convex", {"FEEDBACK_WEIGHT": 0.0, "SMOOTHING": 0.0, **BY_EVENT_OFF}),
    ("convex+prf", {"SMOOTHING": 0.0, **BY_EVENT_OFF}),
    ("smoothed", BY_EVENT_OFF),  # the hybrid before names and stories (sixth session)
    ("+names", {"STORY": 0.0}),
    ("+stories", {"NAMES_WEIGHT": 0.0}),
    ("hybrid", {}),
]


def run_half(records: list[tuple[dict, str]], extra: list[dict]) -> dict:  # type: ignore[type-arg]
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        engine, ids, neighbours = build(records, Path(tmp))
        build_s = time.perf_counter() - started
        gold = {i: g for i, (_, g) in zip(ids, records, strict=True)}
        by_cluster: dict[str, set[int]] = {}
        for i, g in gold.items():
            by_cluster.setdefault(g, set()).add(i)

        def strict_old(s, q: str) -> list[int]:  # type: ignore[no-untyped-def]
            match = fts_query(q)
            if not match:
                return []
            rows = s.execute(
                text(
                    "SELECT rowid FROM old_fts WHERE old_fts MATCH :q "
                    "ORDER BY bm25(old_fts, 5.0, 1.0) LIMIT :n"
                ),
                {"q": match, "n": DEPTH},
            )
            return [r[0] for r in rows]

        def bm25_or(s, q: str) -> list[int]:  # type: ignore[no-untyped-def]
            words = [w for w in _WORD.findall(q) if w.lower() not in STOPWORDS]
            query = expand(s, parse(" ".join(words))).query  # parse keeps the first 8
            return ranked_ids(s, query, mode="any", limit=DEPTH)

        def bm25_or_all(s, q: str) -> list[int]:  # type: ignore[no-untyped-def]
            words = [w for w in dict.fromkeys(_WORD.findall(q.lower())) if w not in STOPWORDS]
            if not words:
                return []
            match = " OR ".join(f'"{w}"' for w in words)
            rows = s.execute(
                text(
                    "SELECT rowid FROM articles_fts WHERE articles_fts MATCH :q "
                    "ORDER BY bm25(articles_fts, 5.0, 1.0) LIMIT :n"
                ),
                {"q": match, "n": DEPTH},
            )
            return [r[0] for r in rows]

        def hybrid_rrf_old(s, q: str) -> list[int]:  # type: ignore[no-untyped-def]
            return rrf_old(s, q, neighbours)

        def variant(changed: dict[str, float]) -> Callable[..., list[int]]:
            def run(s, q: str) -> list[int]:  # type: ignore[no-untyped-def]
                with constants(**changed):
                    query = expand(s, parse(q)).query
                    ranked = rank(s, query, semantic_text(q), neighbours=neighbours, depth=DEPTH)
                return [r.article_id for r in ranked]

            return run

        methods: dict[str, Callable[..., list[int]]] = {
            "strict-old": strict_old,
            "bm25-or": bm25_or,
            "bm25-or-all": bm25_or_all,
            "hybrid-rrf-old": hybrid_rrf_old,
        } | {name: variant(changed) for name, changed in VARIANTS}
        tasks = []  # (kind, query, relevant, left out)
        for i, (record, g) in zip(ids, records, strict=True):
            rel = by_cluster[g] - {i}
            if rel:
                tasks.append(("headline", headline(record["text"]), rel, i))
        for item in extra:
            rel = set().union(*(by_cluster.get(c, set()) for c in item["relevant"]))
            if rel:
                tasks.append((item["kind"], item["query"], rel, None))
        out: dict = {"documents": len(ids), "build_s": round(build_s, 1), "methods": {}}
        with session_scope(engine) as s:
            for name, method in methods.items():
                per_kind: dict[str, list[tuple[float, float]]] = {}
                cpu = time.process_time()
                rankings = [method(s, q) for _, q, _, _ in tasks]
                ms = (time.process_time() - cpu) * 1000 / len(tasks)
                for (kind, _, rel, own), found in zip(tasks, rankings, strict=True):
                    ranking = [d for d in found if d != own]
                    group = "headline" if kind == "headline" else "alias+paraphrase"
                    per_kind.setdefault(group, []).append((ndcg10(ranking, rel), mrr(ranking, rel)))
                out["methods"][name] = {
                    kind: {
                        "queries": len(vals),
                        "ndcg10": round(statistics.fmean(v[0] for v in vals), 4),
                        "mrr": round(statistics.fmean(v[1] for v in vals), 4),
                    }
                    for kind, vals in per_kind.items()
                } | {"cpu_ms_per_query": round(ms, 1)}
        engine.dispose()
        forget_open_indexes()
        return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--half", type=int, choices=(0, 1), help="only one half")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    if data_missing(SHARED / "ecbplus-story-clusters"):
        return 1
    records = ecbplus_records()
    extra = json.loads(QUERIES.read_text(encoding="utf-8"))["queries"]
    halves = [args.half] if args.half is not None else [0, 1]
    results: dict = {"halves": {}}
    for half in halves:
        part = [(r, g) for r, g in records if half_of("ecbplus", g) == half]
        figures = run_half(part, extra)
        results["halves"][str(half)] = figures
        print(
            f"half {half} ({'even' if half == 0 else 'odd'} topics): {figures['documents']} documents"
        )
        base = figures["methods"]["bm25-or-all"]
        for name, m in figures["methods"].items():
            cells = []
            for kind in ("headline", "alias+paraphrase"):
                if kind in m:
                    gain = (
                        m[kind]["ndcg10"] / base[kind]["ndcg10"] - 1 if base[kind]["ndcg10"] else 0
                    )
                    cells.append(
                        f"{kind} ({m[kind]['queries']}): nDCG@10 {m[kind]['ndcg10']:.3f} "
                        f"({gain:+.0%} vs bm25-or-all), MRR {m[kind]['mrr']:.3f}"
                    )
            print(f"  {name:12s} " + "; ".join(cells) + f"; {m['cpu_ms_per_query']} CPU ms/query")
    if args.json:
        write_json(args.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Related-articles latency at scale, and embedding throughput.

1. related(): a fresh SQLite database with --articles (default 100,000) SYNTHETIC articles
   (short texts, 300 outlets, 60 days) and enrichments whose vectors are SYNTHETIC: --stories
   story centres (grouped in topics of 10 stories) in 384-d plus noise, normalized, so each story's articles are near each other;
   1% of articles are marked copies of another. The hnswlib index is built through the real
   VectorIndex and saved/loaded like in production. Then related(session, id, k=8) is timed
   for --queries random articles (warm: one process, index loaded once), p50/p90/p99 in ms.
2. Embedding throughput: Embedder.embed_articles on real BBC News articles (headline + lead,
   the production setting), batch 32, docs/s; and the raw 256-token setting for comparison.

    python bench/related.py [--articles 100000] [--queries 1000] [--bbc 256] [--json OUT]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from common import SHARED, write_json

os.environ.setdefault("HF_HUB_OFFLINE", "1")

WORDS = [
    "government",
    "minister",
    "election",
    "market",
    "shares",
    "bank",
    "rates",
    "storm",
    "flood",
    "police",
    "court",
    "trial",
    "team",
    "match",
    "season",
    "company",
    "profits",
    "launch",
    "phone",
    "study",
    "health",
    "virus",
    "climate",
    "energy",
    "oil",
    "talks",
    "deal",
    "strike",
    "protest",
    "border",
    "army",
    "ship",
    "pirates",
    "navy",
    "rehab",
    "actress",
    "film",
    "award",
]


def build(tmp: Path, n: int, n_stories: int, seed: int = 0) -> tuple[object, object]:
    from sqlalchemy import insert

    from newsdesk.config import Settings
    from newsdesk.nlp.embed import to_blob
    from newsdesk.store import connect
    from newsdesk.store.models import Article
    from newsdesk.store.models_ai import Enrichment, Story
    from newsdesk.stories.index import VectorIndex, index_dir

    rng = np.random.default_rng(seed)
    settings = Settings(data_dir=tmp)
    engine = connect(settings.db_url)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    # Stories belong to topics (10 stories a topic), so neighbouring stories are related.
    topics = rng.normal(size=(max(1, n_stories // 10), 384)).astype(np.float32)
    centres = topics[rng.integers(0, len(topics), size=n_stories)]
    centres = centres + rng.normal(scale=0.8, size=(n_stories, 384)).astype(np.float32)
    story_of = rng.integers(0, n_stories, size=n)
    vecs = centres[story_of] + rng.normal(scale=1.1, size=(n, 384)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    story_time = {s: now - timedelta(days=float(rng.uniform(0, 60))) for s in range(n_stories)}
    outlets = [f"Outlet {i}" for i in range(300)]
    pyrng = random.Random(seed)
    with engine.begin() as conn:
        conn.execute(
            insert(Story),
            [
                {
                    "id": s + 1,
                    "title": f"Story {s}",
                    "first_seen": story_time[s],
                    "last_seen": story_time[s],
                    "article_count": 0,
                    "outlet_count": 0,
                    "score": 0.0,
                    "created_at": now,
                    "updated_at": now,
                }
                for s in range(n_stories)
            ],
        )
        chunk = 5000
        for start in range(0, n, chunk):
            arts, enrs = [], []
            for i in range(start, min(n, start + chunk)):
                s = int(story_of[i])
                when = story_time[s] + timedelta(hours=pyrng.uniform(0, 36))
                words = " ".join(pyrng.choice(WORDS) for _ in range(60))
                arts.append(
                    {
                        "id": i + 1,
                        "url": f"https://example.test/{i + 1}",
                        "title": f"Headline {i + 1} {pyrng.choice(WORDS)}",
                        "outlet": pyrng.choice(outlets),
                        "published_at": when,
                        "fetched_at": when,
                        "text": words,
                        "html": "",
                        "word_count": 60,
                    }
                )
                dup = i if i > 0 and pyrng.random() < 0.01 else None  # copy of the previous one
                enrs.append(
                    {
                        "article_id": i + 1,
                        "model_version": "bench",
                        "enriched_at": now,
                        "embedding": to_blob(vecs[i]),
                        "story_id": s + 1,
                        "duplicate_of": dup,
                        "seen_at": when,
                    }
                )
            conn.execute(insert(Article), arts)
            conn.execute(insert(Enrichment), enrs)
    index = VectorIndex(index_dir(tmp))
    t0 = time.perf_counter()
    index.add(list(range(1, n + 1)), vecs)
    build_s = time.perf_counter() - t0
    index.save()
    return engine, settings, build_s  # type: ignore[return-value]


def bench_related(n: int, n_stories: int, queries: int) -> dict:
    from newsdesk.store import session_scope
    from newsdesk.stories.index import forget_open_indexes, open_index
    from newsdesk.stories.related import related

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        engine, settings, build_s = build(Path(tmp), n, n_stories)
        setup_s = time.perf_counter() - t0
        forget_open_indexes()
        t0 = time.perf_counter()
        index = open_index(engine, settings.data_dir)  # type: ignore[attr-defined]
        load_s = time.perf_counter() - t0
        rng = random.Random(1)
        ids = [rng.randint(1, n) for _ in range(queries)]
        times = []
        sizes = []
        same = []
        with session_scope(engine) as session:  # type: ignore[arg-type]
            for article_id in ids[:20]:  # warm-up
                related(session, article_id, k=8, index=index)
            for article_id in ids:
                t0 = time.perf_counter()
                items = related(session, article_id, k=8, index=index)
                times.append((time.perf_counter() - t0) * 1000)
                sizes.append(len(items))
                same.append(sum(1 for it in items if it.same_story))
                assert all(it.article_id != article_id for it in items)
        engine.dispose()  # type: ignore[attr-defined]
        forget_open_indexes()
    times.sort()

    def pct(p: float) -> float:
        return times[min(len(times) - 1, int(round(p / 100 * (len(times) - 1))))]

    return {
        "articles": n,
        "stories": n_stories,
        "queries": queries,
        "setup_s": setup_s,
        "index_build_s": build_s,
        "index_open_s": load_s,
        "p50_ms": pct(50),
        "p90_ms": pct(90),
        "p99_ms": pct(99),
        "max_ms": times[-1],
        "mean_items": statistics.mean(sizes),
        "mean_same_story": statistics.mean(same),
    }


def bench_embed(limit: int) -> dict:
    from newsdesk.nlp.embed import Embedder

    files = sorted((SHARED / "bbc-news" / "bbc").glob("*/*.txt"))
    random.Random(0).shuffle(files)
    docs = []
    for path in files[:limit]:
        head, _, body = path.read_text(encoding="latin-1").partition("\n")
        docs.append((head.strip(), body.strip()))
    out = {"documents": len(docs)}
    emb = Embedder()
    emb.embed_articles(docs[:16])  # warm-up
    t0 = time.perf_counter()
    emb.embed_articles(docs)
    out["title_lead_128_docs_per_s"] = len(docs) / (time.perf_counter() - t0)
    long = Embedder(max_tokens=256)
    long.embed_articles(docs[:16])
    t0 = time.perf_counter()
    long.embed([f"{t}. {b}" for t, b in docs])
    out["full_256_docs_per_s"] = len(docs) / (time.perf_counter() - t0)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--stories", type=int, default=30_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--bbc", type=int, default=256, help="BBC articles to embed (0: skip)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results = {"related": bench_related(args.articles, args.stories, args.queries)}
    r = results["related"]
    print(
        f"related(k=8) over {r['articles']:,} synthetic articles / {r['stories']:,} stories, "
        f"{r['queries']} queries: p50 {r['p50_ms']:.2f} ms, p90 {r['p90_ms']:.2f} ms, "
        f"p99 {r['p99_ms']:.2f} ms, max {r['max_ms']:.2f} ms "
        f"(index build {r['index_build_s']:.1f} s, open+check {r['index_open_s']:.1f} s; "
        f"{r['mean_items']:.1f} items, {r['mean_same_story']:.1f} from the same story)"
    )
    if args.bbc and (SHARED / "bbc-news").exists():
        results["embed"] = bench_embed(args.bbc)
        e = results["embed"]
        print(
            f"embedding on {e['documents']} BBC articles: headline+lead (128 tokens) "
            f"{e['title_lead_128_docs_per_s']:.1f} docs/s; full text cut at 256 tokens "
            f"{e['full_256_docs_per_s']:.1f} docs/s"
        )
    if args.json:
        write_json(args.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())

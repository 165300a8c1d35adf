"""Enrichment throughput on BBC News articles: the analysis alone, and the whole stage.

Data: ../shared/data/bbc-news (2,225 BBC articles, 2004-2005; headline = first line).

1. analyze(): entities + hashtags/keyphrases + quotes + descriptions + summary + key points,
   one process with one BLAS thread ("per core"), then analyze_many(n_process=2).
2. The full enrichment stage, `newsdesk.enrich.enrich` as `newsdesk enrich` runs it, on the
   same articles imported into a fresh SQLite database: analysis + embeddings + near-duplicate
   signatures + story terms + tag/quote writes + story clustering + vector index. Run with
   NEWSDESK_ENRICH_WORKERS=1 (all in one process) and with one analysis worker per core.
   CPU time is summed over the process and its workers.
Model loads are excluded (warm-up first).

    python bench/enrich_speed.py [--subset 400] [--json OUT]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from common import SHARED, data_missing, write_json  # noqa: E402

from newsdesk.config import Settings  # noqa: E402
from newsdesk.enrich import enrich  # noqa: E402
from newsdesk.ingest import candidate_from_record, store_candidate  # noqa: E402
from newsdesk.nlp.analyze import MODEL_VERSION, analyze_many  # noqa: E402
from newsdesk.nlp.embed import get_embedder  # noqa: E402
from newsdesk.store import connect, session_scope  # noqa: E402
from newsdesk.stories.index import forget_open_indexes  # noqa: E402

DATA = SHARED / "bbc-news" / "bbc"


def load(subset: int) -> list[tuple[str, str]]:
    files = sorted(DATA.glob("*/*.txt"))
    if subset and subset < len(files):
        step = len(files) / subset
        files = [files[int(i * step)] for i in range(subset)]
    docs = []
    for f in files:
        raw = f.read_text(encoding="latin-1")
        title, _, body = raw.partition("\n")
        docs.append((title.strip(), body.strip()))
    return docs


def tree_cpu() -> float:
    """CPU seconds of this process and its finished children (the analysis workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def full_stage(docs: list[tuple[str, str]], workers: int) -> dict[str, float]:
    """Import `docs` into a fresh database and time one `enrich` run over all of them."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), enrich_workers=workers)
        engine = connect(settings.db_url)
        start = datetime(2026, 11, 1, tzinfo=UTC)
        with session_scope(engine) as session:
            for i, (title, text) in enumerate(docs):
                record = {
                    "url": f"https://news.example/bbc/{i}",
                    "title": title,
                    "text": text,
                    "published": (start + timedelta(minutes=7 * i)).isoformat(),
                    "source": "BBC News",
                }
                store_candidate(session, candidate_from_record(record), None)
        forget_open_indexes()
        t0, c0 = time.perf_counter(), tree_cpu()
        n = enrich(engine, settings)
        wall, cpu = time.perf_counter() - t0, tree_cpu() - c0
        engine.dispose()
    return {
        "articles": n,
        "workers": workers,
        "articles_per_s": round(n / wall, 1),
        "cpu_ms_per_article": round(1000 * cpu / n, 1),
        "articles_per_cpu_s": round(n / cpu, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--subset", type=int, default=400, help="articles (0 = all 2,225)")
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    args = parser.parse_args()
    if data_missing(DATA):
        return 2
    docs = load(args.subset)
    words = sum(len(t.split()) + len(b.split()) for t, b in docs) / len(docs)
    analyze_many(docs[:8])  # load the model, warm caches
    t0, c0 = time.perf_counter(), time.process_time()
    one = analyze_many(docs, n_process=1)
    wall1, cpu1 = time.perf_counter() - t0, time.process_time() - c0
    t0 = time.perf_counter()
    two = analyze_many(docs, n_process=2)
    wall2 = time.perf_counter() - t0
    assert [a.summary for a in one] == [a.summary for a in two]
    n = len(docs)
    get_embedder()
    stage = [full_stage(docs, 1), full_stage(docs, os.cpu_count() or 1)]
    figures = {
        "model_version": MODEL_VERSION,
        "articles": n,
        "mean_words": round(words),
        "per_core_articles_per_s": round(n / wall1, 1),
        "per_core_articles_per_cpu_s": round(n / cpu1, 1),
        "ms_per_article": round(1000 * wall1 / n, 1),
        "two_processes_articles_per_s": round(n / wall2, 1),
        "full_stage": stage,
        "cpus": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    print(f"analyze() on {n} BBC articles (mean {words:.0f} words), {MODEL_VERSION}")
    print(
        f"  1 process : {n / wall1:.1f} articles/s ({1000 * wall1 / n:.1f} ms each; "
        f"{n / cpu1:.1f} per CPU-second)"
    )
    print(f"  2 processes: {n / wall2:.1f} articles/s")
    print("full enrichment stage (analysis + embeddings + dedup + tags + stories + index):")
    for f in stage:
        print(
            f"  {f['workers']} analysis worker(s): {f['articles_per_s']} articles/s, "
            f"{f['cpu_ms_per_article']} ms CPU per article ({f['articles_per_cpu_s']} per CPU-second)"
        )
    print(f"  load average during run: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    if args.json:
        write_json(args.json, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())

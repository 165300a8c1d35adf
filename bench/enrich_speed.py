"""Enrichment throughput: analyze() on BBC News articles, per core and with 2 processes.

Data: ../shared/data/bbc-news (2,225 BBC articles, 2004-2005; headline = first line).
Measures entities + hashtags/keyphrases + quotes + descriptions + summary + key points
(everything `analyze` does; embeddings are not part of it). The model load is excluded
(one warm-up batch first). "per core": one process with BLAS/OpenMP limited to one thread;
"2 processes": analyze_many(n_process=2) (forked workers, one thread each).

    python bench/enrich_speed.py [--subset 400] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from newsdesk.nlp.analyze import MODEL_VERSION, analyze_many  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
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


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--subset", type=int, default=400, help="articles (0 = all 2,225)")
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    args = parser.parse_args()
    if not DATA.exists():
        print(f"data set missing: {DATA}", file=sys.stderr)
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
    figures = {
        "model_version": MODEL_VERSION,
        "articles": n,
        "mean_words": round(words),
        "per_core_articles_per_s": round(n / wall1, 1),
        "per_core_articles_per_cpu_s": round(n / cpu1, 1),
        "ms_per_article": round(1000 * wall1 / n, 1),
        "two_processes_articles_per_s": round(n / wall2, 1),
        "cpus": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    print(f"analyze() on {n} BBC articles (mean {words:.0f} words), {MODEL_VERSION}")
    print(
        f"  1 process : {n / wall1:.1f} articles/s ({1000 * wall1 / n:.1f} ms each; "
        f"{n / cpu1:.1f} per CPU-second)"
    )
    print(f"  2 processes: {n / wall2:.1f} articles/s")
    print(f"  load average during run: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

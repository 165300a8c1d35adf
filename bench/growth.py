"""Growth: how each cost grows with the database (10k, 100k articles; 1M projected).

For each size, the generated database of bench/gen_articles.py (real texts recombined, AI rows
derived in bulk from really enriched seeds; cached under /tmp/newsdesk-gen) is copied and:

- web: `newsdesk serve --no-worker` on loopback answers one client, request after request
  (no concurrency: the cost of one request), over --requests sampled article, story and tag
  pages and searches (page and API); wall ms (p50, p90) and the server's CPU ms per request
  (its /proc CPU time over the endpoint's requests / their number). Requests pick among 2,000
  sampled paths, so most article pages are first views (a web process's cache of article
  slots rarely helps: the cost measured is the cold one); the sampled articles get the summary
  box that enrichment now stores (bench/load.py store_boxes);
- related: `newsdesk.stories.related.related()` in this process for --requests article ids
  (the vector index opened once before, as a web process does), wall and CPU ms per call;
- enrichment: --enrich real ECB+ news documents (../shared/data/ecbplus-story-clusters),
  new to the database, go through `newsdesk import` and then `enrich()` in this process with
  one worker (NEWSDESK_ENRICH_WORKERS=1; a first 10 warm the models up, untimed): wall and CPU
  ms per article over the run (its per-run work included: dedup and vector catch-up, story
  assignment, scores, saving the vector index; CPU is the process's, ONNX threads included);
- story assignment: those articles are taken out of their stories again and
  `assign_stories()` places them (timed, CPU too), then rolled back.

A baseline (a fixed pure-Python loop) is timed at the start of each size, with the load
average, so runs on a busy machine can be told apart. Sizes beyond the measured ones
(--project) are extrapolated on the log-log slope between the two largest measured sizes and
LABELLED "projected".

    python bench/growth.py [--sizes 10000 100000] [--project 1000000] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from common import SHARED, data_missing, write_json
from gen_articles import generate, stamp_version
from ingest import free_port
from load import (
    discover_sampled,
    newsdesk_command,
    process_cpu,
    run_setup_step,
    stop_process,
    store_boxes,
    tail,
    wait_for_port,
)
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from newsdesk.config import Settings
from newsdesk.enrich import enrich
from newsdesk.store import Article, connect
from newsdesk.store.models_ai import Enrichment
from newsdesk.stories.assign import assign_stories
from newsdesk.stories.index import open_index
from newsdesk.stories.related import related

ECB = SHARED / "ecbplus-story-clusters" / "documents.jsonl"
WEB = ("/articles/{id}", "/stories/{id}", "/tags/{slug}", "/search?q=", "/api/v1/search?q=")
WARM = 10  # articles enriched first, untimed (models loaded)


def baseline_ms() -> dict[str, float]:
    """A fixed pure-Python workload: how fast this machine runs Python right now (wall ms, and
    CPU ms: wall well above CPU means other processes had the cores)."""
    started, cpu = time.perf_counter(), time.process_time()
    sum(i * i for i in range(2_000_000))
    return {
        "wall_ms": round(1000 * (time.perf_counter() - started), 1),
        "cpu_ms": round(1000 * (time.process_time() - cpu), 1),
    }


def ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(1000 * ordered[max(0, math.ceil(q * len(ordered)) - 1)], 2)


def web_costs(data: Path, db_url: str, requests: int, logs: Path) -> dict[str, Any]:
    env = os.environ | {
        "NEWSDESK_DATA_DIR": str(data),
        "NEWSDESK_DATABASE_URL": db_url,
        "NEWSDESK_ALLOWED_NETWORKS": "127.0.0.0/8",
    }
    port = free_port()
    with (logs / "serve.log").open("w") as out:
        server = subprocess.Popen(
            [*newsdesk_command(), "serve", "--no-worker", "--host", "127.0.0.1"]
            + ["--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    out_rows: dict[str, Any] = {}
    try:
        try:
            wait_for_port("127.0.0.1", port, server, 180)
        except RuntimeError as exc:
            sys.exit(f"newsdesk serve did not start ({exc}):\n{tail(logs / 'serve.log')}")
        targets = discover_sampled(db_url)
        store_boxes(db_url, targets.paths["/articles/{id}"])  # as enrichment stores them now
        rng = random.Random(15)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            for endpoint in WEB:
                paths = targets.paths[endpoint]
                for path in paths[:5]:  # warm-up
                    client.get(path)
                walls, statuses = [], []
                cpu = process_cpu(server.pid)
                for _ in range(requests):
                    t = time.perf_counter()
                    statuses.append(client.get(rng.choice(paths)).status_code)
                    walls.append(time.perf_counter() - t)
                cpu_ms = 1000 * (process_cpu(server.pid) - cpu) / requests
                out_rows[endpoint] = {
                    "p50_ms": ms(walls, 0.5),
                    "p90_ms": ms(walls, 0.9),
                    "server_cpu_ms": round(cpu_ms, 2),
                    "errors": sum(1 for s in statuses if s >= 400),
                }
    finally:
        stop_process(server)
    return out_rows


def ecb_records(n: int) -> list[dict[str, str]]:
    records = []
    with ECB.open(encoding="utf-8") as fh:
        for line in fh:
            doc = json.loads(line)
            lines = [x for x in doc["text"].split("\n") if x.strip()]
            if len(lines) < 3:
                continue
            records.append(
                {
                    "url": f"https://ecb.example/{doc['doc_id']}",
                    "title": lines[0][:200],
                    "text": "\n".join(lines[1:]),
                    "source": "ECB+",
                    "language": "en",
                }
            )
            if len(records) == n:
                break
    return records


def enrich_costs(data: Path, db_url: str, count: int, requests: int, logs: Path) -> dict[str, Any]:
    env = os.environ | {"NEWSDESK_DATA_DIR": str(data), "NEWSDESK_DATABASE_URL": db_url}
    jsonl = data.parent / "ecb.jsonl"
    records = ecb_records(count + WARM)
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in records))
    run_setup_step(["import", str(jsonl)], env, logs / "import.log", 600)
    settings = Settings.from_env().with_(data_dir=data, database_url=db_url, enrich_workers=1)
    engine = connect(db_url)
    out: dict[str, Any] = {}
    try:
        # related() first: the index as a web process has it (open, before new articles)
        index = open_index(engine, data)
        with Session(engine) as session:
            top = session.scalar(
                select(Enrichment.article_id).order_by(Enrichment.article_id.desc()).limit(1)
            )
        rng = random.Random(15)
        ids = [rng.randint(1, top or 1) for _ in range(requests)]
        related(engine, ids[0], settings=settings, index=index)
        walls, cpu = [], time.process_time()
        for aid in ids:
            t = time.perf_counter()
            related(engine, aid, settings=settings, index=index)
            walls.append(time.perf_counter() - t)
        out["related"] = {
            "p50_ms": ms(walls, 0.5),
            "p90_ms": ms(walls, 0.9),
            "cpu_ms": round(1000 * (time.process_time() - cpu) / len(ids), 2),
        }
        enrich(engine, settings, batch_size=WARM, limit=WARM)  # `limit` counts whole batches
        t, cpu = time.perf_counter(), time.process_time()
        done = enrich(engine, settings)
        wall_s, cpu_s = time.perf_counter() - t, time.process_time() - cpu
        out["enrichment"] = {
            "articles": done,
            "ms_per_article": round(1000 * wall_s / max(done, 1), 1),
            "cpu_ms_per_article": round(1000 * cpu_s / max(done, 1), 1),
        }
        urls = [r["url"] for r in records]
        with Session(engine) as session:
            new = list(session.scalars(select(Article.id).where(Article.url.in_(urls))))
            session.execute(
                update(Enrichment).where(Enrichment.article_id.in_(new)).values(story_id=None)
            )
            index = open_index(engine, data)
            t, cpu = time.perf_counter(), time.process_time()
            placed = assign_stories(session, index)
            wall_s, cpu_s = time.perf_counter() - t, time.process_time() - cpu
            session.rollback()
        out["story_assignment"] = {
            "articles": placed,
            "ms_per_article": round(1000 * wall_s / max(placed, 1), 2),
            "cpu_ms_per_article": round(1000 * cpu_s / max(placed, 1), 2),
            "ms_per_run": round(1000 * wall_s, 1),
        }
    finally:
        engine.dispose()
    return out


def measure(n: int, opts: argparse.Namespace) -> dict[str, Any]:
    cached = generate(n)
    with tempfile.TemporaryDirectory(prefix="newsdesk-growth-") as tmp:
        data, logs = Path(tmp) / "data", Path(tmp) / "logs"
        shutil.copytree(cached, data)
        logs.mkdir()
        db_url = f"sqlite:///{data / 'newsdesk.db'}"
        stamp_version(db_url)
        row: dict[str, Any] = {
            "articles": n,
            "load_average": round(os.getloadavg()[0], 2),
            "baseline_ms": baseline_ms(),
        }
        print(f"{n} articles: web", file=sys.stderr)
        row["web"] = web_costs(data, db_url, opts.requests, logs)
        print(f"{n} articles: related, enrichment, story assignment", file=sys.stderr)
        row |= enrich_costs(data, db_url, opts.enrich, opts.requests, logs)
        row["load_average_end"] = round(os.getloadavg()[0], 2)
    return row


def flat(row: dict[str, Any]) -> dict[str, float]:
    """The figures to compare across sizes: the cost columns of the table."""
    out = {}
    for endpoint, w in row["web"].items():
        out[f"{endpoint} p50 ms"] = w["p50_ms"]
        out[f"{endpoint} server CPU ms"] = w["server_cpu_ms"]
    out["related p50 ms"] = row["related"]["p50_ms"]
    out["related CPU ms"] = row["related"]["cpu_ms"]
    out["story assignment CPU ms/article"] = row["story_assignment"]["cpu_ms_per_article"]
    out["story assignment ms/run"] = row["story_assignment"]["ms_per_run"]
    out["enrichment CPU ms/article"] = row["enrichment"]["cpu_ms_per_article"]
    out["enrichment ms/article"] = row["enrichment"]["ms_per_article"]
    return out


def project(measured: list[dict[str, Any]], n: int) -> dict[str, float]:
    """Each cost at n articles on the log-log slope of the two largest measured sizes."""
    (a, fa), (b, fb) = [(r["articles"], flat(r)) for r in measured[-2:]]
    out = {}
    for key, vb in fb.items():
        va = fa[key]
        slope = math.log(vb / va) / math.log(b / a) if va > 0 and vb > 0 else 0.0
        out[key] = round(vb * (n / b) ** slope, 2)
    return out


def print_table(measured: list[dict[str, Any]], projected: dict[int, dict[str, float]]) -> None:
    columns = [(f"{r['articles']:,}", flat(r)) for r in measured]
    columns += [(f"{n:,} (projected)", p) for n, p in projected.items()]
    keys = list(columns[0][1])
    width = max(len(k) for k in keys) + 2
    print("cost".ljust(width) + "".join(f"{label:>22}" for label, _ in columns))
    for key in keys:
        print(key.ljust(width) + "".join(f"{c[key]:>22}" for _, c in columns))
    print(
        "load average at start: "
        + ", ".join(f"{r['articles']:,}: {r['load_average']}" for r in measured)
        + "; baseline loop ms: "
        + ", ".join(f"{r['articles']:,}: {r['baseline_ms']}" for r in measured)
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--project", type=int, nargs="*", default=[1_000_000])
    parser.add_argument("--requests", type=int, default=200, help="per web endpoint / related")
    parser.add_argument("--enrich", type=int, default=100, help="new articles enriched")
    parser.add_argument("--json", type=Path)
    opts = parser.parse_args()
    if data_missing(ECB):
        return 2
    measured = [measure(n, opts) for n in sorted(opts.sizes)]
    projected = {n: project(measured, n) for n in opts.project} if len(measured) > 1 else {}
    print_table(measured, projected)
    if opts.json:
        write_json(
            opts.json,
            {
                "benchmark": "growth",
                "measured": measured,
                "projected": {str(n): p for n, p in projected.items()},
                "projection": "log-log slope between the two largest measured sizes",
            },
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

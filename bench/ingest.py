"""End-to-end ingest benchmark: fetch -> extract -> store from a loopback server.

Serves real article pages (../shared/data article-extraction-benchmark + trafilatura-eval) and
teaser RSS feeds pointing at them from a separate `python -m http.server` process, runs one
`newsdesk` refresh into a fresh SQLite database, and reports articles/s, CPU per article and peak memory (PSS) of the
newsdesk process tree.

    python bench/ingest.py [--pages 600] [--feeds 20] [--workers 2] [--no-dates] [--json OUT]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import gzip
import json
import os
import platform
import resource
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

from common import SHARED, write_json
from sqlalchemy import func, select

from newsdesk.config import Settings
from newsdesk.pipeline import refresh
from newsdesk.store import Article, Feed, connect, session_scope


def real_pages(limit: int) -> list[bytes]:
    pages: list[bytes] = []
    for folder in (
        SHARED / "article-extraction-benchmark" / "html",
        SHARED / "trafilatura-eval" / "html",
    ):
        for path in sorted(folder.glob("*.gz")):
            pages.append(gzip.decompress(path.read_bytes()))
            if len(pages) >= limit:
                return pages
    return pages


def _cpu() -> tuple[float, float]:
    """CPU seconds of this process, and of its finished children (the extraction pool)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime


def process_cpu(pid: int) -> float:
    """CPU seconds used so far by a running process (utime + stime from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_site(
    root: Path, pages: list[bytes], n_feeds: int, base: str, dates: bool = True
) -> list[str]:
    (root / "p").mkdir()
    when = datetime(2026, 11, 25, 12, tzinfo=UTC)
    items: list[list[str]] = [[] for _ in range(n_feeds)]
    for i, html in enumerate(pages):
        (root / "p" / f"{i}.html").write_bytes(html)
        link = f"{base}/p/{i}.html"
        items[i % n_feeds].append(
            f"<item><title>Article {i}</title><link>{link}</link><guid>{link}</guid>"
            f"<description>Teaser {i}.</description>"
            + (
                f"<pubDate>{format_datetime(when - timedelta(minutes=i))}</pubDate>"
                if dates
                else ""
            )
            + "</item>"
        )
    urls = []
    for f, entries in enumerate(items):
        xml = (
            '<?xml version="1.0"?><rss version="2.0"><channel>'
            f"<title>{escape(f'Outlet {f}')}</title><link>{base}/</link>"
            + "".join(entries)
            + "</channel></rss>"
        )
        (root / f"feed{f}.xml").write_text(xml)
        urls.append(f"{base}/feed{f}.xml")
    return urls


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=600)
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--no-dates",
        action="store_true",
        help="feed items without pubDate: each page's own date is searched for",
    )
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    args = parser.parse_args()
    if not SHARED.exists():
        sys.exit(f"shared data not found at {SHARED}")

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        site, data = root / "site", root / "data"
        site.mkdir()
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        pages = real_pages(args.pages)
        feed_urls = write_site(site, pages, args.feeds, base, dates=not args.no_dates)
        n_pages = len(pages)
        del pages  # served from disk: the benchmark's copy is not newsdesk's memory
        gc.collect()
        server = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
            cwd=site,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                    break
                except OSError:
                    time.sleep(0.05)
            settings = Settings(
                data_dir=data,
                allowed_networks=("127.0.0.0/8",),
                extract_workers=args.workers,
                per_host_concurrency=32,  # one loopback host stands in for many outlets
                concurrency=32,
            )
            engine = connect(settings.db_url)
            with session_scope(engine) as session:
                session.add_all(Feed(url=u) for u in feed_urls)
            load_start = round(os.getloadavg()[0], 2)
            sampler = subprocess.Popen(
                [sys.executable, str(Path(__file__).with_name("memsample.py"))]
                + [str(os.getpid()), str(server.pid)],
                stdout=subprocess.PIPE,
                text=True,
            )
            assert sampler.stdout is not None and sampler.stdout.readline().strip() == "ready"
            started = time.perf_counter()
            main_before, pool_before = _cpu()
            server_before = process_cpu(server.pid)
            report = asyncio.run(refresh(engine, settings))
            elapsed = time.perf_counter() - started
            server_cpu = process_cpu(server.pid) - server_before
            main_after, pool_after = _cpu()
            sampler.terminate()
            peaks = json.loads(sampler.communicate()[0])
            main_cpu = main_after - main_before
            pool_cpu = pool_after - pool_before
            cpu = main_cpu + pool_cpu
            with session_scope(engine) as session:
                stored = session.scalar(select(func.count()).select_from(Article)) or 0
                full = session.scalar(
                    select(func.count()).select_from(Article).where(Article.word_count >= 50)
                )
        finally:
            server.terminate()
            server.wait()

    figures = {
        "benchmark": "ingest",
        "pages_served": n_pages,
        "feeds": args.feeds,
        "feed_dates": not args.no_dates,
        "workers": args.workers,
        "articles_stored": stored,
        "articles_with_full_text": full,
        "feed_errors": len(report.errors),
        "seconds": round(elapsed, 2),
        "articles_per_second": round(stored / elapsed, 1),
        "peak_pss_mb": round(peaks["pss_kb"] / 1024, 1),
        "peak_rss_sum_mb": round(peaks["rss_kb"] / 1024, 1),
        "cpu_seconds": round(cpu, 2),
        "cpu_ms_per_article": round(1000 * cpu / max(stored, 1), 1),
        "main_cpu_ms_per_article": round(1000 * main_cpu / max(stored, 1), 1),
        "workers_cpu_ms_per_article": round(1000 * pool_cpu / max(stored, 1), 1),
        "http_server_cpu_seconds": round(server_cpu, 2),
        "memory_sampler_cpu_seconds": round(peaks["cpu"], 2),
        "load_average_at_start": load_start,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
    }
    for key, value in figures.items():
        print(f"{key:>24}: {value}")
    if args.json:
        write_json(args.json, figures)


if __name__ == "__main__":
    main()

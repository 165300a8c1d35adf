"""End-to-end ingest benchmark: fetch -> extract -> store from a loopback server.

Serves real article pages (../shared/data article-extraction-benchmark + trafilatura-eval) and
teaser RSS feeds pointing at them from a separate HTTP server process, runs one `newsdesk`
refresh into a fresh SQLite database, and reports articles/s, CPU per article and peak memory
(PSS) of the newsdesk process tree. The feeds are on 127.0.0.1 and each feed's pages on an
address of its own (127.0.0.2, .3, ...: one outlet, one host), so the per-host limits
(NEWSDESK_PAGES_PER_HOST_PER_MINUTE, NEWSDESK_PER_HOST_CONCURRENCY) apply as on the web.

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
from newsdesk.ingest import refresh
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


# The site server: one process, a threaded http.server on each of the given addresses.
SERVE = """
import functools, sys, threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass
root, port, hosts = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
handler = functools.partial(Quiet, directory=root)
servers = [ThreadingHTTPServer((host, port), handler) for host in hosts]
for server in servers[1:]:
    threading.Thread(target=server.serve_forever, daemon=True).start()
servers[0].serve_forever()
"""


def page_host(feed: int) -> str:
    """The loopback address serving the pages of feed number `feed` (feeds: 127.0.0.1)."""
    if feed > 252:
        sys.exit("at most 253 feeds: one loopback address 127.0.0.x each")
    return f"127.0.0.{feed + 2}"


def wait_for(host: str, port: int) -> None:
    for _ in range(100):
        try:
            socket.create_connection((host, port), timeout=0.1).close()
            return
        except OSError:
            time.sleep(0.05)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_site(
    root: Path, pages: list[bytes], n_feeds: int, port: int, dates: bool = True
) -> list[str]:
    (root / "p").mkdir()
    when = datetime(2026, 11, 25, 12, tzinfo=UTC)
    items: list[list[str]] = [[] for _ in range(n_feeds)]
    base = f"http://127.0.0.1:{port}"
    for i, html in enumerate(pages):
        (root / "p" / f"{i}.html").write_bytes(html)
        link = f"http://{page_host(i % n_feeds)}:{port}/p/{i}.html"
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
        pages = real_pages(args.pages)
        feed_urls = write_site(site, pages, args.feeds, port, dates=not args.no_dates)
        hosts = ["127.0.0.1"] + [page_host(f) for f in range(args.feeds)]
        n_pages = len(pages)
        del pages  # served from disk: the benchmark's copy is not newsdesk's memory
        gc.collect()
        server = subprocess.Popen(
            [sys.executable, "-c", SERVE, str(site), str(port), *hosts],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for host in hosts:
                wait_for(host, port)
            settings = Settings(
                data_dir=data,
                allowed_networks=("127.0.0.0/8",),
                extract_workers=args.workers,
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
        "page_limits": (
            f"{settings.max_pages_per_feed}/feed, {settings.pages_per_host_per_minute:g}/min per "
            f"host after a burst of {settings.pages_per_host_burst}, "
            f"{settings.per_host_concurrency} at once per host"
        ),
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

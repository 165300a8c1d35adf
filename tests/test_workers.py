"""`newsdesk worker` processes sharing one database: claims (ingest.leases) keep them from
fetching or enriching anything twice. Here on SQLite; on PostgreSQL, with crashes, in
tests/test_workers_pg.py (which uses the helpers below).

The site: real pages on loopback (the article-extraction benchmark's HTML, and ECB+ reports
rendered as plain article pages, so that the stories are real ones), listed as teasers by
several RSS feeds, every item dated (the result does not depend on when it was fetched).
"""

from __future__ import annotations

import contextlib
import gzip
import html
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from newsdesk.config import Settings
from newsdesk.ingest.leases import (
    FEED,
    claim_articles,
    claim_feeds,
    release,
    release_all,
    renew,
)
from newsdesk.store import Article, connect, session_scope
from newsdesk.store.models import Feed, FeedArticle, Lease

try:
    from .conftest import LoopbackServer, shared_data
    from .test_pipeline import rss
    from .test_serve_processes import children, cmdline, still_running
except ImportError:
    from conftest import LoopbackServer, shared_data  # type: ignore[no-redef]
    from test_pipeline import rss  # type: ignore[no-redef]
    from test_serve_processes import (  # type: ignore[no-redef]
        children,
        cmdline,
        still_running,
    )

ECB_TOPICS = (1, 2, 3, 4)


def site_pages(n_bench: int, n_ecb: int) -> list[tuple[str, bytes]]:
    """(path, html) of real article pages: benchmark pages, then ECB+ reports."""
    root = shared_data("article-extraction-benchmark")
    truth = json.loads((root / "ground-truth.json").read_text())
    pages = [
        (f"/bench/{key}.html", gzip.decompress((root / "html" / f"{key}.html.gz").read_bytes()))
        for key in sorted(truth)[:n_bench]
    ]
    data = shared_data("ecbplus-story-clusters")
    docs = [json.loads(line) for line in (data / "documents.jsonl").read_text().splitlines()]
    docs = [d for d in docs if d["topic"] in ECB_TOPICS][:n_ecb]
    for doc in docs:
        lines = [x for x in doc["text"].split("\n") if x.strip()]
        if doc.get("source_url_tokens"):
            lines = lines[1:]
        title, body = html.escape(lines[0]), "".join(f"<p>{html.escape(x)}</p>" for x in lines)
        page = (
            f"<!doctype html><html><head><title>{title}</title></head><body><header>"
            f"<nav><a href='/'>Home</a></nav></header><article><h1>{title}</h1>{body}"
            "</article><footer>Copyright</footer></body></html>"
        )
        pages.append((f"/ecb/{doc['doc_id']}.html", page.encode()))
    return pages


def serve_news_site(
    server: LoopbackServer, pages: list[tuple[str, bytes]], n_feeds: int
) -> list[str]:
    """Serve the pages and `n_feeds` teaser feeds listing them in turn; returns the feed URLs."""
    when = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    items: list[list[dict[str, str]]] = [[] for _ in range(n_feeds)]
    for i, (path, body) in enumerate(pages):
        url = server.route(path, body)
        items[i % n_feeds].append(
            {
                "title": f"Item {i}",
                "link": url,
                "guid": f"item-{i}",
                "description": "A short teaser.",
                "pubDate": format_datetime(when - timedelta(minutes=37 * i)),
            }
        )
    server.route("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    return [
        server.route(
            f"/feed{f}.xml", rss(f"Desk {f}", items[f]), content_type="application/rss+xml"
        )
        for f in range(n_feeds)
    ]


def subscribe(settings: Settings, urls: list[str]) -> None:
    with session_scope(connect(settings.db_url)) as session:
        session.add_all(Feed(url=u) for u in urls)


def worker_env(settings: Settings, data_dir: Path, lease: float = 300.0) -> dict[str, str]:
    """The environment of a `newsdesk worker` on `settings`' database, data in `data_dir`."""
    return {
        **os.environ,
        "NEWSDESK_DATA_DIR": str(data_dir),
        "NEWSDESK_DATABASE_URL": settings.db_url,
        "NEWSDESK_ALLOWED_NETWORKS": "127.0.0.0/8",
        "NEWSDESK_LEASE_SECONDS": str(lease),
        "NEWSDESK_EXTRACT_WORKERS": "1",
        "NEWSDESK_ENRICH_WORKERS": "1",
        "NEWSDESK_CONCURRENCY": "1",  # feeds per claim: 4, so that the workers share them
        "NEWSDESK_PER_HOST_CONCURRENCY": "4",
        "NEWSDESK_PAGES_PER_HOST_PER_MINUTE": "100000",
        "NEWSDESK_PAGES_PER_HOST_BURST": "1000",
        "NEWSDESK_TIMEOUT": "10",
        "OPENBLAS_NUM_THREADS": "1",
    }


START = b"--- newsdesk worker starting\n"  # written to the log before each start


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`newsdesk worker` in a process group of its own (with its extraction processes)."""
    with log.open("ab") as out:
        out.write(START)
        out.flush()
        return subprocess.Popen(
            [sys.executable, "-m", "newsdesk.cli", "worker", "--tick", "0.5"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_worker(
    proc: subprocess.Popen[bytes], log: Path | None = None, timeout: float = 60.0
) -> int:
    """SIGTERM, as systemd stops it; returns the exit code. With `log`, first waits (up to 30 s)
    until the worker has said it runs: before its first line Python may still be starting, and
    a SIGTERM there ends it as any process (-15), before newsdesk can handle it."""
    deadline = time.monotonic() + 30
    while log is not None and proc.poll() is None and time.monotonic() < deadline:
        if b"newsdesk worker on" in log.read_bytes().rsplit(START, 1)[-1]:
            break
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def settings_for(data_dir: Path, database_url: str = "") -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        allowed_networks=("127.0.0.0/8",),
        timeout=10.0,
        extract_workers=1,
        enrich_workers=1,
        pages_per_host_per_minute=100000.0,
        pages_per_host_burst=1000,
        per_host_concurrency=4,
        secret_key="test-secret",
    )


def page_requests(server: LoopbackServer) -> Counter[str]:
    """How many times each page and feed was fetched."""
    return Counter(path for path, _ in server.requests if path != "/robots.txt")


def test_claims_exclude_each_other_expire_and_end_with_the_result(settings: Settings) -> None:
    engine = connect(settings.db_url)
    subscribe(settings, [f"https://feeds.example/{i}.xml" for i in range(3)])
    now = datetime.now(UTC)
    first = claim_feeds(engine, "a", 2, 60, now)
    second = claim_feeds(engine, "b", 2, 60, now)
    assert len(first) == 2 and len(second) == 1 and not set(first) & set(second)
    assert claim_feeds(engine, "c", 5, 60, now) == []  # all held
    assert renew(engine, "b", 600) == 1
    later = now + timedelta(seconds=120)  # a's leases expired; b renewed its own
    taken = claim_feeds(engine, "c", 5, 60, later)
    assert taken == first
    with session_scope(engine) as session:
        release(session, FEED, [fid for fid, _ in first], "a")  # not a's any more: no effect
        assert session.scalar(select(func.count()).select_from(Lease)) == 3
        release(session, FEED, [fid for fid, _ in first], "c")
        assert session.scalar(select(func.count()).select_from(Lease)) == 1
    with session_scope(engine) as session:
        session.add_all(Article(url=f"https://news.example/{i}", text="x") for i in range(5))
    with session_scope(engine) as session:
        ids = claim_articles(session, "a", "v1", 3, 60, now=now)
        assert ids == sorted(ids) and len(ids) == 3
        rest = claim_articles(session, "b", "v1", 3, 60, now=now)
        assert len(rest) == 2 and not set(ids) & set(rest)
        assert claim_articles(session, "a", "v1", 3, 60, after=ids[-1], now=now) == []
    release_all(engine, "a")
    with session_scope(engine) as session:
        assert claim_articles(session, "c", "v1", 9, 60, now=now) == ids


@pytest.mark.slow
def test_two_workers_on_one_sqlite_file_fetch_each_feed_and_page_once(
    tmp_path: Path, http_server: LoopbackServer
) -> None:
    pages = site_pages(24, 0)
    feeds = serve_news_site(http_server, pages, 8)
    for url in feeds:  # slow feeds: a worker's claim lasts long enough for the other to claim
        path = url.removeprefix(http_server.url(""))
        http_server.routes[path].delay = 0.4
    settings = settings_for(tmp_path)
    subscribe(settings, feeds)
    env = worker_env(settings, tmp_path)  # one data directory, one SQLite file
    procs = [start_worker(env, tmp_path / f"worker{i}.log") for i in range(2)]
    engine = connect(settings.db_url)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            with session_scope(engine) as session:
                fetched = session.scalar(
                    select(func.count()).select_from(Feed).where(Feed.last_success_at.is_not(None))
                )
            if fetched == len(feeds):
                break
            assert all(p.poll() is None for p in procs), "a worker died"
            time.sleep(0.3)
        assert fetched == len(feeds)
    finally:
        codes = [stop_worker(p, tmp_path / f"worker{i}.log") for i, p in enumerate(procs)]
    assert codes == [0, 0]
    logs = [(tmp_path / f"worker{i}.log").read_text() for i in range(2)]
    requests = page_requests(http_server)
    assert {path: n for path, n in requests.items() if n > 1} == {}, "fetched twice"
    assert set(requests) == {p for p, _ in pages} | {
        u.removeprefix(http_server.url("")) for u in feeds
    }
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(Article)) == len(pages)
        assert session.scalar(select(func.count()).select_from(FeedArticle)) == len(pages)
        assert session.scalar(select(func.count()).select_from(Lease)) == 0  # released on exit
    # Both took part (8 slow feeds, 4 per claim): each log names the feeds it refreshed.
    assert all("refreshed" in log for log in logs), logs


def _niceness(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def test_worker_yields_the_cpu_to_readers(settings: Settings, tmp_path: Path) -> None:
    """`newsdesk worker` lowers its priority by NEWSDESK_WORKER_NICE (web processes first)."""
    env = worker_env(settings, tmp_path) | {"NEWSDESK_WORKER_NICE": "7"}
    log = tmp_path / "worker.log"
    proc = start_worker(env, log)
    try:
        deadline = time.monotonic() + 60
        while b"newsdesk worker on" not in log.read_bytes() and time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()
            time.sleep(0.1)
        assert _niceness(proc.pid) == min(19, os.nice(0) + 7)
        # a session of its own (start_worker: setsid): its scheduling group is lowered too
        autogroup = Path(f"/proc/{proc.pid}/autogroup")
        if autogroup.exists():
            assert autogroup.read_text().split()[-1] == "7"
    finally:
        assert stop_worker(proc, log) == 0


def _enriching_worker(settings: Settings, tmp_path: Path) -> subprocess.Popen[bytes]:
    """A `newsdesk worker` with an enrichment worker process, started on 480 BBC articles."""
    try:
        from .stories_support import bbc_business_records, import_records
    except ImportError:
        from stories_support import bbc_business_records, import_records  # type: ignore[no-redef]

    import_records(settings, bbc_business_records(shared_data("bbc-news"), range(1, 481)))
    env = worker_env(settings, tmp_path) | {"NEWSDESK_ENRICH_WORKERS": "2"}
    return start_worker(env, tmp_path / "worker.log")


def test_worker_stopped_with_its_group_writes_its_batches_and_releases_the_rest(
    settings: Settings, tmp_path: Path
) -> None:
    """systemd stops a service with SIGTERM to every process of it, Ctrl-C reaches the whole
    foreground group: the enrichment workers leave the stop to their parent, which claims no
    more articles, writes the batches under way and releases the rest (it used to lose its
    workers, log them as failed and analyse its whole pass alone)."""
    from newsdesk.enrich import pending_count
    from newsdesk.store.models_ai import Enrichment

    proc = _enriching_worker(settings, tmp_path)
    log = tmp_path / "worker.log"
    engine = connect(settings.db_url)
    try:
        deadline = time.monotonic() + 300
        written = 0
        while written == 0 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
            with session_scope(engine) as session:
                written = session.scalar(select(func.count()).select_from(Enrichment)) or 0
        assert written > 0, log.read_text()
        os.killpg(proc.pid, signal.SIGTERM)
        assert proc.wait(300) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    text = log.read_text()
    assert "worker failed" not in text and "unavailable" not in text, text
    assert "worker stopped; its claims are released" in text
    with session_scope(engine) as session:
        enriched = session.scalar(select(func.count()).select_from(Enrichment)) or 0
        stored = session.scalar(select(func.count()).select_from(Article)) or 0
        assert session.scalar(select(func.count()).select_from(Lease)) == 0
    assert 0 < enriched < stored  # stopped within its pass (512 articles)
    assert pending_count(engine) == stored - enriched


def test_pool_processes_end_when_their_worker_is_killed(
    settings: Settings, tmp_path: Path, http_server: LoopbackServer
) -> None:
    """A worker killed alone (SIGKILL, the out-of-memory killer) leaves no process behind:
    its extraction processes (forked) and enrichment process (spawned) used to wait on their
    task queues forever, each holding hundreds of MB."""
    subscribe(settings, serve_news_site(http_server, site_pages(4, 0), 1))
    proc = _enriching_worker(settings, tmp_path)
    try:
        deadline = time.monotonic() + 120
        kinds: dict[int, str] = {}
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
            for child in children(proc.pid):
                line = cmdline(child)
                if not line:  # ended meanwhile
                    continue
                kinds[child] = (
                    "enrich"
                    if "spawn_main" in line
                    else "tracker"
                    if "resource_tracker" in line
                    else "extract"
                )
            if {"enrich", "extract"} <= set(kinds.values()):
                break
        assert {"enrich", "extract"} <= set(kinds.values()), (tmp_path / "worker.log").read_text()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert [kinds[c] for c in still_running(kinds)] == []
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

"""Hostile input to the ingest pipeline: on loopback, into real SQLite, counted exactly.

An event loop that keeps answering, bounded items and page fetches per feed, a per-host
page rate, a JSONL import that loses no line, and an OPML import that says what it skipped.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import sqlite3
import threading
import time
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import TypeVar
from xml.sax.saxutils import escape

import pytest
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from newsdesk.cli import app
from newsdesk.config import Settings
from newsdesk.ingest import candidate_from_entry, refresh
from newsdesk.sources.feeds import parse_feed, parse_feed_bounded
from newsdesk.sources.fetch import HostPacer
from newsdesk.sources.opml import SkippedOutline, read_opml
from newsdesk.store import Article, ErrorRecord, Feed, FeedArticle, connect, session_scope
from newsdesk.store.models import Base

from .conftest import LoopbackServer, shared_data
from .test_pipeline import add_feeds

T = TypeVar("T")
WHEN = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
WORDS = ["lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit"]


def rss_items(items: list[str], title: str = "Hostile") -> bytes:
    head = f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}'
    return (head + "</title>" + "".join(items) + "</channel></rss>").encode()


def item(link: str, title: str, when: datetime | None = None, text: str = "Teaser.") -> str:
    date = f"<pubDate>{format_datetime(when)}</pubDate>" if when else ""
    return (
        f"<item><title>{escape(title)}</title><link>{escape(link)}</link>"
        f"<guid>{escape(link)}</guid>{date}<description>{escape(text)}</description></item>"
    )


def article_page(n: int) -> str:
    """A page whose article (about 300 words, distinct per n) extracts."""
    body = "".join(
        f"<p>Paragraph {k} of report {n}: " + " ".join(f"{w}{n}x{k}" for w in WORDS * 2) + ".</p>"
        for k in range(12)
    )
    return (
        f"<html><head><title>Report {n}</title></head><body><article>{body}</article></body></html>"
    )


async def ticking(work: Awaitable[T]) -> tuple[T, float]:
    """Await `work` while a ticker on the same loop wakes every 5 ms; (result, longest gap)."""
    gaps: list[float] = []
    done = asyncio.Event()

    async def tick() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0)
    try:
        result = await work
    finally:
        done.set()
        await ticker
    return result, max(gaps)


def count(engine: Engine, model: type[Base], *where: ColumnElement[bool]) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


# ---------------------------------------------------------------- 1. the event loop


@pytest.mark.slow
def test_heavy_item_is_processed_off_the_event_loop(
    http_server: LoopbackServer, settings: Settings
):
    """A feed item of 1 MB of HTML (sanitizing, text, language: ~1 s of CPU) does not stop
    the loop that `serve` shares with the web app: its longest pause is a small part of what
    the same work takes when run directly."""
    para = "<p>" + " ".join(f"<b>{w}</b> <a href='/x{i}'>{w}</a>" for i, w in enumerate(WORDS * 4))
    heavy = (para + "</p>") * 900
    body = rss_items([item(http_server.url("/a/1"), "Heavy", WHEN, heavy)])
    feed = http_server.route("/heavy.xml", body, content_type="application/rss+xml")
    entries = parse_feed(body, feed).entries
    started = time.perf_counter()
    candidate_from_entry(entries[0], "Hostile")
    direct = time.perf_counter() - started
    add_feeds(settings, [feed])
    engine = connect(settings.db_url)
    settings = settings.with_(full_text_min_words=0)
    report, longest = asyncio.run(ticking(refresh(engine, settings)))
    assert report.new_articles == 1 and not report.errors
    assert longest < direct / 4, (longest, direct)


@pytest.mark.slow
def test_loop_keeps_running_while_another_process_holds_the_database(
    http_server: LoopbackServer, settings: Settings
):
    """While another connection holds SQLite's write lock (BEGIN IMMEDIATE) the refresh's
    write waits for it, in a thread: the loop goes on ticking, and the write lands after."""
    items = [item(http_server.url(f"/a/{n}"), f"Story {n}", WHEN, "Full text.") for n in range(3)]
    feed = http_server.route("/f.xml", rss_items(items), content_type="application/rss+xml")
    add_feeds(settings, [feed])
    engine = connect(settings.db_url)
    hold = 2.0
    locked, released = threading.Event(), []

    def hold_lock() -> None:
        conn = sqlite3.connect(settings.data_dir / "newsdesk.db", isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        locked.set()
        time.sleep(hold)
        released.append(time.perf_counter())
        conn.execute("COMMIT")
        conn.close()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    assert locked.wait(10)
    started = time.perf_counter()
    report, longest = asyncio.run(ticking(refresh(engine, settings.with_(full_text_min_words=0))))
    finished = time.perf_counter()
    holder.join()
    assert report.new_articles == 3 and not report.errors
    assert finished >= released[0]  # the write did wait for the lock...
    assert finished - started >= hold / 2
    assert longest < hold / 4, longest  # ...and the loop did not


# ---------------------------------------------------------------- 2. items per feed


@pytest.mark.slow
def test_huge_feed_keeps_the_newest_items_and_records_the_rest(
    http_server: LoopbackServer, settings: Settings
):
    """100,000 items listed oldest first: the newest 1000 are stored, the 99,000 skipped are
    recorded against the feed, which does not fail."""
    total, limit = 100_000, 1000
    base = http_server.url("/a/")
    parts = [
        f"<item><title>I{n}</title><link>{base}{n}</link>"
        f"<pubDate>{format_datetime(WHEN - timedelta(minutes=total - n))}</pubDate></item>"
        for n in range(total)
    ]
    feed = http_server.route("/huge.xml", rss_items(parts), content_type="application/rss+xml")
    add_feeds(settings, [feed])
    engine = connect(settings.db_url)
    settings = settings.with_(full_text_min_words=0, max_body_bytes=32 << 20)
    assert settings.max_items_per_feed == limit  # the default
    report = asyncio.run(refresh(engine, settings))
    assert report.new_articles == limit and not report.errors
    with session_scope(engine) as session:
        titles = set(session.scalars(select(Article.title)))
        assert titles == {f"I{n}" for n in range(total - limit, total)}
        assert session.scalar(select(func.count()).select_from(FeedArticle)) == limit
        notes = session.scalars(select(ErrorRecord)).all()
        assert [(e.stage, e.url) for e in notes] == [("limit", feed)]
        assert "lists 100000 items" in notes[0].message
        assert "skipped 99000" in notes[0].message
        stored = session.scalars(select(Feed)).one()
        assert stored.last_error is None and stored.error_count == 0


def test_item_bound_without_dates_keeps_document_order() -> None:
    parts = [item(f"http://e.example/{n}", f"T{n}") for n in range(20)]
    parsed, skipped = parse_feed_bounded(rss_items(parts), "http://e.example/f", None, 5)
    assert [e.title for e in parsed.entries] == ["T0", "T1", "T2", "T3", "T4"] and skipped == 15
    unbounded, none = parse_feed_bounded(rss_items(parts), "http://e.example/f", None, 0)
    assert len(unbounded.entries) == 20 and none == 0


def test_item_bound_prefers_dated_newest_and_reads_malformed_and_json_feeds() -> None:
    dates = [WHEN - timedelta(hours=h) for h in (5, 1, 9, 3, 7)]
    parts = [item(f"http://e.example/{n}", f"T{n}", d) for n, d in enumerate(dates)]
    parts.insert(2, item("http://e.example/undated", "Undated"))
    body = rss_items(parts)
    parsed, skipped = parse_feed_bounded(body, "http://e.example/f", None, 3)
    assert [e.title for e in parsed.entries] == ["T0", "T1", "T3"] and skipped == 3
    # Not well-formed XML (an undefined entity): found by pattern, cut the same way.
    broken = body.replace(b"<title>T2</title>", b"<title>T2&nbsp;</title>")
    parsed, skipped = parse_feed_bounded(broken, "http://e.example/f", None, 3)
    assert [e.title for e in parsed.entries] == ["T0", "T1", "T3"] and skipped == 3
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "items": [
            {"id": f"j{n}", "url": f"http://e.example/j{n}", "date_published": d.isoformat()}
            for n, d in enumerate(dates)
        ],
    }
    parsed, skipped = parse_feed_bounded(json.dumps(doc).encode(), "http://e.example/j", None, 2)
    assert [e.guid for e in parsed.entries] == ["j1", "j3"] and skipped == 3


def _rank(dates: list[datetime | None], i: int) -> tuple[bool, float, int]:
    moment = dates[i]
    return (moment is None, -moment.timestamp() if moment else 0, i)


@pytest.mark.slow
def test_item_bound_on_real_feeds_keeps_what_a_full_parse_ranks_newest() -> None:
    """On 70 real RSS, Atom and JSON feeds, cutting before the parser keeps exactly the
    entries a full parse gives that are newest (undated last, in document order)."""
    root = shared_data("syndikit-real-feeds")
    checked = 0
    for path in sorted(root.glob("XML/*.gz")) + sorted(root.glob("JSON/*.gz")):
        body = gzip.decompress(path.read_bytes())
        kind = "application/feed+json" if path.parent.name == "JSON" else None
        full = parse_feed(body, "https://e.example/f", kind).entries
        for limit in (1, 3):
            if len(full) <= limit:
                continue

            dates = [e.published for e in full]
            newest = sorted(sorted(range(len(full)), key=lambda i: _rank(dates, i))[:limit])
            bounded, skipped = parse_feed_bounded(body, "https://e.example/f", kind, limit)
            assert [e.guid for e in bounded.entries] == [full[i].guid for i in newest], path
            assert skipped >= len(full) - limit, path  # more if the feed repeats items
            checked += 1
    assert checked >= 120


# ---------------------------------------------------------------- 3. page fetches


def _teaser_feed(server: LoopbackServer, n: int, dated: bool = True) -> tuple[str, list[str]]:
    """A teaser feed of n items whose pages are served; (feed URL, links newest first).

    Listed in a shuffled order, so that "newest first" is the dates' doing."""
    server.route("/robots.txt", "User-agent: *\nDisallow:\n", content_type="text/plain")
    links = [server.route(f"/p/{k}.html", article_page(k)) for k in range(n)]
    order = [(k * 5) % n for k in range(n)]  # n coprime with 5: a permutation
    items = [
        item(links[k], f"Report {k}", WHEN - timedelta(hours=k) if dated else None) for k in order
    ]
    url = server.route("/teasers.xml", rss_items(items), content_type="application/rss+xml")
    return url, links


def test_page_fetches_are_capped_per_feed_newest_first(
    http_server: LoopbackServer, settings: Settings
):
    feed, links = _teaser_feed(http_server, 12)
    add_feeds(settings, [feed])
    engine = connect(settings.db_url)
    report = asyncio.run(refresh(engine, settings.with_(max_pages_per_feed=5)))
    assert report.new_articles == 12 and not report.errors
    fetched = [path for path, _ in http_server.requests if path.startswith("/p/")]
    assert sorted(fetched) == sorted(f"/p/{k}.html" for k in range(5))  # the 5 newest
    with session_scope(engine) as session:
        articles = {a.title: a for a in session.scalars(select(Article))}
        for k in range(5):
            assert articles[f"Report {k}"].word_count > 100
            assert articles[f"Report {k}"].extraction_error is None
        for k in range(5, 12):
            assert articles[f"Report {k}"].text == "Teaser."
            assert "NEWSDESK_MAX_PAGES_PER_FEED" in (articles[f"Report {k}"].extraction_error or "")
        notes = session.scalars(select(ErrorRecord)).all()
        assert [(e.stage, e.url) for e in notes] == [("limit", feed)]
        assert notes[0].message.startswith("7 teaser items stored with their feed text")


def test_host_pacer_is_a_token_bucket() -> None:
    pacer = HostPacer(per_minute=60, burst=3)
    url, other = "http://a.example/x", "https://a.example/y"  # another scheme: another host
    assert [pacer.delay(url, now=100.0) for _ in range(5)] == [0, 0, 0, 1, 2]
    assert pacer.delay(other, now=100.0) == 0
    assert pacer.delay(url, now=102.5) == 0.5  # the last token went at 102: next one at 103
    assert pacer.delay(url, now=200.0) == 0  # idle: the bucket is full again
    assert HostPacer(per_minute=0, burst=1).delay(url, now=0.0) == 0  # off


@pytest.mark.slow
def test_pages_of_one_host_wait_for_the_rate_and_none_is_dropped(
    http_server: LoopbackServer, settings: Settings
):
    """8 pages at 300 a minute (one per 0.2 s) after a burst of 2: all fetched, paced."""
    times: dict[str, float] = {}

    class Timed(list):  # the server's request log, with the time of each request
        def append(self, value: tuple[str, dict[str, str]]) -> None:
            times.setdefault(value[0], time.perf_counter())
            super().append(value)

    http_server.requests = Timed()
    feed, _links = _teaser_feed(http_server, 8)
    add_feeds(settings, [feed])
    engine = connect(settings.db_url)
    paced = settings.with_(
        pages_per_host_per_minute=300,
        pages_per_host_burst=2,
        obey_robots=False,  # no robots.txt fetch delaying the first requests
    )
    report = asyncio.run(refresh(engine, paced))
    assert report.new_articles == 8 and not report.errors
    sent = sorted(t for path, t in times.items() if path.startswith("/p/"))
    assert len(sent) == 8
    for k in range(2, 8):  # the k-th request waits for k - 1 refills after the first
        assert sent[k] - sent[0] >= (k - 1) * 0.2 - 0.05, (k, sent[k] - sent[0])
    assert count(engine, Article, Article.extraction_error.is_(None)) == 8


# ---------------------------------------------------------------- 4. JSONL import


def test_jsonl_import_stores_every_good_line_and_records_every_bad_one(
    tmp_path: Path, settings: Settings
):
    def good(n: int, **extra: object) -> bytes:
        record = {"url": f"https://news.example/{n}", "text": f"Body of story {n}.", **extra}
        return json.dumps(record).encode()

    lines = [
        b"{not json",  # 1: bad JSON as the very first line
        good(1, title="One", author=["Ann Lee", "Bo Chen"]),  # 2: authors as a list
        b"",  # 3: blank
        good(2, title=7),  # 4: wrong type
        b'{"url": "https://news.example/3", "text": "caf\xe9"}',  # 5: Latin-1 byte
        good(4, published="2026-11-20T10:00:00Z", source="Wire"),  # 6
        json.dumps({"url": "", "text": "no url"}).encode(),  # 7: empty url
        good(1),  # 8: the same URL as line 2
        good(5, author=["Ann", 3]),  # 9: a list with a number
        b"   ",  # 10: blank
        good(6, text={"html": "<p>x</p>"}),  # 11: text is an object
        b'["https://news.example/7", "text"]',  # 12: an array, not an object
        json.dumps({"url": "javascript:alert(1)", "text": "x"}).encode(),  # 13
        good(8, published="last Tuesday"),  # 14
        good(10, title="\ud800"),  # 15: a lone surrogate (escaped in the JSON)
        good(9),  # 16: good, after all of that
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    env = {"NEWSDESK_DATA_DIR": str(settings.data_dir), "COLUMNS": "200"}
    result = CliRunner().invoke(app, ["import", str(path)], env=env)
    assert result.exit_code == 0, result.output
    assert "imported 3 new articles; 1 already stored; 10 bad lines recorded" in result.output
    engine = connect(settings.db_url)
    with session_scope(engine) as session:
        stored = {a.url: a for a in session.scalars(select(Article))}
        assert set(stored) == {f"https://news.example/{n}" for n in (1, 4, 9)}
        assert stored["https://news.example/1"].author == "Ann Lee, Bo Chen"
        assert stored["https://news.example/4"].outlet == "Wire"
        errors = {e.url: e.message for e in session.scalars(select(ErrorRecord))}
    expected = {
        1: "invalid JSON",
        4: "field 'title' must be a string, not a number",
        5: f"not UTF-8 at byte {lines[4].index(0xE9) + 1} of the line",
        7: "field 'url' is missing or empty",
        9: "field 'author' must be a string or an array of strings, not an array",
        11: "field 'text' must be a string, not an object",
        12: "not a JSON object but an array",
        13: "field 'url' is not an http(s) URL",
        14: "field 'published' is not an ISO 8601 date",
        15: "field 'title' holds a lone surrogate at character 1",
    }
    assert set(errors) == {f"{path}:{n}" for n in expected}
    for n, reason in expected.items():
        assert errors[f"{path}:{n}"].startswith(reason), (n, errors[f"{path}:{n}"])
    again = CliRunner().invoke(app, ["import", str(path)], env=env)
    assert "imported 0 new articles; 4 already stored; 10 bad lines recorded" in again.output


# ---------------------------------------------------------------- 5. OPML import


HOSTILE_OPML = b"""<?xml version="1.0"?>
<opml version="2.0"><body>
  <outline text="Local" xmlUrl="file:///etc/passwd"/>
  <outline text="News">
    <outline text="[bold]Script[/bold]" xmlUrl="javascript:alert(1)"/>
    <outline title="Good" xmlUrl="https://good.example/feed.xml"/>
    <outline text="No host" xmlUrl="http:///feed.xml"/>
  </outline>
  <outline text="Folder without a feed"/>
  <outline text="A blog's site" type="link" htmlUrl="https://blog.example/"/>
</body></opml>"""


def test_read_opml_returns_the_skipped_outlines_with_reasons() -> None:
    feeds, skipped = read_opml(HOSTILE_OPML)
    assert [(f.xml_url, f.category) for f in feeds] == [("https://good.example/feed.xml", "News")]
    assert skipped == [
        SkippedOutline("Local", "file:///etc/passwd", "not an http(s) URL"),
        SkippedOutline("[bold]Script[/bold]", "javascript:alert(1)", "not an http(s) URL"),
        SkippedOutline("No host", "http:///feed.xml", "the URL has no host name"),
        # a site with no feed address was dropped without a word; an empty folder stays silent
        SkippedOutline("A blog's site", "https://blog.example/", "no feed address (xmlUrl)"),
    ]


def test_feeds_import_prints_what_it_skipped(tmp_path: Path, settings: Settings):
    path = tmp_path / "hostile.opml"
    path.write_bytes(HOSTILE_OPML)
    env = {"NEWSDESK_DATA_DIR": str(settings.data_dir), "COLUMNS": "200"}
    result = CliRunner().invoke(app, ["feeds", "import", str(path)], env=env)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "imported 1 feed (0 already subscribed)",
        "skipped 4 outlines:",
        "  'Local' (file:///etc/passwd): not an http(s) URL",
        "  '[bold]Script[/bold]' (javascript:alert(1)): not an http(s) URL",
        "  'No host' (http:///feed.xml): the URL has no host name",
        '  "A blog\'s site" (https://blog.example/): no feed address (xmlUrl)',
    ]
    assert count(connect(settings.db_url), Feed) == 1


def test_the_bounds_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = Settings()
    assert (defaults.max_items_per_feed, defaults.max_pages_per_feed) == (1000, 100)
    assert (defaults.pages_per_host_per_minute, defaults.pages_per_host_burst) == (120, 30)
    for name, value in [
        ("NEWSDESK_MAX_ITEMS_PER_FEED", "7"),
        ("NEWSDESK_MAX_PAGES_PER_FEED", "3"),
        ("NEWSDESK_PAGES_PER_HOST_PER_MINUTE", "12.5"),
        ("NEWSDESK_PAGES_PER_HOST_BURST", "4"),
    ]:
        monkeypatch.setenv(name, value)
    settings = Settings.from_env()
    assert (settings.max_items_per_feed, settings.max_pages_per_feed) == (7, 3)
    assert (settings.pages_per_host_per_minute, settings.pages_per_host_burst) == (12.5, 4)

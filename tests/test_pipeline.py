"""End to end: feeds and real article pages served on loopback -> refresh -> SQLite."""

from __future__ import annotations

import asyncio
import gzip
import json
import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from sqlalchemy import func, select

from newsdesk.config import Settings
from newsdesk.ingest import refresh
from newsdesk.store import Article, ErrorRecord, Feed, FeedArticle, connect, session_scope

from .conftest import LoopbackServer, shared_data


def rss(title: str, items: list[dict[str, str]]) -> str:
    parts = [
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>',
        f"<title>{escape(title)}</title><link>http://example.org/</link>",
    ]
    for item in items:
        parts.append("<item>")
        for key, value in item.items():
            parts.append(f"<{key}>{escape(value)}</{key}>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "".join(parts)


def real_pages(n: int) -> list[tuple[str, bytes, str]]:
    """(key, html bytes, gold body) of n real pages from the extraction benchmark."""
    root = shared_data("article-extraction-benchmark")
    truth = json.loads((root / "ground-truth.json").read_text())
    pages = []
    for key in sorted(truth)[:n]:
        html = gzip.decompress((root / "html" / f"{key}.html.gz").read_bytes())
        pages.append((key, html, truth[key]["articleBody"]))
    return pages


def serve_site(server: LoopbackServer, pages: list[tuple[str, bytes, str]]) -> list[dict[str, str]]:
    """Serve the pages and return teaser feed items pointing at them."""
    items = []
    when = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    for i, (key, html, _gold) in enumerate(pages):
        url = server.route(f"/news/{key}.html", html)
        items.append(
            {
                "title": f"Story {i}",
                "link": url + "?utm_source=rss&utm_medium=feed",
                "guid": f"story-{key}",
                "description": "A short teaser.",
                "pubDate": format_datetime(when - timedelta(hours=i)),
            }
        )
    server.route("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    return items


def add_feeds(settings: Settings, urls: list[str]) -> list[int]:
    engine = connect(settings.db_url)
    with session_scope(engine) as session:
        feeds = [Feed(url=u) for u in urls]
        session.add_all(feeds)
        session.flush()
        return [f.id for f in feeds]


def test_teaser_feed_gets_full_text_from_pages(http_server: LoopbackServer, settings: Settings):
    pages = real_pages(4)
    items = serve_site(http_server, pages)
    feed_url = http_server.route(
        "/feed.xml", rss("Loopback Gazette", items), content_type="application/rss+xml"
    )
    add_feeds(settings, [feed_url])
    engine = connect(settings.db_url)
    report = asyncio.run(refresh(engine, settings))
    assert report.new_articles == 4, report
    with session_scope(engine) as session:
        articles = session.scalars(select(Article).order_by(Article.published_at.desc())).all()
        assert [a.title for a in articles] == ["Story 0", "Story 1", "Story 2", "Story 3"]
        for article, (_key, _html, gold) in zip(articles, pages, strict=True):
            assert article.outlet == "Loopback Gazette"
            assert "utm_source" not in article.url
            assert article.published_at is not None and article.published_at.tzinfo is not None
            assert article.word_count > 50, article.url
            # the stored text is the page's article body, not the teaser
            gold_words = gold.split()
            assert " ".join(gold_words[5:15]) in " ".join(article.text.split()), article.url
            assert "<script" not in article.html.lower()
            assert article.language == "en"
        feed = session.scalars(select(Feed)).one()
        assert feed.title == "Loopback Gazette"
        assert feed.last_error is None and feed.last_success_at is not None


def test_page_charset_from_the_http_header(http_server: LoopbackServer, settings: Settings):
    """A page that declares its charset only in the Content-Type header (ISO-8859-2, which
    detection takes for another code page) is read in that charset."""
    polish = (
        "Wczoraj wieczorem rada miasta przyjęła budżet na przyszły rok. Radni długo spierali się "
        "o wydatki na szkoły, żłobki i drogi. Ostatecznie głosowało za nim dwudziestu trzech "
        "radnych, a przeciw ośmiu. Prezydent miasta podziękował mieszkańcom za cierpliwość."
    )
    page = f"<html><head><title>Budżet</title></head><body><article><p>{polish}</p></article>"
    url = http_server.route(
        "/news/budzet.html",
        f"{page}</body></html>".encode("iso-8859-2"),
        content_type="text/html; charset=ISO-8859-2",
    )
    http_server.route("/robots.txt", "User-agent: *\n", content_type="text/plain")
    item = {"title": "Budżet", "link": url, "guid": "budzet", "description": "Teaser."}
    feed_url = http_server.route("/feed.xml", rss("Gazeta", [item]), content_type="text/xml")
    add_feeds(settings, [feed_url])
    engine = connect(settings.db_url)
    assert asyncio.run(refresh(engine, settings)).new_articles == 1
    with session_scope(engine) as session:
        article = session.scalars(select(Article)).one()
        assert "przyjęła budżet na przyszły rok" in article.text
        assert article.language == "pl"


def test_refresh_is_idempotent_and_uses_conditional_get(
    http_server: LoopbackServer, settings: Settings
):
    items = serve_site(http_server, real_pages(2))
    feed_url = http_server.route(
        "/feed.xml",
        rss("Gazette", items),
        content_type="application/rss+xml",
        headers={"ETag": '"v1"', "Last-Modified": "Wed, 25 Nov 2026 10:00:00 GMT"},
    )
    add_feeds(settings, [feed_url])
    engine = connect(settings.db_url)
    asyncio.run(refresh(engine, settings))
    second = asyncio.run(refresh(engine, settings))
    assert second.new_articles == 0
    feed_requests = [h for path, h in http_server.requests if path == "/feed.xml"]
    assert len(feed_requests) == 2
    assert feed_requests[1].get("if-none-match") == '"v1"'
    assert feed_requests[1].get("if-modified-since") == "Wed, 25 Nov 2026 10:00:00 GMT"
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(Article)) == 2
        assert session.scalar(select(func.count()).select_from(FeedArticle)) == 2


def test_same_article_in_two_feeds_is_stored_once(http_server: LoopbackServer, settings: Settings):
    pages = real_pages(3)
    items = serve_site(http_server, pages)
    a = http_server.route("/a.xml", rss("Feed A", items[:2]), content_type="application/rss+xml")
    # feed B carries item 1 again (other GUID, other tracking params) twice, and item 2
    dup = dict(items[1], guid="b-1", link=items[1]["link"].split("?")[0] + "?fbclid=xyz#top")
    dup2 = dict(dup, guid="b-1-again")
    b = http_server.route(
        "/b.xml", rss("Feed B", [dup, dup2, items[2]]), content_type="application/rss+xml"
    )
    ids = add_feeds(settings, [a, b])
    engine = connect(settings.db_url)
    asyncio.run(refresh(engine, settings))
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(Article)) == 3
        shared = session.scalars(
            select(FeedArticle.feed_id)
            .join(Article)
            .where(Article.title == "Story 1")
            .order_by(FeedArticle.feed_id)
        ).all()
        assert shared == ids


def test_bad_feeds_are_recorded_and_the_run_goes_on(
    http_server: LoopbackServer, settings: Settings
):
    good = http_server.route(
        "/good.xml", rss("Good", serve_site(http_server, real_pages(1))), content_type="text/xml"
    )
    broken = http_server.route(
        "/broken.xml", "<rss><channel><title>x</chan", content_type="text/xml"
    )
    html = http_server.route("/page.html", "<html><body><p>Hello</p></body></html>")
    missing = http_server.url("/missing.xml")
    http_server.route("/loop1", status=302, headers={"Location": "/loop2"})
    http_server.route("/loop2", status=302, headers={"Location": "/loop1"})
    loop = http_server.url("/loop1")
    bomb = http_server.route(
        "/bomb.xml",
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        "<rss><channel><title>&lol2;</title></channel></rss>",
        content_type="text/xml",
    )
    private = "http://10.255.255.1/feed.xml"  # refused by the SSRF guard before any connection
    urls = [good, broken, html, missing, loop, bomb, private]
    add_feeds(settings, urls)
    engine = connect(settings.db_url)
    report = asyncio.run(refresh(engine, settings))
    assert report.new_articles == 1
    with session_scope(engine) as session:
        feeds = {f.url: f for f in session.scalars(select(Feed))}
        assert feeds[good].last_error is None
        for url in urls[1:]:
            assert feeds[url].last_error, url
            assert feeds[url].error_count == 1
            assert feeds[url].next_fetch_at is not None
        assert "10.255.255.1" in (feeds[private].last_error or "")
        recorded = {e.url for e in session.scalars(select(ErrorRecord))}
        assert set(urls[1:]) <= recorded


def test_unextractable_page_keeps_teaser_and_records_error(
    http_server: LoopbackServer, settings: Settings
):
    page = http_server.route(
        "/empty.html", "<html><head><title>x</title></head><body></body></html>"
    )
    http_server.route("/robots.txt", "User-agent: *\nDisallow:\n", content_type="text/plain")
    blocked = http_server.route("/private/secret.html", "<html><body><p>x</p></body></html>")
    http_server.route(
        "/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain"
    )
    feed = http_server.route(
        "/f.xml",
        rss(
            "F",
            [
                {"title": "Empty", "link": page, "guid": "1", "description": "Teaser one."},
                {"title": "Blocked", "link": blocked, "guid": "2", "description": "Teaser two."},
            ],
        ),
        content_type="application/rss+xml",
    )
    add_feeds(settings, [feed])
    engine = connect(settings.db_url)
    asyncio.run(refresh(engine, settings))
    with session_scope(engine) as session:
        articles = {a.title: a for a in session.scalars(select(Article))}
        assert articles["Empty"].text == "Teaser one."
        assert articles["Empty"].extraction_error
        assert articles["Blocked"].text == "Teaser two."
        assert "robots" in (articles["Blocked"].extraction_error or "").lower()
        assert (
            session.scalar(
                select(func.count()).select_from(ErrorRecord).where(ErrorRecord.stage == "extract")
            )
            == 2
        )
    assert not any(path.startswith("/private/") for path, _ in http_server.requests)


def test_full_content_feed_needs_no_page_fetch(http_server: LoopbackServer, settings: Settings):
    root = shared_data("bbc-news")
    text = (root / "bbc" / "business" / "001.txt").read_text(encoding="latin-1")
    headline, body = text.split("\n", 1)
    paragraphs = "".join(f"<p>{p}</p>" for p in body.split("\n") if p.strip())
    item = {
        "title": headline,
        "link": http_server.url("/never-fetched.html"),
        "guid": "bbc-1",
        "description": paragraphs + "<script>alert(1)</script>",
    }
    feed = http_server.route("/full.xml", rss("BBC", [item]), content_type="application/rss+xml")
    add_feeds(settings, [feed])
    engine = connect(settings.db_url)
    asyncio.run(refresh(engine, settings))
    assert all(path != "/never-fetched.html" for path, _ in http_server.requests)
    with session_scope(engine) as session:
        article = session.scalars(select(Article)).one()
        assert article.word_count > 150
        assert "alert" not in article.html
        assert article.text.split()[:5] == body.split()[:5]


@pytest.mark.slow
def test_killed_refresh_resumes_without_duplicates_or_loss(
    http_server: LoopbackServer, settings: Settings, tmp_path: Path
):
    """SIGKILL a real `newsdesk refresh` half way; the next run completes the job exactly."""
    import os
    import signal
    import subprocess
    import sys
    import time

    pages = real_pages(6)
    items = serve_site(http_server, pages)
    feeds = []
    for i in range(3):
        feeds.append(
            http_server.route(
                f"/feed{i}.xml",
                rss(f"Feed {i}", items[2 * i : 2 * i + 2] + items[:1]),
                content_type="application/rss+xml",
            )
        )
    for key, html, _ in pages[3:]:  # slow pages: the kill lands while they are in flight
        http_server.route(f"/news/{key}.html", html, delay=1.5)
    add_feeds(settings, feeds)
    env = dict(
        os.environ,
        NEWSDESK_DATA_DIR=str(settings.data_dir),
        NEWSDESK_ALLOWED_NETWORKS="127.0.0.0/8",
        NEWSDESK_EXTRACT_WORKERS="1",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsdesk.cli", "refresh"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any(
        p.startswith("/news/") for p, _ in http_server.requests
    ):
        time.sleep(0.05)
    time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    with session_scope(connect(settings.db_url)) as session:
        # the kill landed mid-run: feeds waiting on slow pages committed nothing
        assert (session.scalar(select(func.count()).select_from(Article)) or 0) < 6
    for key, html, _ in pages[3:]:
        http_server.route(f"/news/{key}.html", html)
    subprocess.run(
        [sys.executable, "-m", "newsdesk.cli", "refresh"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    engine = connect(settings.db_url)
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(Article)) == 6
        # feed 0 lists item 0 twice (one link); feeds 1 and 2 each add item 0 to their own two
        assert session.scalar(select(func.count()).select_from(FeedArticle)) == 2 + 3 + 3
        assert session.scalar(select(func.count(func.distinct(Article.url)))) == 6
        assert all(a.word_count > 50 for a in session.scalars(select(Article)))


@pytest.mark.parametrize("workers", [1])
def test_import_jsonl_dedupes_identical_texts(tmp_path: Path, settings: Settings, workers: int):
    from typer.testing import CliRunner

    from newsdesk.cli import app

    root = shared_data("bbc-news") / "bbc" / "tech"
    files = sorted(root.glob("*.txt"))
    lines, texts = [], set()
    for i, path in enumerate(files):
        headline, body = path.read_text(encoding="latin-1").split("\n", 1)
        texts.add(" ".join(re.findall(r"\w+", body.lower())))  # content identity: same words
        record = {
            "url": f"https://bbc.example/tech/{i}",
            "title": headline,
            "text": body.strip(),
            "published": "2005-03-01T10:00:00Z",
            "source": "BBC News",
        }
        lines.append(json.dumps(record))
    lines.append("{not json")
    lines.append(json.dumps({"url": "", "text": ""}))
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text("\n".join(lines))
    env = {"NEWSDESK_DATA_DIR": str(settings.data_dir)}
    runner = CliRunner()
    result = runner.invoke(app, ["import", str(jsonl)], env=env)
    assert result.exit_code == 0, result.output
    again = runner.invoke(app, ["import", str(jsonl)], env=env)
    assert again.exit_code == 0, again.output
    engine = connect(settings.db_url)
    with session_scope(engine) as session:
        count = session.scalar(select(func.count()).select_from(Article))
        # byte-identical duplicates in the corpus are stored once
        assert count < len(files)
        assert count == len({t for t in texts})
        assert (
            session.scalar(
                select(func.count()).select_from(ErrorRecord).where(ErrorRecord.stage == "import")
            )
            == 4
        )
        article = session.scalars(select(Article).limit(1)).one()
        assert article.outlet == "BBC News" and article.published_at is not None


def _store_scenario(settings: Settings, bulk: bool, tag: str) -> list[object]:
    """Store tricky candidate lists for two feeds; return statuses and the resulting rows."""
    from newsdesk.ingest import Candidate, store_candidate, store_candidates

    body = " ".join(f"word{i}" for i in range(80))
    other = " ".join(f"other{i}" for i in range(80))

    def cand(guid: str, url: str, text: str = "") -> Candidate:
        return Candidate(url=url, guid=guid, title=guid, outlet="O", text=text or f"teaser {guid}")

    engine = connect(settings.with_(data_dir=settings.data_dir / tag).db_url)
    with session_scope(engine) as session:
        feeds = [Feed(url=f"http://f/{i}") for i in range(2)]
        session.add_all(feeds)
        session.flush()
        first, second = feeds[0].id, feeds[1].id
        session.add(Article(url="http://a/old", title="old", text=other, content_hash=None))
    batches = [
        (
            first,
            [cand("g1", "http://a/1", body), cand("g2", "http://a/2"), cand("g1", "http://a/9")],
        ),
        (
            second,
            [
                cand("h1", "http://a/1"),  # same URL as an article of the other feed
                cand("h2", "http://a/copy", body),  # same text as it: syndicated copy
                cand("h3", "http://a/2"),
                cand("h4", "http://a/2"),  # the same article twice in one feed
                cand("h5", "http://a/old"),
                cand("h6", "http://a/new", other + " more"),
                cand("h7", "http://a/new2", other + " more"),
            ],
        ),
        (first, [cand("g1", "http://a/1", body), cand("g3", "http://a/copy")]),  # a re-run
    ]
    statuses: list[object] = []
    for feed_id, cands in batches:
        with session_scope(engine) as session:
            if bulk:
                statuses.append(store_candidates(session, cands, feed_id))
            else:
                statuses.append([store_candidate(session, c, feed_id) for c in cands])
    with session_scope(engine) as session:
        articles = [(a.id, a.url, a.content_hash) for a in session.scalars(select(Article))]
        links = sorted(
            (link.feed_id, link.article_id, link.guid)
            for link in session.scalars(select(FeedArticle))
        )
    return [statuses, sorted(articles), links]


def test_bulk_store_matches_storing_one_by_one(settings: Settings):
    one_by_one = _store_scenario(settings, bulk=False, tag="single")
    assert one_by_one[0] == [  # the scenario covers every case
        ["new", "new", "seen"],
        ["linked", "seen", "linked", "seen", "linked", "new", "seen"],
        ["seen", "new"],
    ]
    assert _store_scenario(settings, bulk=True, tag="bulk") == one_by_one


@pytest.mark.slow
def test_warm_up_compiles_dateparser_only_for_long_lived_pools(settings: Settings):
    """One-shot runs start extracting without dateparser's 1 s of compiling (workers do it
    if a page needs it); `serve`'s long-lived pool compiles it once, before forking."""
    from htmldate.extractors import get_external_parser

    from newsdesk.ingest import Refresher, warm_up_extractor

    get_external_parser.cache_clear()
    warm_up_extractor(dates=False)
    assert get_external_parser.cache_info().currsize == 0
    warm_up_extractor(dates=True)
    assert get_external_parser.cache_info().currsize == 1
    engine = connect(settings.db_url)
    assert Refresher(engine, settings).long_lived is False
    engine.dispose()


def test_a_page_robots_txt_forbids_takes_no_turn_of_its_hosts_pace(
    http_server: LoopbackServer, settings: Settings
) -> None:
    """DR's robots.txt forbids its article pages: each item of a feed on such a host still
    waited its turn of the host's pace before being refused (at the default 120 pages a
    minute, a feed of 300 items took two minutes to fetch nothing); so did a page the SSRF
    guard refuses. Neither is a request: neither reserves a turn."""
    from dataclasses import replace

    from newsdesk.ingest import Refresher

    http_server.route(
        "/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain"
    )
    items = [
        {
            "title": f"Item {i}",
            "link": http_server.url(f"/private/{i}.html"),
            "guid": str(i),
            "description": f"Teaser {i}.",
        }
        for i in range(3)
    ]
    items += [  # a private address the SSRF guard refuses: no request either
        {
            "title": f"Inside {i}",
            "link": f"http://192.168.1.1/{i}.html",
            "guid": f"p{i}",
            "description": "T.",
        }
        for i in range(3)
    ]
    feed = http_server.route("/f.xml", rss("F", items), content_type="application/rss+xml")
    add_feeds(settings, [feed])
    slow = replace(settings, pages_per_host_per_minute=60.0, pages_per_host_burst=1)
    engine = connect(slow.db_url)
    refresher = Refresher(engine, slow)
    try:
        report = asyncio.run(refresher.run())
        # no turn was reserved: the next page of the host may go at once
        assert refresher._pacer.delay(http_server.url("/public.html")) == 0
        assert refresher._pacer.delay("http://192.168.1.1/other.html") == 0
    finally:
        refresher.close()
    assert report.new_articles == 6
    with session_scope(engine) as session:
        errors = [a.extraction_error or "" for a in session.scalars(select(Article))]
    assert sum("robots" in e.lower() for e in errors) == 3, errors
    assert sum("refused" in e.lower() for e in errors) == 6, errors
    assert not any(path.startswith("/private/") for path, _ in http_server.requests)

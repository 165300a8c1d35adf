"""Placeholder dates: The Atomic Birdhouse's real feed (a Hugo site) dates its pages "Mon, 01 Jan
0001", Go's zero time. Stored as such, story assignment computed "0001-01-01 minus three days"
and every `newsdesk enrich` stopped with OverflowError before placing any story."""

from __future__ import annotations

import asyncio
import gzip
from datetime import UTC, datetime

from sqlalchemy import select, update

from newsdesk.config import Settings
from newsdesk.enrich import enrich
from newsdesk.ingest import refresh
from newsdesk.sources.feeds import parse_feed
from newsdesk.store import Article, connect, session_scope
from newsdesk.store.models_ai import Enrichment

try:
    from .conftest import LoopbackServer, shared_data
    from .test_pipeline import add_feeds
except ImportError:  # pragma: no cover - run without the tests package
    from conftest import LoopbackServer, shared_data  # type: ignore[no-redef]
    from test_pipeline import add_feeds  # type: ignore[no-redef]


def _feed() -> bytes:
    path = shared_data("syndikit-real-feeds") / "XML" / "atomicbird.xml.gz"
    return gzip.decompress(path.read_bytes())


def test_a_date_before_the_web_is_no_date() -> None:
    feed = parse_feed(_feed(), "https://atomicbird.com/index.xml", "application/rss+xml")
    dates = {e.title: e.published for e in feed.entries}
    assert dates["Contact"] is None and dates["Mac Apps"] is None
    assert dates["Rebooting my site with Kirby"] == datetime(2013, 3, 15, tzinfo=UTC)
    assert sum(d is not None for d in dates.values()) == len(dates) - 3


def test_the_feed_through_refresh_and_enrich(
    http_server: LoopbackServer, settings: Settings
) -> None:
    body = _feed().replace(b"https://atomicbird.com/", http_server.url("/ab/").encode())
    feed_url = http_server.route("/ab.xml", body, content_type="application/rss+xml")
    http_server.route("/robots.txt", "User-agent: *\nDisallow: /\n", content_type="text/plain")
    add_feeds(settings, [feed_url])
    engine = connect(settings.db_url)
    asyncio.run(refresh(engine, settings))
    with session_scope(engine) as session:
        # as a database written before this check holds them
        session.execute(
            update(Article)
            .where(Article.title.in_(["Contact", "Mac Apps"]))
            .values(published_at=datetime(1, 1, 1, tzinfo=UTC))
        )
    assert enrich(engine, settings) == 51
    with session_scope(engine) as session:
        placed = session.scalars(
            select(Enrichment.story_id).where(Enrichment.embedding.is_not(None))
        ).all()
    assert placed and None not in placed

"""Feeds as served in the wild: gzip files (``.xml.gz``, no Content-Encoding) under any
Content-Type, and RSS, Atom and JSON Feed under the wrong Content-Type. Real feeds from
syndikit-real-feeds, served on loopback, subscribed with `subscribe_url` and refreshed with
`refresh`, the paths `newsdesk feeds add` and the worker take."""

from __future__ import annotations

import asyncio
import gzip
import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from newsdesk.config import Settings
from newsdesk.ingest import refresh
from newsdesk.sources.feeds import parse_feed
from newsdesk.sources.fetch import Fetcher, FetchError
from newsdesk.store import Article, ErrorRecord, Feed, FeedArticle, connect, session_scope
from newsdesk.subscriptions import subscribe_url

from .conftest import LoopbackServer, shared_data

# (folder, file): RSS 2.0, a YouTube Atom feed, a small RSS feed, and JSON Feeds.
REAL_FEEDS = [
    ("XML", "cnn_latest.xml.gz"),
    ("XML", "kilo.youtube.xml.gz"),
    ("XML", "senestenyt.xml.gz"),
    ("JSON", "cnn_latest.json.gz"),
    ("JSON", "kilo.youtube.json.gz"),
]
# name: (body gzip-compressed, Content-Type)
SERVED_AS = {
    "gzip-as-gzip": (True, "application/gzip"),
    "gzip-as-x-gzip": (True, "application/x-gzip"),
    "gzip-as-octet-stream": (True, "application/octet-stream"),
    "plain-as-html": (False, "text/html; charset=utf-8"),
    "plain-as-text": (False, "text/plain"),
    "plain-as-octet-stream": (False, "application/octet-stream"),
}
MB = 1024 * 1024


def real_feed(folder: str, name: str) -> bytes:
    return gzip.decompress((shared_data("syndikit-real-feeds") / folder / name).read_bytes())


def feed_titles(engine: Engine, feed_id: int) -> list[str]:
    with session_scope(engine) as session:
        query = (
            select(Article.title)
            .join(FeedArticle, FeedArticle.article_id == Article.id)
            .where(FeedArticle.feed_id == feed_id)
        )
        return sorted(title or "" for title in session.scalars(query))


@pytest.mark.parametrize(("folder", "name"), REAL_FEEDS)
def test_mislabelled_and_gzipped_real_feeds_subscribe_and_refresh(
    http_server: LoopbackServer, settings: Settings, folder: str, name: str
) -> None:
    plain = real_feed(folder, name)
    expected = parse_feed(plain, "http://example.org/feed")
    assert expected.entries, name
    want = sorted(entry.title for entry in expected.entries)
    settings = settings.with_(full_text_min_words=0)  # no article page fetches
    engine = connect(settings.db_url)
    ids: dict[str, int] = {}
    for variant, (compressed, content_type) in SERVED_AS.items():
        body = gzip.compress(plain) if compressed else plain
        assert body.startswith(b"\x1f\x8b") == compressed
        url = http_server.route(f"/{variant}/{name}", body, content_type=content_type)
        feed = subscribe_url(engine, settings, url)
        assert feed.url == url, variant  # the feed itself, not a discovered link
        assert feed.title == (" ".join((expected.title or "").split())[:512] or None), variant
        ids[variant] = feed.id
    report = asyncio.run(refresh(engine, settings, list(ids.values())))
    assert [(f.url, f.error) for f in report.errors] == []
    for variant, feed_id in ids.items():
        assert feed_titles(engine, feed_id) == want, variant
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(ErrorRecord)) == 0


def gzip_bomb(total: int = 1024 * MB, member: int = 16 * MB) -> bytes:
    """``total`` bytes of zeros as a multi-member gzip file of about 1/1000 the size (built
    from one compressed member repeated, so the test does not compress a gigabyte)."""
    one = gzip.compress(b"\0" * member, compresslevel=9)
    return one * (total // member)


def test_gzip_bomb_feed_is_refused_and_nothing_else_is_lost(
    http_server: LoopbackServer, settings: Settings
) -> None:
    settings = settings.with_(full_text_min_words=0)
    engine = connect(settings.db_url)
    bomb = gzip_bomb()
    assert len(bomb) < settings.max_body_bytes  # refused once decompressed, not on the wire
    good_plain = real_feed("XML", "senestenyt.xml.gz")
    other_plain = real_feed("XML", "kilo.youtube.xml.gz")
    good = http_server.route(
        "/good.xml.gz", gzip.compress(good_plain), content_type="application/gzip"
    )
    later = http_server.route(
        "/later.xml.gz", gzip.compress(other_plain), content_type="application/gzip"
    )
    direct = http_server.route("/bomb.xml.gz", bomb, content_type="application/gzip")

    # Subscribing to the bomb is refused with a clear error, and adds no feed.
    with pytest.raises(FetchError) as refused:
        subscribe_url(engine, settings, direct)
    assert refused.value.kind == "too_large"
    message = str(refused.value)
    assert "gzip-compressed" in message and "exceeds the limit once decompressed" in message
    assert str(settings.max_body_bytes) in message

    good_id = subscribe_url(engine, settings, good).id
    later_id = subscribe_url(engine, settings, later).id
    with session_scope(engine) as session:
        assert {f.url for f in session.scalars(select(Feed))} == {good, later}
    first = asyncio.run(refresh(engine, settings))
    assert first.errors == []
    good_titles = feed_titles(engine, good_id)
    later_titles = feed_titles(engine, later_id)
    assert good_titles == sorted(e.title for e in parse_feed(good_plain, good).entries)
    assert later_titles == sorted(e.title for e in parse_feed(other_plain, later).entries)

    # The second feed turns into a bomb: its refresh fails and is recorded; its stored
    # articles and the other feed are untouched.
    http_server.route("/later.xml.gz", bomb, content_type="application/octet-stream")
    second = asyncio.run(refresh(engine, settings))
    assert [f.url for f in second.errors] == [later]
    assert feed_titles(engine, later_id) == later_titles
    assert feed_titles(engine, good_id) == good_titles
    with session_scope(engine) as session:
        feeds = {f.url: f for f in session.scalars(select(Feed))}
        assert feeds[good].last_error is None and feeds[good].error_count == 0
        error = feeds[later].last_error or ""
        assert "gzip-compressed" in error and "exceeds the limit once decompressed" in error
        assert feeds[later].error_count == 1
        records = [(e.url, e.stage) for e in session.scalars(select(ErrorRecord))]
        assert records == [(later, "fetch")]


def test_gzip_body_under_content_encoding_and_corrupt_gzip(
    http_server: LoopbackServer, settings: Settings
) -> None:
    plain = real_feed("XML", "senestenyt.xml.gz")
    both = http_server.route(
        "/both.xml.gz", gzip.compress(plain), content_type="application/gzip", gzip_body=True
    )
    corrupt = http_server.route(
        "/corrupt.xml.gz", gzip.compress(plain)[:10] + b"\xff" * 64, content_type="application/gzip"
    )
    # Not gzip: a plain body that happens to be served as application/gzip is left alone.
    mislabelled = http_server.route("/plain.xml.gz", plain, content_type="application/gzip")

    async def main() -> tuple[bytes, bytes, FetchError | None]:
        async with Fetcher(settings) as fetcher:
            decoded = (await fetcher.get(both)).body
            as_is = (await fetcher.get(mislabelled)).body
            try:
                await fetcher.get(corrupt)
            except FetchError as exc:
                return decoded, as_is, exc
            return decoded, as_is, None

    decoded, as_is, error = asyncio.run(main())
    assert decoded == plain
    assert as_is == plain
    assert error is not None and "corrupt gzip-compressed" in str(error)


def test_json_feed_with_version_after_its_items_served_as_text_plain(
    http_server: LoopbackServer, settings: Settings
) -> None:
    """JSON objects are unordered: a JSON Feed whose "version" comes after a long items
    list, served as text/plain, is still recognised as a feed (not searched for links)."""
    doc = json.loads(real_feed("JSON", "cnn_latest.json.gz"))
    version = doc.pop("version")
    reordered = json.dumps({**doc, "version": version}).encode()
    assert b"jsonfeed.org/version" not in reordered[:4096]
    url = http_server.route("/late-version.json", reordered, content_type="text/plain")
    engine = connect(settings.db_url)
    feed = subscribe_url(engine, settings, url)
    assert feed.url == url
    assert feed.title == parse_feed(reordered, url).title

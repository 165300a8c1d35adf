"""Atom feeds out: valid Atom 1.0 (feedparser bozo == 0), escaped text, absolute links."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

import feedparser
from fastapi.testclient import TestClient
from lxml import etree
from sqlalchemy.engine import Engine

from newsdesk.store import Article, session_scope
from newsdesk.tokens import create_api_token
from newsdesk.web.atom import ATOM_NS, rfc3339

try:  # tests/ as a package (tests/__init__.py) or as plain rootdir modules
    from .api_support import Accounts, accounts, data
    from .readers_support import _fast_hashing, app, client, engine
    from .webdata import XSS_TITLE, Dataset
except ImportError:
    from api_support import Accounts, accounts, data  # type: ignore[no-redef]  # noqa: F401
    from readers_support import _fast_hashing, app, client, engine  # type: ignore[no-redef]  # noqa: F401
    from webdata import XSS_TITLE, Dataset  # type: ignore[no-redef]


def parse(client: TestClient, url: str) -> feedparser.FeedParserDict:
    r = client.get(url)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(r.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    root = etree.fromstring(r.content)
    assert root.tag == f"{{{ATOM_NS}}}feed"
    for entry in root.iter(f"{{{ATOM_NS}}}entry"):  # every entry has the required elements
        for name in ("id", "title", "link", "updated", "author", "summary"):
            assert entry.find(f"{{{ATOM_NS}}}{name}") is not None, name
    return feed


def test_latest_feed(client: TestClient, data: Dataset) -> None:
    feed = parse(client, "/feeds/latest.atom")
    assert feed.feed.title == "newsdesk: latest news"
    assert feed.feed.id == "http://localhost/feeds/latest.atom"
    assert [link.href for link in feed.feed.links] == [
        "http://localhost/feeds/latest.atom",
        "http://localhost/",
    ]
    assert len(feed.entries) == 7
    first = feed.entries[0]
    sport = data.by_path("sport/001")
    assert first.title == sport.title
    assert first.link == f"http://localhost/articles/{sport.id}"
    assert first.id == first.link
    assert first.author == "BBC Sport"  # no byline: the outlet
    assert first.updated_parsed is not None
    business = next(e for e in feed.entries if e.title == data.by_path("business/001").title)
    assert business.author == "Simon Jack"
    assert business.summary.startswith("Quarterly profits at US media giant TimeWarner")
    assert [link.rel for link in business.links] == ["alternate", "related"]
    assert business.links[1].href == "https://www.bbc.co.uk/news/business-001"
    assert (
        feed.feed.updated == business.updated or feed.feed.updated_parsed >= business.updated_parsed
    )


def test_markup_in_titles_is_escaped(client: TestClient, engine: Engine, data: Dataset) -> None:
    with session_scope(engine) as s:
        s.add(
            Article(
                url="https://example.org/amp",
                title='Profits & <losses> at AT&T \x02 ]]> "quoted"',
                author="Tom & Jerry <tj@example.org>",
                outlet="A&B <News>",
                published_at=datetime(2001, 1, 1, tzinfo=UTC),
                text="Control \x01 characters \x0b are dropped & <b>markup</b> stays text.",
            )
        )
    r = client.get("/feeds/latest.atom")
    assert b"<script>" not in r.content and b"&lt;script&gt;alert(1)&lt;/script&gt;" in r.content
    assert b"\x02" not in r.content and b"\x01" not in r.content
    feed = parse(client, "/feeds/latest.atom")
    titles = [e.title for e in feed.entries]
    assert XSS_TITLE in titles  # text, exactly as written: not markup, not double-escaped
    assert 'Profits & <losses> at AT&T  ]]> "quoted"' in titles
    odd = feed.entries[-1]
    assert odd.author == "Tom & Jerry <tj@example.org>"
    assert odd.summary == "Control  characters are dropped & <b>markup</b> stays text."
    assert odd.title_detail.type == "text/plain"

    # outlets with markup in their names have feeds too
    xss_outlet = parse(client, "/feeds/outlets/" + quote("Example <i>Wire</i>", safe="") + ".atom")
    assert xss_outlet.feed.title == "newsdesk: Example <i>Wire</i>"
    assert [e.title for e in xss_outlet.entries] == [XSS_TITLE]
    amp = parse(client, "/feeds/outlets/" + quote("A&B <News>", safe="") + ".atom")
    assert len(amp.entries) == 1


def test_outlet_feed(client: TestClient, data: Dataset) -> None:
    feed = parse(client, "/feeds/outlets/BBC%20Technology.atom")
    assert [e.title for e in feed.entries] == [
        data.by_path("tech/001").title,
        data.by_path("tech/002").title,
    ]
    assert feed.feed.link == "http://localhost/outlets/BBC%20Technology"
    assert client.get("/feeds/outlets/Nobody.atom").status_code == 404


def test_starred_feed_by_private_token(
    client: TestClient, engine: Engine, data: Dataset, accounts: Accounts
) -> None:
    alice = accounts.auth("alice")
    secret = create_api_token(engine, accounts.ids["alice"], "rss", scope="feed")
    url = f"/feeds/starred/{secret}.atom"
    assert parse(client, url).entries == []
    old, new = data.by_path("politics/001").id, data.by_path("tech/001").id
    for article_id in (new, old):  # most recently starred first
        client.put(f"/api/v1/me/articles/{article_id}/state", json={"starred": True}, headers=alice)
    feed = parse(client, url)
    assert feed.feed.title == "newsdesk: starred by alice"
    assert [e.link for e in feed.entries] == [
        f"http://localhost/articles/{old}",
        f"http://localhost/articles/{new}",
    ]
    r = client.get(url)
    assert r.headers["cache-control"].startswith("private")
    # an API token, a made-up token or a revoked one show nothing
    assert client.get(f"/feeds/starred/{accounts.tokens['alice']}.atom").status_code == 404
    assert client.get("/feeds/starred/not-a-token.atom").status_code == 404
    token_id = next(
        t["id"]
        for t in client.get("/api/v1/me/tokens", headers=alice).json()
        if t["scope"] == "feed"
    )
    client.delete(f"/api/v1/me/tokens/{token_id}", headers=alice)
    assert client.get(url).status_code == 404


def test_conditional_get(client: TestClient, data: Dataset) -> None:
    r = client.get("/feeds/latest.atom")
    etag = r.headers["etag"]
    again = client.get("/feeds/latest.atom", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert client.get("/feeds/latest.atom", headers={"If-None-Match": '"other"'}).status_code == 200


def test_rfc3339() -> None:
    assert rfc3339(datetime(2024, 3, 7, 14, 5, 9, 123, tzinfo=UTC)) == "2024-03-07T14:05:09Z"
    assert rfc3339(datetime(2024, 3, 7, 14, 5)) == "2024-03-07T14:05:00Z"

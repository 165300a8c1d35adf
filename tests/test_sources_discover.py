"""Feed autodiscovery against Mark Pilgrim's Atom autodiscovery suite (feedfinder-tests).

The suite (index.html) says: each html4-NNN.html announces exactly one Atom feed; a client
passes when it finds exactly one autodiscovery link, can retrieve that feed, and the feed links
back to the page it started from. Pages lived at http://diveintomark.org/tests/client/
autodiscovery/; absolute hrefs were rewritten by the Wayback Machine (web.archive.org/web/
<timestamp>/<original>), and the feeds of tests 047-052 lived on www.ragingplatypus.com (the
ragingplatypus/ folder). Each test page's description (``<div id="main"><p>``) is also the
subtitle of its true diveintomark.org feed. Test 052 ("base URI declared after link should be
ignored") has a decoy: a ragingplatypus copy of its feed, reached only if the late <base>
were wrongly applied, so the discovered URL itself is asserted.

Python's urljoin (like httpx's) collapses the "//" inside Wayback paths ("/http:/host"); the
Wayback Machine accepts both, and _original() undoes it.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from newsdesk.config import Settings
from newsdesk.sources.charset import decode_body
from newsdesk.sources.discover import discover_feeds
from newsdesk.sources.feeds import parse_feed
from newsdesk.sources.fetch import Fetcher

from .conftest import LoopbackServer, Route, shared_data

ORIGIN = "http://diveintomark.org/tests/client/autodiscovery/"
_WAYBACK = re.compile(r"^https?://web\.archive\.org/web/\d+/(https?:)/*")
RAGING = "http://www.ragingplatypus.com/tests/client/autodiscovery/"
_DESCRIPTION = re.compile(r'<div id="main">\s*<p>(.*?)</p>', re.DOTALL)
PAGES = [f"html4-{n:03d}.html" for n in range(1, 58)]


def _suite() -> Path:
    return shared_data("w3c-feedvalidator-testcases") / "feedfinder-tests"


def _original(url: str) -> str:
    """The URL before the Wayback Machine rewrote it."""
    return _WAYBACK.sub(r"\1//", url)


def _expected(page: str) -> str:
    """Where the page's feed was: 047-050 declare a <base> on another server."""
    number = int(page[6:9])
    return (RAGING if 47 <= number <= 50 else ORIGIN) + page.replace(".html", ".xml")


def _local_feed(url: str) -> Path:
    """The suite's copy of the feed a discovered URL points at (after undoing the Wayback)."""
    original = _original(url)
    for host, folder in ((ORIGIN, ""), (RAGING, "ragingplatypus/")):
        if original.startswith(host):
            return _suite() / (folder + original.removeprefix(host))
    raise AssertionError(f"{url} is outside the test suite")


@pytest.mark.parametrize("page", PAGES)
def test_autodiscovery_suite(page: str) -> None:
    body = (_suite() / page).read_bytes()
    html = decode_body(body, "text/html")  # html4-057 is UTF-16 with a BOM
    found = discover_feeds(html, ORIGIN + page)
    assert len(found) == 1, f"{page}: expected exactly one feed link, found {found}"
    assert _original(found[0]) == _expected(page)
    feed_path = _local_feed(found[0])
    assert feed_path.is_file(), f"{page}: {found[0]} cannot be retrieved"
    feed = parse_feed(feed_path.read_bytes(), found[0], "application/atom+xml")
    assert feed.site_url == ORIGIN + page, "the feed must link back to the page"
    if _expected(page).startswith(ORIGIN):
        description = _DESCRIPTION.search(html)
        subtitle = re.search(rb"<subtitle>(.*?)</subtitle>", feed_path.read_bytes())
        assert description is not None and subtitle is not None
        assert subtitle.group(1).decode() == description.group(1)


def test_suite_end_to_end_over_http(http_server: LoopbackServer, settings: Settings) -> None:
    """Serve the suite as it was laid out, fetch each page, discover, fetch the feed, verify."""
    base = "/tests/client/autodiscovery/"
    for path in _suite().glob("html4-*"):
        kind = "text/html" if path.suffix == ".html" else "application/atom+xml"
        http_server.routes[base + path.name] = Route(path.read_bytes(), 200, {"Content-Type": kind})
    for path in _suite().glob("ragingplatypus/*.xml"):  # the other server, under a prefix
        route = Route(path.read_bytes(), 200, {"Content-Type": "application/atom+xml"})
        http_server.routes["/ragingplatypus" + base + path.name] = route

    async def check(fetcher: Fetcher, page: str) -> str | None:
        resp = await fetcher.get(http_server.url(base + page))
        found = discover_feeds(resp.text(), resp.url)
        if len(found) != 1:
            return f"{page}: found {found}"
        local = found[0]
        if not local.startswith(http_server.url("/")):  # absolute link to the original host
            if _original(local) != _expected(page):
                return f"{page}: found {local}"
            prefix = "/ragingplatypus" if local.startswith(RAGING) else ""
            local = http_server.url(prefix + base + _local_feed(local).name)
        feed_resp = await fetcher.get(local)
        feed = parse_feed(feed_resp.body, feed_resp.url, feed_resp.content_type)
        if not (feed.site_url or "").endswith(base.removeprefix("/") + page):
            return f"{page}: feed links back to {feed.site_url}"
        return None

    async def main() -> list[str | None]:
        async with Fetcher(settings.with_(per_host_concurrency=4)) as fetcher:
            return await asyncio.gather(*(check(fetcher, page) for page in PAGES))

    problems = [p for p in asyncio.run(main()) if p]
    assert not problems, problems


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        # Several feeds of different formats, in document order, de-duplicated.
        ("""<head><link rel="alternate" type="application/rss+xml" href="/rss">
            <link rel="alternate" type="application/atom+xml" href="/atom">
            <link rel="alternate" type="application/feed+json" href="/feed.json">
            <link rel="alternate" type="application/rss+xml" href="https://site.example/rss">
            <link rel="alternate" type="application/rdf+xml" href="/rdf">
            <link rel="alternate" type="text/xml" href="/xml">
            <link rel="alternate" type="application/rss+xml; charset=utf-8" href="/rss2">
            </head>""",
         ["https://site.example/rss", "https://site.example/atom",
          "https://site.example/feed.json", "https://site.example/rdf", "https://site.example/xml",
          "https://site.example/rss2"]),
        # Not feeds: other rels, other types, oEmbed JSON, WordPress REST API JSON, no href.
        ("""<link rel="stylesheet" type="text/css" href="/s.css">
            <link rel="alternate" type="text/html" hreflang="fr" href="/fr/">
            <link rel="alternate" type="application/json+oembed" href="/oembed">
            <link rel="alternate" type="application/json" href="/wp-json/wp/v2/posts/1">
            <link rel="alternate" type="application/rss+xml">
            <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
            <a rel="alternate" type="application/rss+xml" href="/in-body-anchor">x</a>""", []),
        ("""<link rel="alternate" type="application/json" href="/feed.json">""",
         ["https://site.example/feed.json"]),
        ("", []),
        ("<?xml version='1.0' encoding='utf-8'?><html xmlns='http://www.w3.org/1999/xhtml'>"
         "<head><link rel='alternate' type='application/atom+xml' href='/x'/></head></html>",
         ["https://site.example/x"]),
    ],
)  # fmt: skip
def test_discover_feeds_cases(html: str, expected: list[str]) -> None:
    assert discover_feeds(html, "https://site.example/page.html") == expected

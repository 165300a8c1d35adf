"""Feed autodiscovery: ``<link rel="alternate" type="application/rss+xml" href="...">``;
`resolve_feed` fetches a URL and answers the feed there or the first one its page announces."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from newsdesk.forksafe import LXML
from newsdesk.sources.entry import FeedError, ParsedFeed
from newsdesk.sources.feeds import parse_feed
from newsdesk.sources.sniff import is_html, looks_like_feed

if TYPE_CHECKING:
    from newsdesk.sources.fetch import Fetcher, Response

__all__ = ["FEED_LINK_TYPES", "FoundFeed", "discover_feeds", "looks_like_feed", "resolve_feed"]

FEED_LINK_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/feed+json",
        "application/json",
        "application/rdf+xml",
        "application/xml",
        "text/xml",
    }
)
# application/json alternates under these paths are REST API documents, not JSON Feeds
# (every WordPress page links its /wp-json/ representation).
_NOT_FEED_PATHS = ("/wp-json/",)


def _usable(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def discover_feeds(html: str, base_url: str) -> list[str]:
    """Feed URLs announced by an HTML page, absolute, de-duplicated, in document order.

    ``rel`` may hold several tokens and is case-insensitive; ``type`` is compared without
    parameters, case and surrounding spaces. Relative hrefs are resolved against the first
    ``<base href>`` that precedes the link (a base declared after the link does not apply,
    as the Atom autodiscovery test suite expects), then against ``base_url``.
    """
    if not html.strip():
        return []
    with LXML:  # no fork while lxml runs (see newsdesk.forksafe)
        return _discover_feeds(html, base_url)


def _discover_feeds(html: str, base_url: str) -> list[str]:
    parser = lxml.html.HTMLParser(encoding="utf-8")
    try:
        root = lxml.html.document_fromstring(html.encode("utf-8", "replace"), parser=parser)
    except (etree.ParserError, ValueError):
        return []
    base = base_url
    have_base = False
    found: list[str] = []
    for element in root.iter("base", "link"):
        href = (element.get("href") or "").strip()
        if element.tag == "base":
            if href and not have_base:
                base = urljoin(base_url, href)
                have_base = True
            continue
        rel = (element.get("rel") or "").lower().split()
        kind = (element.get("type") or "").split(";")[0].strip().lower()
        if "alternate" not in rel or kind not in FEED_LINK_TYPES or not href:
            continue
        url = urljoin(base, href)
        if kind == "application/json" and any(p in url for p in _NOT_FEED_PATHS):
            continue
        if _usable(url) and url not in found:
            found.append(url)
    return found


@dataclass(frozen=True)
class FoundFeed:
    url: str  # where the feed is, after redirects
    title: str | None
    site_url: str | None
    item_links: tuple[str, ...] = ()  # its items' links, to recognise the site's other feeds


def _missed_feed(resp: Response) -> tuple[ParsedFeed | None, str]:
    """A document the first-bytes sniff did not take for a feed: the feed it is all the same
    (a PHP warning printed before the XML, a root element after a long comment), else why it
    is none. An HTML page is never parsed as a feed: its <link rel=alternate> are looked at."""
    if is_html(resp.body):
        return None, "the page announces none (no <link rel=alternate> feed)"
    try:
        parsed = parse_feed(resp.body, resp.url, resp.content_type)
    except FeedError as exc:
        return None, str(exc)
    if not parsed.entries:
        return None, "not a feed: the document has no items"
    return parsed, ""


async def resolve_feed(fetcher: Fetcher, url: str) -> FoundFeed:
    """The feed at `url`, or else the first feed that the page at `url` announces.

    Raises ValueError when the document is no feed and announces none (the message says what
    it is), and whatever fetching or parsing raises."""
    resp = await fetcher.get(url)
    parsed: ParsedFeed | None = None
    if not looks_like_feed(resp.body, resp.content_type):
        parsed, problem = _missed_feed(resp)
        if parsed is None:
            found = discover_feeds(resp.text(), resp.url)
            if not found:
                raise ValueError(f"no feed found at {url}: {problem}")
            resp = await fetcher.get(found[0])
    if parsed is None:
        parsed = parse_feed(resp.body, resp.url, resp.content_type)
    links = tuple(e.url for e in parsed.entries if e.url)
    return FoundFeed(resp.url, parsed.title, parsed.site_url, links)

"""Feed autodiscovery: ``<link rel="alternate" type="application/rss+xml" href="...">``."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from newsdesk.sources.sniff import looks_like_feed

__all__ = ["FEED_LINK_TYPES", "discover_feeds", "looks_like_feed"]

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

"""Read and write OPML subscription lists."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import formatdate
from urllib.parse import urlsplit

import defusedxml.ElementTree as DET
from defusedxml import DefusedXmlException

__all__ = ["OPMLError", "OutlineFeed", "SkippedOutline", "build_opml", "parse_opml", "read_opml"]


class OPMLError(Exception):
    """The document is not a usable OPML file; the message says why."""


@dataclass(frozen=True)
class OutlineFeed:
    xml_url: str
    title: str | None = None
    html_url: str | None = None
    category: str | None = None


def _attr(element: ET.Element, name: str) -> str | None:
    """Attribute by case-insensitive name (exporters write xmlUrl, xmlurl, XMLURL...)."""
    wanted = name.lower()
    for key, value in element.attrib.items():
        if key.lower() == wanted and value.strip():
            return value.strip()
    return None


@dataclass(frozen=True)
class SkippedOutline:
    """An outline that is not imported, and why (`xml_url`: its address as written, or its
    site's when it gives no feed address)."""

    title: str | None
    xml_url: str
    reason: str


MAX_URL = 2048  # the longest feed URL stored


def _feed_url(raw: str) -> tuple[str | None, str]:
    """The feed URL of an xmlUrl value, or None and the reason it is not one."""
    if raw.lower().startswith("feed:"):
        rest = raw[5:]
        raw = rest if rest.lower().startswith(("http:", "https:")) else "http:" + rest
    try:
        parts = urlsplit(raw)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        return None, f"not a valid URL ({exc})"
    if parts.scheme.lower() not in ("http", "https"):
        return None, "not an http(s) URL"
    if not parts.hostname:
        return None, "the URL has no host name"
    if len(raw) > MAX_URL:
        return None, f"the URL is longer than {MAX_URL} characters"
    return raw, ""


def parse_opml(data: bytes) -> list[OutlineFeed]:
    """Feeds (outlines with an xmlUrl) of an OPML document, in document order, de-duplicated.

    An outline's category is the text of the nearest enclosing outline that is not a feed.
    DTDs with entities are refused (defusedxml). Raises OPMLError for invalid documents.
    """
    return read_opml(data)[0]


def read_opml(data: bytes) -> tuple[list[OutlineFeed], list[SkippedOutline]]:
    """``parse_opml``'s feeds, and the outlines skipped because their xmlUrl is not a usable
    http(s) URL (``file:``, ``javascript:``, no host...), with the reason."""
    try:
        root = DET.fromstring(data)
    except DefusedXmlException as exc:
        raise OPMLError(f"refused: the OPML document uses forbidden XML features ({exc})") from None
    except (ET.ParseError, ValueError, LookupError) as exc:
        raise OPMLError(f"not a valid OPML document: malformed XML ({exc})") from None
    if root.tag.lower() not in ("opml", "outlinedocument"):  # the pre-1.0 name is still read
        raise OPMLError(f"not an OPML document: the root element is <{root.tag}>, not <opml>")
    body = next((child for child in root if child.tag.lower() == "body"), None)
    if body is None:
        raise OPMLError("not a valid OPML document: it has no <body>")
    feeds: list[OutlineFeed] = []
    skipped: list[SkippedOutline] = []
    seen: set[str] = set()

    def walk(parent: ET.Element, category: str | None) -> None:
        for outline in parent:
            if not isinstance(outline.tag, str) or outline.tag.lower() != "outline":
                continue
            raw = _attr(outline, "xmlUrl")
            url, reason = _feed_url(raw) if raw else (None, "")
            text = _attr(outline, "title") or _attr(outline, "text")
            if raw and url is None:
                skipped.append(SkippedOutline(text, raw, reason))
            leaf = not any(isinstance(c.tag, str) and c.tag.lower() == "outline" for c in outline)
            if not raw and leaf and (_attr(outline, "htmlUrl") or _attr(outline, "type")):
                # a site or a link, not a feed: said, not dropped without a word
                site = _attr(outline, "htmlUrl") or ""
                skipped.append(SkippedOutline(text, site, "no feed address (xmlUrl)"))
            if url is None:
                walk(outline, _attr(outline, "text") or _attr(outline, "title") or category)
                continue
            if url not in seen:
                seen.add(url)
                title = text if text and text != url else None
                feeds.append(OutlineFeed(url, title, _attr(outline, "htmlUrl"), category))
            walk(outline, category)

    walk(body, None)
    return feeds, skipped


def build_opml(feeds: Iterable[OutlineFeed], title: str = "newsdesk subscriptions") -> str:
    """An OPML 2.0 document listing ``feeds``, grouped into one outline per category."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = formatdate(usegmt=True)
    body = ET.SubElement(root, "body")
    groups: dict[str, ET.Element] = {}
    for feed in feeds:
        parent = body
        if feed.category:
            parent = groups.get(feed.category) or ET.SubElement(
                body, "outline", text=feed.category, title=feed.category
            )
            groups[feed.category] = parent
        attrs = {"type": "rss", "text": feed.title or feed.xml_url, "xmlUrl": feed.xml_url}
        if feed.title:
            attrs["title"] = feed.title
        if feed.html_url:
            attrs["htmlUrl"] = feed.html_url
        ET.SubElement(parent, "outline", attrs)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"

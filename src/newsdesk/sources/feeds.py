"""Parse RSS 0.9x/1.0/2.0, Atom 0.3/1.0 (via feedparser) and JSON Feed 1.0/1.1 into Entries."""

from __future__ import annotations

import hashlib
import html
import io
import json
import re
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser

from newsdesk.sources.entry import Entry, FeedError, ParsedFeed
from newsdesk.sources.sniff import (
    FEED_ROOTS,
    declares_entities,
    is_html,
    is_json_candidate,
    root_element,
)

__all__ = ["FeedError", "ParsedFeed", "parse_feed"]

# Dates further in the future than this are treated as bogus (None) rather than trusted.
FUTURE_SLACK = timedelta(days=1)
_IMAGE_EXT = re.compile(r"\.(?:jpe?g|png|gif|webp|avif)(?:$|[?#])", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_HTML_TYPES = ("text/html", "application/xhtml+xml", "html", "xhtml")
_SOFT_BOZO = (
    feedparser.CharacterEncodingOverride,
    feedparser.CharacterEncodingUnknown,
    feedparser.NonXMLContentType,
)


def parse_feed(body: bytes, url: str, content_type: str | None = None) -> ParsedFeed:
    """Parse a fetched feed document; raise FeedError (with a reason) when it is not a usable feed.

    ``url`` is the feed's (final) URL: entry links and relative URLs are resolved against it.
    ``summary_html``/``content_html`` are the feed's HTML with relative URLs resolved but NOT
    sanitized (feedparser's slow sanitizer is off): treat them as untrusted, sanitize before
    display. CPU-bound (about 1 s for a 3 MB feed): call it via ``asyncio.to_thread`` in
    async code.
    """
    if not body.strip():
        raise FeedError("not a feed: the document is empty")
    if is_json_candidate(body, content_type):
        return _parse_json_feed(body, url)
    if is_html(body):
        raise FeedError("this is an HTML page, not a feed")
    if declares_entities(body):
        raise FeedError(
            "refused: the document's DOCTYPE declares XML entities "
            "(entity-expansion attacks such as 'billion laughs' are not parsed)"
        )
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    try:
        parsed = feedparser.parse(io.BytesIO(body), response_headers=headers, sanitize_html=False)
    except Exception as exc:  # feedparser is not supposed to raise; never let it escape
        raise FeedError(f"the feed parser failed on this document: {exc!r}") from exc
    return _adapt_feedparser(parsed, url, root_element(body))


def _adapt_feedparser(parsed: Any, url: str, root: str | None) -> ParsedFeed:
    version = str(parsed.get("version") or "")
    feed = parsed.get("feed") or {}
    title = _clean_title(feed.get("title"), feed.get("title_detail")) or None
    raw_entries = parsed.get("entries") or []
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    # Encoding and media-type complaints are no malformation: the XML itself parsed fine.
    if not raw_entries and not title and problem and not isinstance(problem, _SOFT_BOZO):
        raise FeedError(f"not a feed: malformed XML ({problem})")
    local = (root or "").rpartition(":")[2]
    if not version and not raw_entries and local not in FEED_ROOTS:
        shown = f"<{root}>" if root else "missing"
        raise FeedError(f"not a feed: the document element is {shown}, not RSS, Atom or RDF")
    entries = [_adapt_entry(raw, url) for raw in raw_entries]
    return ParsedFeed(
        title=title,
        site_url=_absolute(url, feed.get("link")),
        format=version or ("cdf" if root == "channel" else "unknown"),  # CDF: Microsoft, 1997
        entries=_unique(entries),
    )


def _adapt_entry(raw: Any, feed_url: str) -> Entry:
    link = _absolute(feed_url, raw.get("link")) or ""
    title = _clean_title(raw.get("title"), raw.get("title_detail"))
    published = _from_struct(raw.get("published_parsed")) or _from_struct(raw.get("updated_parsed"))
    content_html = ""
    contents = [c for c in raw.get("content") or [] if c.get("value")]
    if contents:
        best = next((c for c in contents if _is_html_type(c.get("type"))), contents[0])
        content_html = _as_html(best.get("value"), best.get("type"))
    summary_detail = raw.get("summary_detail") or {}
    summary_html = _as_html(raw.get("summary"), summary_detail.get("type"))
    guid = str(raw.get("id") or "").strip() or link or _hash_guid(title, published, summary_html)
    return Entry(
        guid=guid,
        url=link,
        title=title,
        author=str(raw.get("author") or "").strip() or None,
        published=published,
        summary_html=summary_html,
        content_html=content_html,
        image_url=_image(raw, feed_url),
    )


def _image(raw: Any, feed_url: str) -> str | None:
    candidates: list[str] = []
    for media in raw.get("media_content") or []:
        kind = str(media.get("medium") or media.get("type") or "")
        href = str(media.get("url") or "")
        if kind.startswith("image") or (not kind and _IMAGE_EXT.search(href)):
            candidates.append(href)
    candidates += [str(t.get("url") or "") for t in raw.get("media_thumbnail") or []]
    for link in list(raw.get("links") or []) + list(raw.get("enclosures") or []):
        if str(link.get("type") or "").startswith("image/") and (
            link.get("rel") in (None, "enclosure")
        ):
            candidates.append(str(link.get("href") or ""))
    for candidate in candidates:
        absolute = _absolute(feed_url, candidate)
        if absolute:
            return absolute
    return None


# --- JSON Feed -----------------------------------------------------------------------------


def _parse_json_feed(body: bytes, url: str) -> ParsedFeed:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise FeedError(f"not a feed: invalid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise FeedError("not a feed: this JSON document is not a JSON Feed")
    version = data.get("version")
    items = data.get("items")
    if not isinstance(items, list):
        if isinstance(version, str) and "jsonfeed.org/version/" in version:
            raise FeedError("not a feed: the JSON Feed has no 'items' list")
        raise FeedError("not a feed: this JSON document is not a JSON Feed")
    number = str(version or "").rstrip("/").rsplit("/", 1)[-1]
    fmt = {"1": "json10", "1.0": "json10", "1.1": "json11"}.get(number, "json")
    entries = [_json_entry(item, url) for item in items if isinstance(item, dict)]
    return ParsedFeed(
        title=_text(data.get("title")).strip() or None,
        site_url=_absolute(url, _text(data.get("home_page_url"))),
        format=fmt,
        entries=_unique(entries),
    )


def _json_entry(item: Mapping[str, Any], feed_url: str) -> Entry:
    link = _absolute(feed_url, _text(item.get("url")) or _text(item.get("external_url"))) or ""
    title = _text(item.get("title")).strip()
    published = _from_iso(item.get("date_published")) or _from_iso(item.get("date_modified"))
    content_html = _text(item.get("content_html"))
    if not content_html and _text(item.get("content_text")):
        content_html = _as_html(_text(item.get("content_text")), "text/plain")
    summary_html = _as_html(_text(item.get("summary")), "text/plain")
    guid = _text(item.get("id")).strip() or _text(item.get("guid")).strip()
    guid = guid or link or _hash_guid(title, published, summary_html or content_html)
    return Entry(
        guid=guid,
        url=link,
        title=title,
        author=_json_author(item),
        published=published,
        summary_html=summary_html,
        content_html=content_html,
        image_url=_json_image(item, feed_url),
    )


def _json_author(item: Mapping[str, Any]) -> str | None:
    authors = item.get("authors")
    people = authors if isinstance(authors, list) else [item.get("author")]
    names = [_text(p.get("name")).strip() for p in people if isinstance(p, dict)]
    return ", ".join(n for n in names if n) or None


def _json_image(item: Mapping[str, Any], feed_url: str) -> str | None:
    candidates = [_text(item.get("image")), _text(item.get("banner_image"))]
    for attachment in item.get("attachments") or []:
        if isinstance(attachment, dict) and _text(attachment.get("mime_type")).startswith("image/"):
            candidates.append(_text(attachment.get("url")))
    for candidate in candidates:
        absolute = _absolute(feed_url, candidate)
        if absolute:
            return absolute
    return None


# --- helpers ------------------------------------------------------------------------------


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _absolute(base: str, href: object) -> str | None:
    """``href`` resolved against ``base``; None unless the result is an http(s) URL."""
    if not isinstance(href, str) or not href.strip():
        return None
    try:
        absolute = urljoin(base, href.strip())
        parts = urlsplit(absolute)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return absolute


def _is_html_type(kind: object) -> bool:
    return isinstance(kind, str) and kind.lower() in _HTML_TYPES


def _as_html(value: object, kind: object) -> str:
    """Feed text as HTML: plain-text values are escaped, HTML is passed through."""
    text = _text(value)
    if not text:
        return ""
    if isinstance(kind, str) and kind.lower() in ("text/plain", "text"):
        return html.escape(text, quote=False)
    return text


def _clean_title(value: object, detail: object) -> str:
    text = _text(value)
    kind = detail.get("type") if isinstance(detail, Mapping) else None
    if _is_html_type(kind) and "<" in text:
        text = html.unescape(_TAG.sub("", text))
    return _SPACE.sub(" ", text).strip()


def _checked(moment: datetime) -> datetime | None:
    if moment > datetime.now(UTC) + FUTURE_SLACK:
        return None
    return moment


def _from_struct(value: object) -> datetime | None:
    if not isinstance(value, time.struct_time | tuple) or len(value) < 6:
        return None
    try:
        year, month, day, hour, minute, second = (int(v) for v in value[:6])
        return _checked(datetime(year, month, day, hour, minute, min(second, 59), tzinfo=UTC))
    except (TypeError, ValueError, OverflowError):
        return None


def _from_iso(value: object) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        try:  # not RFC 3339 as the spec wants; RFC 822 is the usual mistake
            moment = parsedate_to_datetime(value.strip())
        except (TypeError, ValueError, IndexError):
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return _checked(moment.astimezone(UTC))
    except (ValueError, OverflowError):
        return None


def _hash_guid(title: str, published: datetime | None, extra: str) -> str:
    seed = f"{title}\n{published.isoformat() if published else ''}"
    if not title and published is None:
        seed += f"\n{extra}"
    return "sha256:" + hashlib.sha256(seed.encode("utf-8", "replace")).hexdigest()


def _unique(entries: Iterable[Entry]) -> list[Entry]:
    """Entries with a repeated guid are dropped (the first one wins)."""
    seen: set[str] = set()
    unique: list[Entry] = []
    for entry in entries:
        if entry.guid not in seen:
            seen.add(entry.guid)
            unique.append(entry)
    return unique

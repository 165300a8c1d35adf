"""Parse RSS 0.9x/1.0/2.0, Atom 0.3/1.0 (via feedparser) and JSON Feed 1.0/1.1 into Entries."""

from __future__ import annotations

import bisect
import hashlib
import html
import io
import json
import re
import time
import xml.parsers.expat
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import feedparser

from newsdesk.sources.entry import Entry, FeedError, ParsedFeed
from newsdesk.sources.images import absolute_url as _absolute
from newsdesk.sources.images import entry_image, json_image
from newsdesk.sources.sniff import (
    FEED_ROOTS,
    declares_entities,
    is_html,
    is_json_candidate,
    root_element,
)

__all__ = ["FeedError", "ParsedFeed", "parse_feed", "parse_feed_bounded"]

# Dates further in the future than this are treated as bogus (None) rather than trusted.
FUTURE_SLACK = timedelta(days=1)
# Nothing on the web is older than its first page (1991): an earlier date is a placeholder
# (Go's zero time "Mon, 01 Jan 0001" in Hugo sites' feeds, Unix time 0), no date.
EARLIEST = datetime(1991, 1, 1, tzinfo=UTC)
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
    return parse_feed_bounded(body, url, content_type)[0]


def parse_feed_bounded(
    body: bytes, url: str, content_type: str | None = None, max_items: int = 0
) -> tuple[ParsedFeed, int]:
    """``parse_feed`` reading at most ``max_items`` items (0: all); also the number skipped.

    The newest items are kept: by their dates when they have some (undated ones after the
    dated), else the first in the document (feeds list the newest first). The cut is made
    before the feed parser runs, whose time and memory grow with the items it reads.
    """
    if not body.strip():
        raise FeedError("not a feed: the document is empty")
    if is_json_candidate(body, content_type):
        return _parse_json_feed(body, url, max_items)
    if is_html(body):
        raise FeedError("this is an HTML page, not a feed")
    if declares_entities(body):
        raise FeedError(
            "refused: the document's DOCTYPE declares XML entities "
            "(entity-expansion attacks such as 'billion laughs' are not parsed)"
        )
    body, skipped = cut_items(body, max_items)
    return _parse_xml_feed(body, url, content_type), skipped


def _parse_xml_feed(body: bytes, url: str, content_type: str | None) -> ParsedFeed:
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
    declared = _language(feed.get("language")) or _language(
        (feed.get("title_detail") or {}).get("language")
    )
    entries = [_adapt_entry(raw, url, declared) for raw in raw_entries]
    return ParsedFeed(
        title=title,
        site_url=_absolute(url, feed.get("link")),
        format=version or ("cdf" if root == "channel" else "unknown"),  # CDF: Microsoft, 1997
        entries=_unique(entries),
    )


def _words(fragment: str) -> int:
    """How many words an HTML fragment's text has (tags dropped; for comparing two)."""
    return len(html.unescape(_TAG.sub(" ", fragment)).split())


def _language(value: Any) -> str | None:
    """A declared language tag as an ISO 639 code: "en-US" -> "en"; None if it is not one."""
    primary = str(value or "").strip().replace("_", "-").split("-")[0].lower()
    return primary if primary.isascii() and primary.isalpha() and 2 <= len(primary) <= 3 else None


def _adapt_entry(raw: Any, feed_url: str, feed_language: str | None = None) -> Entry:
    link = _absolute(feed_url, raw.get("link")) or ""
    title = _clean_title(raw.get("title"), raw.get("title_detail"))
    published = _from_struct(raw.get("published_parsed")) or _from_struct(raw.get("updated_parsed"))
    content_html = ""
    summary_detail = raw.get("summary_detail") or {}
    summary_html = _as_html(raw.get("summary"), summary_detail.get("type"))
    contents = [c for c in raw.get("content") or [] if c.get("value")]
    if contents:
        best = next((c for c in contents if _is_html_type(c.get("type"))), contents[0])
        content_html = _as_html(best.get("value"), best.get("type"))
        if not _is_html_type(best.get("type")) and _words(content_html) < _words(summary_html):
            # no whole text: feedparser files a description after the item's own as plain
            # "content", e.g. GameStar's <media:description>Videoimage</media:description>
            content_html = ""
    guid = str(raw.get("id") or "").strip() or link or _hash_guid(title, published, summary_html)
    return Entry(
        guid=guid,
        url=link,
        title=title,
        author=_author(raw),
        published=published,
        summary_html=summary_html,
        content_html=content_html,
        image_url=entry_image(raw, feed_url),
        language=_language((raw.get("title_detail") or {}).get("language")) or feed_language,
        enclosure_url=_enclosure(raw, feed_url),
    )


def _enclosure(raw: Any, feed_url: str) -> str | None:
    """The first audio or video file the item encloses (a podcast episode's)."""
    for enc in raw.get("enclosures") or []:
        kind = str(enc.get("type") or "")
        if kind.startswith(("audio/", "video/")) and enc.get("href"):
            return _absolute(feed_url, enc.get("href"))
    return None


# --- JSON Feed -----------------------------------------------------------------------------


def _parse_json_feed(body: bytes, url: str, max_items: int = 0) -> tuple[ParsedFeed, int]:
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
    objects = [item for item in items if isinstance(item, dict)]
    kept = _newest([_json_date(item) for item in objects], max_items)
    declared = _language(data.get("language"))
    entries = [_json_entry(objects[i], url, declared) for i in kept]
    parsed = ParsedFeed(
        title=_text(data.get("title")).strip() or None,
        site_url=_absolute(url, _text(data.get("home_page_url"))),
        format=fmt,
        entries=_unique(entries),
    )
    return parsed, len(objects) - len(kept)


def _json_date(item: Mapping[str, Any]) -> datetime | None:
    return _from_iso(item.get("date_published")) or _from_iso(item.get("date_modified"))


def _json_entry(item: Mapping[str, Any], feed_url: str, feed_language: str | None) -> Entry:
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
        image_url=json_image(item, feed_url),
        language=_language(item.get("language")) or feed_language,
        enclosure_url=_json_enclosure(item, feed_url),
    )


def _json_enclosure(item: Mapping[str, Any], feed_url: str) -> str | None:
    """The first audio or video attachment (a JSON Feed podcast episode's file)."""
    attachments = item.get("attachments")
    for att in attachments if isinstance(attachments, list) else []:
        if isinstance(att, dict) and _text(att.get("mime_type")).startswith(("audio/", "video/")):
            return _absolute(feed_url, _text(att.get("url"))) or None
    return None


def _json_author(item: Mapping[str, Any]) -> str | None:
    authors = item.get("authors")
    people = authors if isinstance(authors, list) else [item.get("author")]
    names = [_text(p.get("name")).strip() for p in people if isinstance(p, dict)]
    return ", ".join(n for n in names if n) or None


# --- bounding the items read --------------------------------------------------------------

_ITEM_NAMES = frozenset({"item", "entry"})
# Local names of an item's child elements that date it, as entries are dated: its
# publication (RSS, Atom, dcterms), else its last update (Atom, dcterms, dc:date).
_DATE_KINDS = {"pubdate": 0, "published": 0, "issued": 0, "updated": 1, "modified": 1, "date": 1}
_ITEM_OPEN = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)[\s/>]")
_ITEM_CLOSE = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?(?:item|entry)\s*>")
_SPAN_DATES = [
    re.compile(
        rb"<(?:[A-Za-z_][\w.-]*:)?(?:" + names + rb")(?:\s[^>]*)?>\s*(?:<!\[CDATA\[)?([^<]{1,200})"
    )
    for names in (rb"pubDate|published|issued", rb"updated|modified|date")
]


def cut_items(body: bytes, max_items: int) -> tuple[bytes, int]:
    """The XML feed ``body`` without all but its ``max_items`` newest items; how many were cut.

    Items (RSS/RDF ``<item>``, Atom ``<entry>``) are found by expat, which gives their byte
    offsets, or, when the document is not well-formed XML (the feed parser still reads
    those), by a pattern. Everything else in the document is kept byte for byte.
    """
    if max_items <= 0 or not _may_exceed(body, max_items):
        return body, 0
    spans = _ItemScanner().scan(body)
    if spans is None:
        spans = _pattern_spans(body)
    if len(spans) <= max_items:
        return body, 0
    kept = set(_newest([date for _start, _end, date in spans], max_items))
    pieces: list[bytes] = []
    position = 0
    for index, (start, end, _date) in enumerate(spans):
        if index not in kept:
            pieces.append(body[position:start])
            position = end
    pieces.append(body[position:])
    return b"".join(pieces), len(spans) - len(kept)


def _may_exceed(body: bytes, max_items: int) -> bool:
    """False when the document surely has no more than ``max_items`` items (a cheap count)."""
    if b"\x00" in body[:4] or body[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return True  # UTF-16 or -32: the count below does not see its tags
    return any(count > max_items for count, _ in enumerate(_ITEM_OPEN.finditer(body), 1))


def _newest(dates: Sequence[datetime | None], limit: int) -> list[int]:
    """Indexes (in order) of the ``limit`` newest of items with these dates (0: all).

    Dated items come first, newest first; undated ones follow in document order, which is
    newest first in most feeds.
    """
    if limit <= 0 or len(dates) <= limit:
        return list(range(len(dates)))

    def rank(index: int) -> tuple[int, float]:
        date = dates[index]
        return (0, -date.timestamp()) if date is not None else (1, index)

    return sorted(sorted(range(len(dates)), key=rank)[:limit])


class _ItemScanner:
    """Byte spans and dates of a feed document's outermost items, in one pass of expat."""

    def __init__(self) -> None:
        self.spans: list[tuple[int, int, datetime | None]] = []
        self._parser = xml.parsers.expat.ParserCreate()
        self._depth = 0
        self._item_depth = 0  # depth of the open item; 0: outside items
        self._start = 0
        self._dates: list[datetime | None] = [None, None]  # (published, updated)
        self._kind = -1  # the kind of date whose element's text is being collected, if any
        self._date_text: list[str] = []
        self._ending = False  # an item closed: its span ends where the next event starts

    def scan(self, body: bytes) -> list[tuple[int, int, datetime | None]] | None:
        """The spans, or None when expat cannot read the document."""
        parser = self._parser
        parser.StartElementHandler = self._open
        parser.EndElementHandler = self._close
        parser.CharacterDataHandler = self._text
        parser.CommentHandler = self._other
        parser.ProcessingInstructionHandler = self._other
        parser.StartCdataSectionHandler = self._event
        try:
            parser.Parse(body, True)
        except (xml.parsers.expat.ExpatError, ValueError, LookupError, RecursionError):
            return None
        if self._ending:
            self._end_span(len(body))
        return self.spans

    def _event(self) -> None:
        if self._ending:
            self._end_span(self._parser.CurrentByteIndex)

    def _end_span(self, end: int) -> None:
        self._ending = False
        self.spans.append((self._start, end, self._dates[0] or self._dates[1]))

    def _other(self, *_args: object) -> None:
        self._event()

    def _open(self, name: str, _attrs: object) -> None:
        self._event()
        self._depth += 1
        local = name.rpartition(":")[2].lower()
        if not self._item_depth:
            if local in _ITEM_NAMES:
                self._item_depth = self._depth
                self._start = self._parser.CurrentByteIndex
                self._dates = [None, None]
        elif self._depth == self._item_depth + 1 and local in _DATE_KINDS:
            kind = _DATE_KINDS[local]
            self._kind = kind if self._dates[kind] is None else -1
            self._date_text = []

    def _close(self, _name: str) -> None:
        self._event()
        if self._kind >= 0:
            self._dates[self._kind] = _item_date("".join(self._date_text))
            self._kind = -1
        if self._depth == self._item_depth:
            self._item_depth = 0
            self._ending = True
        self._depth -= 1

    def _text(self, data: str) -> None:
        self._event()
        if self._kind >= 0:
            self._date_text.append(data)


_RFC822 = re.compile(
    r"\s*(?:[A-Za-z]{3},\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{4})\s+(\d\d):(\d\d)(?::(\d\d))?"
    r"\s+(?:GMT|UT|UTC|Z|([+-])(\d\d)(\d\d))\s*$"
)
_MONTHS = {
    m: n
    for n, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}


def _item_date(text: str) -> datetime | None:
    """An item's date for ranking: the usual RFC 822 form read fast, others as entries are."""
    match = _RFC822.match(text)
    month = _MONTHS.get(match.group(2).lower()) if match else None
    if match is None or month is None:
        return _from_iso(text[:200])
    day, _name, year, hour, minute, second, sign, off_h, off_m = match.groups()
    try:
        moment = datetime(int(year), month, int(day), int(hour), int(minute), int(second or 0))
    except ValueError:
        return None
    offset = timedelta(hours=int(off_h or 0), minutes=int(off_m or 0))
    moment -= offset if sign != "-" else -offset
    return _checked(moment.replace(tzinfo=UTC))


def _pattern_spans(body: bytes) -> list[tuple[int, int, datetime | None]]:
    """Item spans found by patterns, for documents that are not well-formed XML.

    An item runs from its start tag to the first end tag before the next item's start tag,
    or, unclosed, to that start tag (to the end for the last): linear time on any input.
    """
    opens = [match.start() for match in _ITEM_OPEN.finditer(body)]
    closes = [match.end() for match in _ITEM_CLOSE.finditer(body)]
    spans: list[tuple[int, int, datetime | None]] = []
    for number, start in enumerate(opens):
        limit = opens[number + 1] if number + 1 < len(opens) else len(body)
        at = bisect.bisect_right(closes, start)
        end = closes[at] if at < len(closes) and closes[at] <= limit else limit
        spans.append((start, end, _span_date(body, start, end)))
    return spans


def _span_date(body: bytes, start: int, end: int) -> datetime | None:
    for pattern in _SPAN_DATES:
        found = pattern.search(body, start, end)
        date = _item_date(found.group(1).decode("latin-1")) if found else None
        if date is not None:
            return date
    return None


# --- helpers ------------------------------------------------------------------------------


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


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
    """The title's text. One feedparser types as HTML is read as HTML even without a tag:
    Apple's "Safari &amp;amp; Web" comes as "Safari &amp; Web", which reads "Safari & Web"."""
    text = _text(value)
    kind = detail.get("type") if isinstance(detail, Mapping) else None
    if _is_html_type(kind):
        text = html.unescape(_TAG.sub("", text))
    return _SPACE.sub(" ", text).strip()


def _author(raw: Any) -> str | None:
    """The item's author as text: feedparser keeps a <dc:creator>'s "Steve Scott (Scotty)
    &amp; John Fox" escaped (its parsed `author_detail` name is no better: it cuts an e-mail
    address with a long domain, "news@x.example (Jo)" -> "ple (Jo")."""
    text = _text(raw.get("author"))
    if "<" in text or "&" in text:
        text = html.unescape(_TAG.sub("", text))
    return _SPACE.sub(" ", text).strip() or None


def _checked(moment: datetime) -> datetime | None:
    if moment > datetime.now(UTC) + FUTURE_SLACK or moment < EARLIEST:
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
        except (TypeError, ValueError, IndexError, OverflowError):  # "+99999999999" overflows
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

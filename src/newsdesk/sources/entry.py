"""The one internal entry model every feed format is adapted into."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Entry:
    guid: str
    url: str
    title: str = ""
    author: str | None = None
    published: datetime | None = None  # timezone-aware UTC
    summary_html: str = ""  # the teaser / description as the feed gives it
    content_html: str = ""  # full content when the feed carries it
    image_url: str | None = None
    language: str | None = None  # as declared by the entry or its feed (xml:lang, <language>)
    enclosure_url: str | None = None  # its audio or video file (a podcast episode's)


@dataclass
class ParsedFeed:
    title: str | None
    site_url: str | None
    format: str  # feedparser's version string, e.g. "rss20", "atom10", "json11"
    entries: list[Entry] = field(default_factory=list)


class FeedError(Exception):
    """The document is not a usable feed; the message says why."""

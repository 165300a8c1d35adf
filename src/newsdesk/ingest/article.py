"""The storable article model, ``Candidate``, and its adapters: from a feed entry, from a
JSONL record (`newsdesk import`), merged with a page's extraction; ``text_stats`` (content hash
and word count)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from html import escape
from typing import Any
from urllib.parse import urlsplit

from newsdesk.extract.article import Extracted
from newsdesk.extract.language import detect_language, item_language
from newsdesk.extract.sanitize import html_to_text, sanitize_html
from newsdesk.nlp.text import paragraphs
from newsdesk.sources.entry import Entry
from newsdesk.sources.urls import canonicalize

_WORDS = re.compile(r"\w+")
MIN_HASH_WORDS = 50  # shorter texts (teasers) are too generic to dedupe by content


def text_stats(text: str) -> tuple[str | None, int]:
    """(content hash, word count) of a text, from one pass over its words.

    The hash of the normalized text is what stores syndicated copies once.
    """
    words = _WORDS.findall(text.lower())
    if len(words) < MIN_HASH_WORDS:
        return None, len(words)
    return hashlib.sha256(" ".join(words).encode()).hexdigest(), len(words)


def content_hash(text: str) -> str | None:
    return text_stats(text)[0]


def word_count(text: str) -> int:
    return len(_WORDS.findall(text))


@dataclass
class Candidate:
    """An article ready to store: what the feed said, improved by the page when fetched."""

    url: str
    guid: str
    title: str
    outlet: str
    author: str | None = None
    published: datetime | None = None
    text: str = ""
    html: str = ""
    summary: str | None = None
    image_url: str | None = None
    language: str | None = None
    extraction_error: str | None = None
    page_url: str = ""  # the article page as the feed links it (before canonicalizing)
    site_name: str | None = None  # og:site_name of the article page, when it was read


# ---------------------------------------------------------------- from a feed entry


def _entry_text(entry: Entry) -> tuple[str, str]:
    """The item's text and HTML: its content, or its summary when the content has no words
    (WWDC Notes' "content_html" of some items is a sketchnote's <img> alone)."""
    for raw in (entry.content_html, entry.summary_html):
        text = html_to_text(raw) if raw else ""
        if text.strip():
            return text, sanitize_html(raw, entry.url)
    return "", ""


NO_PAGE = "no article page: the feed links only the item's audio or video file"


def candidate_from_entry(entry: Entry, feed_title: str) -> Candidate:
    """The article as the feed gives it. CPU-bound (sanitizing, language): off the event loop."""
    if not entry.url and entry.enclosure_url:  # a podcast episode with no page of its own
        cand = replace(entry, url=entry.enclosure_url, enclosure_url=None)
        found = candidate_from_entry(cand, feed_title)
        found.page_url = ""  # nothing to fetch: the file is no article page
        found.extraction_error = NO_PAGE
        return found
    text, html = _entry_text(entry)
    summary = html_to_text(entry.summary_html) if entry.summary_html else None
    return Candidate(
        url=canonicalize(entry.url),
        page_url=entry.url,
        guid=entry.guid,
        title=entry.title,
        outlet=feed_title,
        author=entry.author,
        published=entry.published,
        text=text,
        html=html,
        summary=summary,
        image_url=entry.image_url,
        language=item_language(f"{entry.title}\n{text}", entry.language),
    )


def merge_extracted(cand: Candidate, ext: Extracted) -> Candidate:
    """The page's extraction wins for body and metadata; the feed fills what the page lacks."""
    cand.text = ext.text
    cand.html = ext.html
    cand.title = cand.title or ext.title
    cand.author = cand.author or ext.author
    cand.published = cand.published or ext.published
    cand.image_url = cand.image_url or ext.image_url
    cand.language = ext.language or cand.language
    cand.site_name = ext.sitename or cand.site_name
    if ext.canonical_url and ext.canonical_url.startswith(("http://", "https://")):
        cand.url = canonicalize(ext.canonical_url)
    return cand


def url_host(url: str) -> str:
    """The outlet when neither the feed nor the record names one: the URL's host."""
    return urlsplit(url).hostname or url


# ---------------------------------------------------------------- from a JSONL record

# Column sizes of the display fields: longer values are cut to fit.
_FIELD_LIMITS = {"title": 1024, "author": 512, "source": 256}
_URL_LIMIT = 2048


def _json_type(value: object) -> str:
    names = {dict: "an object", list: "an array", bool: "a boolean", str: "a string"}
    return names.get(type(value), "null" if value is None else "a number")


def _checked_text(value: str, name: str) -> str:
    """``value``, if it can be stored: JSON's \\uD800 escapes give lone surrogates, no text."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(
            f"field {name!r} holds a lone surrogate at character {exc.start + 1}"
        ) from None
    return value


def _str_field(record: dict[str, Any], name: str) -> str | None:
    value = record.get(name)
    if value is None or isinstance(value, str):
        return value if value is None else _checked_text(value, name)
    raise ValueError(f"field {name!r} must be a string, not {_json_type(value)}")


def _author_field(record: dict[str, Any]) -> str | None:
    value = record.get("author")
    if isinstance(value, list) and all(isinstance(name, str) for name in value):
        names = ", ".join(name.strip() for name in value if name.strip())
        return _checked_text(names, "author") or None
    if value is not None and not isinstance(value, str):
        raise ValueError(
            f"field 'author' must be a string or an array of strings, not {_json_type(value)}"
        )
    return _checked_text(value or "", "author").strip() or None


def _url_field(record: dict[str, Any]) -> str:
    url = (_str_field(record, "url") or "").strip()
    if not url:
        raise ValueError("field 'url' is missing or empty")
    if len(url) > _URL_LIMIT:
        raise ValueError(f"field 'url' is longer than {_URL_LIMIT} characters")
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError("field 'url' is not an http(s) URL")
    return url


def _published_field(record: dict[str, Any]) -> datetime | None:
    value = _str_field(record, "published")
    if not value or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"field 'published' is not an ISO 8601 date: {value[:40]!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _cut(value: str | None, name: str) -> str | None:
    return value[: _FIELD_LIMITS[name]] if value else value


def candidate_from_record(record: object) -> Candidate:
    """A pre-extracted article from `newsdesk import FILE.jsonl`.

    Raises ValueError naming the field that is missing or of the wrong type. ``author`` may be
    an array of names (joined with ", ").
    """
    if not isinstance(record, dict):
        raise ValueError(f"not a JSON object but {_json_type(record)}")
    url = _url_field(record)
    text = _str_field(record, "text") or ""
    if not text.strip():
        raise ValueError("field 'text' is missing or empty")
    language = _str_field(record, "language")
    if language and len(language) > 16:
        raise ValueError("field 'language' is longer than 16 characters")
    return Candidate(
        url=canonicalize(url),
        guid=url,
        title=_cut(_str_field(record, "title"), "title") or "",
        outlet=_cut(_str_field(record, "source"), "source") or url_host(url),
        author=_cut(_author_field(record), "author"),
        published=_published_field(record),
        text=text,
        html="".join(f"<p>{escape(p)}</p>" for p in paragraphs(text)),
        language=language or detect_language(text),
    )

"""The Jinja environment and the filters the templates use."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from newsdesk import __version__
from newsdesk.store.search import MARK_END, MARK_START

TEMPLATES = Path(__file__).parent / "templates"
WORDS_PER_MINUTE = 230


def _aware(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def datefmt(dt: datetime | None) -> str:
    """A calendar date: '7 Mar 2024'."""
    if dt is None:
        return ""
    dt = _aware(dt)
    return f"{dt.day} {dt:%b %Y}"


def reltime(dt: datetime | None, now: datetime | None = None) -> str:
    """'just now', '5 minutes ago', '2 hours ago', 'yesterday', '3 days ago', or a date.

    Future times (a feed's next fetch) read 'in 5 minutes', 'tomorrow', 'in 3 days'.
    Naive datetimes are taken as UTC.
    """
    if dt is None:
        return ""
    dt = _aware(dt)
    now = _aware(now) if now is not None else datetime.now(UTC)
    seconds = (now - dt).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        span = _plural(int(seconds // 60), "minute")
    elif seconds < 86400:
        span = _plural(int(seconds // 3600), "hour")
    else:
        days = int(seconds // 86400)
        if days >= 7:
            return datefmt(dt)
        if days == 1:
            return "tomorrow" if future else "yesterday"
        span = _plural(days, "day")
    return f"in {span}" if future else f"{span} ago"


def isotime(dt: datetime | None) -> str:
    """Machine-readable UTC timestamp for `<time datetime=…>`."""
    if dt is None:
        return ""
    return _aware(dt).isoformat(timespec="seconds")


def abstime(dt: datetime | None) -> str:
    """Human-readable absolute time: '7 Mar 2024, 14:05 UTC'."""
    if dt is None:
        return ""
    dt = _aware(dt)
    return f"{datefmt(dt)}, {dt:%H:%M} UTC"


def highlight(snippet: str | None) -> Markup:
    """Escape a search snippet, then turn the store's match markers into <mark> elements."""
    if not snippet:
        return Markup("")
    escaped = str(escape(snippet))
    opened = escaped.count(MARK_START) - escaped.count(MARK_END)
    escaped = escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    return Markup(escaped + "</mark>" * max(opened, 0))


def excerpt(text: str | None, limit: int = 280) -> str:
    """Plain text shortened at a word boundary, with an ellipsis when cut."""
    if not text:
        return ""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:.—-")
    return cut + "…"


def paragraphs(text: str | None) -> list[str]:
    """Split plain article text into paragraphs (one per non-blank line)."""
    if not text:
        return []
    return [line.strip() for line in re.split(r"\n+", text) if line.strip()]


def reading_minutes(words: int) -> int:
    return max(1, round(words / WORDS_PER_MINUTE))


def quote_path(value: str) -> str:
    """Percent-encode a value for use as one URL path segment."""
    return quote(value, safe="")


def safe_url(url: str | None) -> str:
    """The URL if it is http(s), else '' (never emit javascript: or data: links)."""
    if not url:
        return ""
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return ""
    return url.strip() if scheme in ("http", "https") else ""


def hostname(url: str | None) -> str:
    try:
        host = urlsplit(url or "").hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def make_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        reltime=reltime,
        isotime=isotime,
        abstime=abstime,
        datefmt=datefmt,
        highlight=highlight,
        excerpt=excerpt,
        paragraphs=paragraphs,
        reading_minutes=reading_minutes,
        quote_path=quote_path,
        safe_url=safe_url,
        hostname=hostname,
    )
    env.globals.update(version=__version__)
    return env

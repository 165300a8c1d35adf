"""Why an article page failed, in a few words a reader understands: the reason groups of the
Sources page, matched against the message stored in `articles.extraction_error`.

The patterns follow the messages that newsdesk raises for a page: FetchError in
newsdesk.sources.fetch / guard (robots, HTTP status, timeout, too large, network, blocked),
ExtractionError in newsdesk.extract.article, and the page-cap note of newsdesk.ingest.refresher.
The first matching pattern wins; a message that none matches is "other".
"""

from __future__ import annotations

import re

# (label, pattern), checked in order.
REASONS: tuple[tuple[str, str], ...] = (
    ("robots.txt", r"refused by robots\.txt"),
    ("over the page limit", r"page not fetched: over this feed's limit"),
    ("forbidden (403)", r"\bHTTP 40[13]\b"),
    ("not found (404/410)", r"\bHTTP 4(?:04|10)\b"),
    ("rate limited (429)", r"\bHTTP 429\b"),
    ("server error (5xx)", r"\bHTTP 5\d\d\b"),
    ("other HTTP error", r"\bHTTP \d{3}\b"),
    ("timeout", r"^timeout\b|timed? ?out"),
    ("too large", r"\blimit \d+ bytes\b|\btoo large\b"),
    ("blocked address", r"\bnot allowed\b|\bblocked\b|non-public|private address"),
    ("redirects", r"redirect loop|more than \d+ redirects"),
    ("network error", r"network error|cannot resolve|cannot decode body"),
    ("no article text", r"no main (?:text|content) found|trafilatura returned nothing"),
    ("not an HTML page", r"not an HTML document|cannot parse the page as HTML"),
    ("unreadable feed text", r"the feed's text of this item is unreadable"),
    ("audio or video only", r"^no article page: the feed links only"),
)
OTHER = "other"
_COMPILED = tuple((label, re.compile(pattern, re.IGNORECASE)) for label, pattern in REASONS)


def failure_reason(message: str | None) -> str:
    """The reason group of a page failure message ("robots.txt", "forbidden (403)"...)."""
    for label, pattern in _COMPILED:
        if pattern.search(message or ""):
            return label
    return OTHER

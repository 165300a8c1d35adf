"""Cheap looks at a document's first bytes: feed, HTML, JSON, or hostile XML."""

from __future__ import annotations

import codecs
import re

from newsdesk.sources.charset import content_type_params

__all__ = [
    "FEED_ROOTS",
    "declares_entities",
    "is_html",
    "is_json_candidate",
    "looks_like_feed",
    "prolog_text",
    "root_element",
]

FEED_MIME_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/feed+json",
        "application/rdf+xml",
        "application/x-rss+xml",
        "application/x-atom+xml",
        "text/rss+xml",
        "text/atom+xml",
    }
)
_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
_PI = re.compile(r"<\?.*?(?:\?>|$)", re.DOTALL)
_FIRST_ELEMENT = re.compile(r"<([A-Za-z_][\w:.-]*)")
_DOCTYPE = re.compile(r"<!DOCTYPE\s+([^\s>\[]+)", re.IGNORECASE)
_HTML_ROOTS = {"html", "head", "body"}
# Local names of document elements that make a feed (channel: CDF and RSS 1.1).
FEED_ROOTS = frozenset({"rss", "feed", "rdf", "channel"})
_SNIFF = 4096


def prolog_text(body: bytes, limit: int | None = None) -> str:
    """The document (or its first ``limit`` bytes) as text good enough to look at markup.

    UTF-16/32 are recognised by BOM or by the zero bytes around the first ``<``; anything
    else is read as Latin-1, which keeps every ASCII character of ASCII-compatible encodings.
    """
    data = body if limit is None else body[:limit]
    for bom, name in (
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return data[len(bom) :].decode(name, "replace")
    head = data[:4]
    if len(head) == 4:  # no BOM: XML 1.0 appendix F, by where the zero bytes are
        if head[0] and not any(head[1:]):
            return data.decode("utf-32-le", "replace")
        if not any(head[:3]) and head[3]:
            return data.decode("utf-32-be", "replace")
        if head[0] and not head[1] and head[2] and not head[3]:
            return data.decode("utf-16-le", "replace")
        if not head[0] and head[1] and not head[2] and head[3]:
            return data.decode("utf-16-be", "replace")
    return data.decode("latin-1")


def _strip_noise(text: str) -> str:
    return _PI.sub("", _COMMENT.sub("", text))


def _root_name(text: str) -> str | None:
    match = _FIRST_ELEMENT.search(_strip_noise(text))
    return match.group(1).lower() if match else None


def root_element(body: bytes) -> str | None:
    """Lower-case name (with prefix) of the document element, when one can be seen."""
    return _root_name(prolog_text(body, _SNIFF * 4))


def is_html(body: bytes) -> bool:
    """Whether the document is an HTML page: an html/head/body root, else an HTML DOCTYPE.

    The document element decides, so an RSS file carrying a stray XHTML DOCTYPE is no page.
    """
    text = _strip_noise(prolog_text(body, _SNIFF)).lstrip()
    root = _root_name(text)
    if root is not None:
        return root in _HTML_ROOTS
    doctype = _DOCTYPE.match(text)
    return doctype is not None and doctype.group(1).lower() == "html"


def declares_entities(body: bytes) -> bool:
    """Whether a DOCTYPE before the root element declares entities (billion laughs, XXE)."""
    text = _strip_noise(prolog_text(body))
    root = _FIRST_ELEMENT.search(text)
    prolog = text[: root.start()] if root else text
    doctype = _DOCTYPE.search(prolog)
    return doctype is not None and "<!entity" in prolog[doctype.start() :].lower()


def is_json_candidate(body: bytes, content_type: str | None) -> bool:
    """Whether to read the document as JSON: it starts with '{', or is labelled JSON and
    does not start with '<' (XML feeds mislabelled as JSON exist)."""
    start = prolog_text(body, 64).lstrip()[:1]
    if start in ("{", "<"):
        return start == "{"
    mime, _ = content_type_params(content_type)
    return mime.endswith("json")


def looks_like_feed(body: bytes, content_type: str | None) -> bool:
    """Whether a response is probably a feed (by media type, else by its first element).

    The media type only ever says yes: feeds served as text/html, text/plain,
    application/octet-stream... are recognised by their content."""
    mime, _ = content_type_params(content_type)
    if mime in FEED_MIME_TYPES:
        return True
    text = prolog_text(body, _SNIFF)
    if text.lstrip().startswith("{"):
        # JSON objects are unordered: "version" may come after a long "items" list.
        return "jsonfeed.org/version" in text or b"jsonfeed.org/version" in body
    if is_html(body):
        return False
    return (_root_name(text) or "").rpartition(":")[2] in FEED_ROOTS

"""Sanitizing untrusted article/feed HTML (nh3 allow-list) and converting it to plain text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from urllib.parse import urlsplit

import lxml.html
import nh3
from lxml.etree import ParserError, _Element

from newsdesk.forksafe import LXML

ALLOWED_TAGS = frozenset(
    {"p", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "a", "em", "strong"}
    | {"b", "i", "figure", "figcaption", "img", "br", "pre", "code"}
    | {"table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td"}
)
ALLOWED_ATTRIBUTES = {
    "a": {"href"},
    "img": {"src", "alt"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener noreferrer"
# Removed together with everything inside them (the text of other unknown tags is kept).
DROP_WITH_CONTENT = frozenset(
    {"script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "noscript"}
    | {"template", "svg", "math", "textarea", "select", "button", "audio", "video", "canvas"}
    | {"title", "head"}
)

# Plain-text conversion: these tags end a paragraph; the content of SKIP_TEXT is not text.
_BLOCK_TAGS = frozenset(
    {"p", "div", "section", "article", "main", "header", "footer", "aside", "nav", "blockquote"}
    | {"ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "caption"}
    | {"figure", "figcaption", "pre", "address", "hr", "h1", "h2", "h3", "h4", "h5", "h6"}
)
_SKIP_TEXT = DROP_WITH_CONTENT | {"head"}
_BR = "\x00"  # stands for a <br> (or a line of <pre>) while whitespace is collapsed
_MARKUP = re.compile(r"<!--.*?-->|<[!?/A-Za-z][^>]*>", re.DOTALL)

# Nesting bound. nh3's parser checks the open-element stack at each tag, so its time grows with
# the square of the nesting depth (50,000 nested <div>s: 17 s), and libxml2 drops the text
# below its own depth limit. Real feed items nest at most a dozen levels; deeper tags are
# removed (their text kept) before either parser sees the fragment, and deeper elements whose
# content is not text (DROP_WITH_CONTENT) are removed with their content.
MAX_DEPTH = 64
# A start or end tag: its name, then up to ">", where a quoted attribute value may hold ">"
# (as HTML's tokenizer reads it). Possessive: a failed match costs one scan, no backtracking.
_TAG_START = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)")
_TAG_REST = re.compile(r"""(?:[^>"']++|"[^"]*+"|'[^']*+')*+>""")
_TAG_REST_UNQUOTED = re.compile(r"[^>]*+>")
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"}
    | {"source", "track", "wbr"}
)
# Opening one of these closes an open one of the same name (HTML's implied end tags).
_SELF_ENDING = frozenset({"p", "li", "dt", "dd", "option", "tr", "td", "th"})
# Their content is raw text up to their end tag: never scanned for tags.
_RAW_TEXT = {
    name: re.compile(rf"</{name}[\s/>]", re.IGNORECASE)
    for name in ("script", "style", "textarea", "title", "iframe", "noscript", "xmp")
    + ("noembed", "noframes")
}


@dataclass(frozen=True)
class _Tag:
    start: int
    end: int
    name: str  # lower case
    closing: bool
    empty: bool  # ends with "/>", or a void element


def _next_tag(fragment: str, pos: int) -> _Tag | None:
    """The first tag at or after ``pos``, or None when no tag follows.

    Linear over a whole scan: a quote left open to the end of the fragment fails the quoted
    reading once, and the tag then ends at its first ">"; without any ">" left, no tag can
    follow and the scan stops.
    """
    while (start := _TAG_START.search(fragment, pos)) is not None:
        rest = _TAG_REST.match(fragment, start.end()) or _TAG_REST_UNQUOTED.match(
            fragment, start.end()
        )
        if rest is None:
            return None
        name = start.group(2).lower()
        empty = name in _VOID or fragment[rest.end() - 2] == "/"
        return _Tag(start.start(), rest.end(), name, bool(start.group(1)), empty)
    return None


def _raw_text_end(fragment: str, name: str, pos: int) -> int:
    """Where the raw-text element whose content starts at ``pos`` ends (after its end tag)."""
    found = _RAW_TEXT[name].search(fragment, pos)
    if found is None:
        return len(fragment)
    close = fragment.find(">", found.start())
    return len(fragment) if close < 0 else close + 1


def _element_end(fragment: str, name: str, pos: int) -> int:
    """Where the element ``name`` whose content starts at ``pos`` ends (nesting counted)."""
    depth = 1
    while (tag := _next_tag(fragment, pos)) is not None:
        pos = tag.end
        if tag.name == name and not tag.empty:
            depth += -1 if tag.closing else 1
            if depth == 0:
                return tag.end
    return len(fragment)


def bound_depth(fragment: str, max_depth: int = MAX_DEPTH) -> str:
    """The fragment with the tags nested deeper than ``max_depth`` removed, text kept.

    Linear time: a tag scan with a stack of at most ``max_depth`` open elements. Not a
    sanitizer: its output still goes through nh3 or lxml.
    """
    if fragment.count("<") <= max_depth:
        return fragment
    stack: list[str] = []
    drop: list[tuple[int, int]] = []
    too_deep = False  # only then is the fragment changed (not for stray end tags alone)
    pos = 0
    while (tag := _next_tag(fragment, pos)) is not None:
        pos, name = tag.end, tag.name
        if tag.empty:
            continue
        if tag.closing:
            if name in stack:
                del stack[len(stack) - 1 - stack[::-1].index(name) :]
            else:
                drop.append((tag.start, tag.end))  # closes a removed or never opened element
            continue
        deep = len(stack) >= max_depth
        too_deep = too_deep or deep
        if name in _RAW_TEXT:
            pos = _raw_text_end(fragment, name, pos)
            if deep:
                drop.append((tag.start, pos))
            continue
        if deep and name in DROP_WITH_CONTENT:
            pos = _element_end(fragment, name, pos)
            drop.append((tag.start, pos))
            continue
        if name in _SELF_ENDING and stack and stack[-1] == name:
            stack.pop()
        if deep:
            drop.append((tag.start, tag.end))
        else:
            stack.append(name)
    if not too_deep:
        return fragment
    parts: list[str] = []
    start = 0
    for begin, end in drop:
        if begin > start:  # a run of removed tags becomes one space
            parts.append(fragment[start:begin])
            parts.append(" ")
        start = end
    parts.append(fragment[start:])
    return "".join(parts)


def _is_web_url(url: str) -> bool:
    return urlsplit(url).scheme.lower() in ("http", "https")


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if tag == "img" and attr == "src":
        scheme = urlsplit(value.strip()).scheme.lower()
        if scheme and scheme not in ("http", "https"):
            return None  # images load without a click: web URLs only, never mailto:/data:
    if attr in ("colspan", "rowspan") and not value.strip().isdigit():
        return None
    return value


def sanitize_html(fragment: str, base_url: str | None = None) -> str:
    """Allow-list sanitize an HTML fragment; relative URLs are resolved against ``base_url``.

    Without an absolute http(s) ``base_url`` relative URLs are dropped (they would otherwise
    resolve against newsdesk's own origin). Links get ``rel="nofollow noopener noreferrer"``.
    """
    if base_url and _is_web_url(base_url):
        url_relative: object = ("rewrite_with_base", base_url)
    else:
        url_relative = "deny"
    return nh3.clean(
        bound_depth(fragment),
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROP_WITH_CONTENT),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_attribute_filter,
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
        url_relative=url_relative,  # type: ignore[arg-type]
    )


def _collapse(raw: str) -> str:
    lines = (" ".join(line.split()) for line in raw.split(_BR))
    return "\n".join(line for line in lines if line)


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment: paragraphs separated by a blank line, <br> kept as newline."""
    if not fragment or not fragment.strip():
        return ""
    with LXML:  # no fork while lxml runs (see newsdesk.forksafe)
        return _html_to_text(fragment)


def _html_to_text(fragment: str) -> str:
    bounded = bound_depth(fragment)
    try:
        root = lxml.html.fragment_fromstring(bounded, create_parent="div")
    except (ParserError, ValueError, AssertionError):  # "<html>" asserts: too many bodies
        try:
            root = lxml.html.fromstring(bounded)
        except (ParserError, ValueError, AssertionError):  # nothing but a doctype or comment
            return " ".join(unescape(_MARKUP.sub(" ", bounded)).split())
    paragraphs: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        text = _collapse("".join(buffer))
        if text:
            paragraphs.append(text)
        buffer.clear()

    def walk(elem: _Element, in_pre: bool) -> None:
        tag = elem.tag if isinstance(elem.tag, str) else ""
        if tag and tag.lower() not in _SKIP_TEXT:
            tag = tag.lower()
            in_pre = in_pre or tag == "pre"
            if tag == "br":
                buffer.append(_BR)
            block = tag in _BLOCK_TAGS
            if block:
                flush()
            if elem.text:
                buffer.append(elem.text.replace("\n", _BR) if in_pre else elem.text)
            for child in elem:
                walk(child, in_pre)
            if block:
                flush()
        if elem.tail and elem is not root:
            buffer.append(elem.tail.replace("\n", _BR) if in_pre else elem.tail)

    walk(root, False)
    flush()
    return "\n\n".join(paragraphs)

"""Page metadata (title, author, date, canonical URL, site name...) with trafilatura's rules.

Same results as ``trafilatura.metadata.extract_metadata`` for the fields newsdesk uses, at about
half the CPU time: categories, tags and license are not extracted, and the author XPaths are
trafilatura's with their EXSLT regular expressions (a Python callback per element, most of the
author search time) spelled as ``contains``/``starts-with`` tests evaluated in C.
"""

from __future__ import annotations

import json
import re
from contextlib import suppress
from copy import deepcopy
from html import unescape

from htmldate import find_date
from lxml.etree import XPath
from lxml.html import HtmlElement
from trafilatura.htmlprocessing import prune_unwanted_nodes
from trafilatura.json_metadata import (
    JSON_UNICODE_REPLACE,
    extract_json,
    extract_json_parse_error,
    normalize_authors,
)
from trafilatura.metadata import (
    META_URL,
    examine_meta,
    extract_domain,
    extract_sitename,
    extract_title,
    extract_url,
)
from trafilatura.settings import Document, set_date_params
from trafilatura.utils import HTML_STRIP_TAGS, trim

from newsdesk.extract.fastxpath import class_and_id_values

__all__ = ["extract_page_metadata"]


def _any(attr: str, test: str, values: str) -> str:
    """XPath disjunction ``test(@attr, 'v')`` over the |-separated literal values."""
    return " or ".join(f"{test}(@{attr}, '{v}')" for v in values.split("|"))


# trafilatura.xpaths.AUTHOR_XPATHS (trafilatura 2.x), regexes expanded: the patterns are
# alternations of literals ([Aa] -> both cases, -? -> both forms; case-sensitive like EXSLT).
AUTHOR_XPATHS = [
    XPath(
        "//*[self::a or self::address or self::div or self::link or self::p or self::span"
        " or self::strong][@rel='author' or @id='author' or @class='author'"
        " or @itemprop='author name' or rel='me' or @data-testid='AuthorCard'"
        " or @data-testid='AuthorURL' or "
        + _any("class", "contains", "authorname|author-name|AuthorName|authorName")
        + "]|//author"
    ),
    XPath(
        "//*[self::a or self::div or self::h3 or self::h4 or self::p or self::span]["
        "@class='byline' or @class='username' or @class='byl' or @class='BBL'"
        " or contains(@itemprop, 'author') or "
        + _any("id", "contains", "author|zuozhe|bianji|xiaobian")
        + " or "
        + _any(
            "class",
            "contains",
            "author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name",
        )
        + "]"
    ),
    XPath(
        "//*[contains(@data-component, 'Byline') or contains(@itemprop, 'author') or "
        + _any("id", "contains", "author|Author")
        + " or "
        + _any("class", "contains", "author|Author|screenname|writer|byline|Byline")
        + "]"
    ),
]
# trafilatura.xpaths.AUTHOR_DISCARD_XPATHS, likewise (^ -> starts-with).
AUTHOR_DISCARD_XPATHS = [
    XPath(
        ".//*[self::a or self::div or self::section or self::span]["
        "@id='comments' or @class='comments' or @class='title' or @class='date' or "
        + _any("id", "starts-with", "comments")
        + " or "
        + _any("id", "contains", "commentlist|comment-list|ProductReviews")
        + " or "
        + _any("class", "starts-with", "Comments|comments")
        + " or "
        + _any(
            "class",
            "contains",
            "commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram|article-share"
            "|article-support|print|category|meta-date|meta-reviewer",
        )
        + " or contains(@data-component, 'Figure')]"
    ),
    XPath("//time|//figure"),
]


# Elements that can match an author XPath: the tests below run in Python on these only.
# Those matching through an attribute other than class and id (found from attribute nodes:
# a third of the time of a test on every element):
_AUTHOR_OTHERS = (
    "//author|//@rel[.='author']/..|//@itemprop[contains(., 'author')]/.."
    "|//@data-testid[.='AuthorCard' or .='AuthorURL']/..|//@data-component[contains(., 'Byline')]/.."
    "|//rel/.."
)
# ... and those with a class or id value that some test needs (every class or id test below
# implies one of these patterns), looked for among the page's distinct values.
_ANY_CLASS = re.compile(
    "uthor|byl|Byl|BBL|username|screenname|writer|channel-name|zuozhe|bianji|xiaobian"
    "|submitted-by|posted-by|journalist-name"
)
_ANY_ID = re.compile("uthor|zuozhe|bianji|xiaobian")


def _literal(value: str) -> str | None:
    """`value` as an XPath 1.0 string literal (None if it holds both kinds of quote)."""
    if "'" not in value:
        return f"'{value}'"
    return f'"{value}"' if '"' not in value else None


def _author_candidates(tree: HtmlElement) -> list[HtmlElement]:
    """The elements of the page that can match an author XPath, in document order."""
    path = _AUTHOR_OTHERS
    classes, ids = class_and_id_values(tree)
    for name, values, pattern in (("class", classes, _ANY_CLASS), ("id", ids, _ANY_ID)):
        literals = [_literal(v) for v in {v for v in values if pattern.search(v)}]
        if None in literals:
            return list(_AUTHOR_ALL(tree))
        if literals:
            path += f"|//@{name}[" + " or ".join(f".={lit}" for lit in literals) + "]/.."
    return list(tree.xpath(path))


# Every element that has an attribute some test reads (the fallback).
_AUTHOR_ALL = XPath(
    "//*[@class or @id or @rel or @itemprop or @data-testid or @data-component or rel]|//author"
)
_TAGS_1 = frozenset({"a", "address", "div", "link", "p", "span", "strong"})
_TAGS_2 = frozenset({"a", "div", "h3", "h4", "p", "span"})
_CLASS_1 = re.compile("authorname|author-name|AuthorName|authorName")
_ID_2 = re.compile("author|zuozhe|bianji|xiaobian")
_CLASS_2 = re.compile(
    "author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name"
)
_CLASS_3 = re.compile("author|Author|screenname|writer|byline|Byline")


def _author_matches(elem: HtmlElement) -> tuple[bool, bool, bool]:
    """Whether the element matches each of AUTHOR_XPATHS (the same tests, in Python)."""
    get = elem.get
    tag = elem.tag
    cls, ident, prop = get("class") or "", get("id") or "", get("itemprop") or ""
    first = tag == "author" or (
        tag in _TAGS_1
        and (
            get("rel") == "author"
            or ident == "author"
            or cls == "author"
            or prop == "author name"
            or get("data-testid") in ("AuthorCard", "AuthorURL")
            or _CLASS_1.search(cls) is not None
            or any("".join(rel.itertext()) == "me" for rel in elem.iterchildren("rel"))
        )
    )
    second = tag in _TAGS_2 and (
        cls in ("byline", "username", "byl", "BBL")
        or "author" in prop
        or _ID_2.search(ident) is not None
        or _CLASS_2.search(cls) is not None
    )
    third = (
        "Byline" in (get("data-component") or "")
        or "author" in prop
        or "author" in ident
        or "Author" in ident
        or _CLASS_3.search(cls) is not None
    )
    return first, second, third


_DISCARD_TAGS = frozenset({"a", "div", "section", "span"})
_DISCARD_ID = re.compile("commentlist|comment-list|ProductReviews")
_DISCARD_CLASS = re.compile(
    "commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram|article-share"
    "|article-support|print|category|meta-date|meta-reviewer"
)


def _discarded(elem: HtmlElement) -> bool:
    """Whether AUTHOR_DISCARD_XPATHS select the element (the same tests, in Python)."""
    tag = elem.tag
    if tag in ("time", "figure"):
        return True
    if tag not in _DISCARD_TAGS or elem.getparent() is None:  # ".//*": never the root
        return False
    get = elem.get
    ident, cls = get("id") or "", get("class") or ""
    return (
        ident == "comments"
        or cls in ("comments", "title", "date")
        or ident.startswith("comments")
        or _DISCARD_ID.search(ident) is not None
        or cls.startswith(("Comments", "comments"))
        or _DISCARD_CLASS.search(cls) is not None
        or "Figure" in (get("data-component") or "")
    )


def extract_author(tree: HtmlElement) -> str | None:
    """The author named in the page body (bylines, author links), as trafilatura finds it:
    ``extract_metainfo(AUTHOR_XPATHS)`` on the page pruned of AUTHOR_DISCARD_XPATHS.

    The XPaths are evaluated as Python tests on the candidate elements, in document order.
    Pruning removes the discarded elements (their tails stay): a match inside one is gone, and
    a match holding one loses that text, so only such a match is copied and pruned.
    """
    matches: tuple[list[HtmlElement], ...] = ([], [], [])
    for elem in _author_candidates(tree):
        for found, hit in zip(matches, _author_matches(elem), strict=True):
            if hit:
                found.append(elem)
    for found in matches:
        for elem in found:
            if _discarded(elem) or any(_discarded(a) for a in elem.iterancestors()):
                continue
            if any(_discarded(d) for d in elem.iterdescendants()):
                elem = prune_unwanted_nodes(deepcopy(elem), AUTHOR_DISCARD_XPATHS)
            content = trim(" ".join(elem.itertext()))
            if content and 2 < len(content) < 120:
                return normalize_authors(None, content)
    return None


# trafilatura.metadata.extract_meta_json with the same results, faster: its minifying pattern
# removed whitespace one character per match (a Python callback each), and its JSON
# normalization dropped surrogates character by character in Python.
_JSON_SCRIPTS = XPath('.//script[@type="application/ld+json" or @type="application/settings+json"]')
_JSON_MINIFY = re.compile(r'("(?:\\.|[^"\\])*")|\s+')
_SURROGATES = re.compile("[\ud800-\udfff]")


def _normalize_json(string: str) -> str:
    """trafilatura.json_metadata.normalize_json."""
    if "\\" in string:
        string = string.replace("\\n", "").replace("\\r", "").replace("\\t", "")
        string = JSON_UNICODE_REPLACE.sub(lambda match: chr(int(match[1], 16)), string)
        string = _SURROGATES.sub("", string)
        string = unescape(string)
    return trim(HTML_STRIP_TAGS.sub("", string))


def extract_meta_json(tree: HtmlElement, metadata: Document) -> Document:
    """Metadata from the page's JSON-LD, as trafilatura's function of that name finds it."""
    for elem in _JSON_SCRIPTS(tree):
        if not elem.text:
            continue
        text = _normalize_json(_JSON_MINIFY.sub(lambda match: match[1] or "", elem.text))
        try:
            metadata = extract_json(json.loads(text, strict=False), metadata)
        except json.JSONDecodeError:
            metadata = extract_json_parse_error(text, metadata)
    return metadata


def extract_page_metadata(tree: HtmlElement, url: str | None, date: str | None = None) -> Document:
    """trafilatura's metadata of a parsed page, dates as ISO 8601 with time and offset.

    A `date` known from elsewhere (the feed) is taken as is: the page's date search is the
    costliest part (~1.7 ms a page).
    """
    date_params = {**set_date_params(True), "outputformat": "%Y-%m-%dT%H:%M:%S%z"}
    meta = examine_meta(tree)
    if meta.author and " " not in meta.author:
        meta.author = None
    with suppress(Exception):  # bugs in trafilatura's JSON-LD parsing
        meta = extract_meta_json(tree, meta)
    if not meta.title:
        meta.title = extract_title(tree)
    if not meta.author:
        meta.author = extract_author(tree)
    if not meta.url:
        meta.url = extract_url(tree, url)
    if meta.url:
        meta.hostname = extract_domain(meta.url, fast=True)
    meta.date = date or find_date(tree, **{**date_params, "url": meta.url})
    if not meta.sitename:
        meta.sitename = extract_sitename(tree)
    if meta.sitename:
        meta.sitename = meta.sitename.lstrip("@")
        if "." not in meta.sitename and meta.sitename and not meta.sitename[0].isupper():
            meta.sitename = meta.sitename.title()
    elif meta.url and (match := META_URL.match(meta.url)):
        meta.sitename = match[1]
    meta.filedate = date_params.get("max_date")
    meta.clean_and_trim()
    return meta

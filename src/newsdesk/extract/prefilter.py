"""Exact shortcuts for trafilatura XPaths that test id/class values against regular expressions.

Such an XPath calls a Python regular expression for every element of the page, yet on most
pages nothing can match: no id or class value contains "infinite-scroll", "comment" or a
cookie-banner name. The ids and classes of the page are read once (`page_attributes`); an
XPath whose condition no value meets is then skipped, with the same (empty) result. Pruning and
copying trees only remove values, so the page's values stay a superset for every later tree.

Only active inside `page_attributes` (newsdesk's extraction); other callers of trafilatura in
the process get the plain XPaths.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import trafilatura.settings
import trafilatura.xpaths
from lxml.etree import XPath, _Element

# The module (the package's attribute of that name is its baseline() function).
_BASELINE = importlib.import_module("trafilatura.baseline")
_ATTRIBUTES = XPath(".//@class|.//@id", smart_strings=False)


class _Page:
    """The id/class values of a page, one per line, and the prefilters' verdicts on them."""

    def __init__(self, tree: _Element) -> None:
        self.values = "\n".join(_ATTRIBUTES(tree))
        self.verdicts: dict[int, bool] = {}

    def may_match(self, prefilter: Prefiltered) -> bool:
        verdict = self.verdicts.get(id(prefilter))
        if verdict is None:
            values = self.values
            if prefilter.lowercase is not None and values.isascii():
                # Same verdict on ASCII text, several times faster than IGNORECASE.
                verdict = prefilter.lowercase.search(values.lower()) is not None
            else:
                verdict = prefilter.pattern.search(values) is not None
            self.verdicts[id(prefilter)] = verdict
        return verdict


_PAGE: ContextVar[_Page | None] = ContextVar("newsdesk_page_attributes", default=None)


class Prefiltered:
    """An XPath evaluated only when some id/class value of the page matches `pattern`
    (a condition every element it selects meets); otherwise `rest`, or nothing."""

    def __init__(self, xpath: XPath, pattern: str, flags: int = 0, rest: XPath | None = None):
        self.xpath = xpath
        self.path = xpath.path
        # One value per line: anchors apply to each value.
        self.pattern = re.compile(pattern, flags | re.MULTILINE)
        self.lowercase = None
        if flags & re.IGNORECASE and pattern == pattern.lower():
            self.lowercase = re.compile(pattern, (flags & ~re.IGNORECASE) | re.MULTILINE)
        self.rest = rest

    def __call__(self, tree: _Element, **kwargs: Any) -> Any:
        page = _PAGE.get()
        if page is None or page.may_match(self):
            return self.xpath(tree, **kwargs)
        return self.rest(tree, **kwargs) if self.rest is not None else []


@contextmanager
def page_attributes(tree: _Element) -> Iterator[None]:
    """Within this block, the prefiltered XPaths use the id/class values of `tree`."""
    token = _PAGE.set(_Page(tree))
    try:
        yield
    finally:
        _PAGE.reset(token)


def prunes_raw_tree() -> bool:
    """Whether trafilatura's extraction may prune the page tree it is given in place (its
    raw-tree and comment prunes); if not, it leaves that tree as it was."""
    page = _PAGE.get()
    prunes = (
        *trafilatura.xpaths.RAW_TREE_PRUNE_XPATH,
        *trafilatura.xpaths.REMOVE_COMMENTS_AND_LISTS_XPATH,
    )
    return page is None or any(not isinstance(x, Prefiltered) or page.may_match(x) for x in prunes)


def _basic_clean() -> Prefiltered:
    """trafilatura's BASIC_CLEAN_XPATH: tags and footers, or cookie-banner ids/classes."""
    original = trafilatura.settings.BASIC_CLEAN_XPATH
    tags, sep, banners = original.path.rpartition("|.//*[re:test(")
    cookie = trafilatura.settings._COOKIE_CONSENT_RE
    if not sep or banners != f"@class, '{cookie}', 'i') or re:test(@id, '{cookie}', 'i')]":
        raise RuntimeError("trafilatura's BASIC_CLEAN_XPATH changed: review newsdesk's prefilter")
    return Prefiltered(original, cookie, re.IGNORECASE, rest=XPath(tags))


def _guarded(xpath: XPath, *conditions: str) -> XPath:
    """`xpath`, after checking that it still tests these conditions on id/class (and so
    selects nothing that matches none of them)."""
    if not all(condition in xpath.path for condition in conditions):
        raise RuntimeError("a trafilatura XPath changed: review newsdesk's prefilter")
    return xpath


def _install() -> None:
    raw = trafilatura.xpaths.RAW_TREE_PRUNE_XPATH
    comments = trafilatura.xpaths.REMOVE_COMMENTS_AND_LISTS_XPATH
    if any(isinstance(x, Prefiltered) for x in (*raw, *comments)):
        return
    scroll = "mvp-post-add-(?:box|wrap)|infinite-?scroll"
    raw[0] = Prefiltered(
        _guarded(raw[0], f"re:test(@id, '{scroll}') or\n        re:test(@class, '{scroll}')]["),
        scroll,
    )
    share = "elementor-share-buttons"
    raw[1] = Prefiltered(_guarded(raw[1], f"][contains(@class, '{share}')]"), share)
    comment_id = "^(?:[Cc]omment(?!ary)|comol|disqus_thread|dsq-comments)"
    comment_class = "^[Cc]omment(?!ary)|(?:article|post)-comments"
    comments[0] = Prefiltered(
        _guarded(
            comments[0],
            f"re:test(@id, '{comment_id}') or\n        re:test(@class, '{comment_class}')][",
        ),
        f"{comment_id}|{comment_class}",
    )
    _BASELINE.BASIC_CLEAN_XPATH = _basic_clean()  # type: ignore[attr-defined]


_install()

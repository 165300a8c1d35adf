"""Exact, faster evaluation of trafilatura's XPaths that test attributes with regular expressions.

trafilatura's boilerplate and body XPaths call a Python regular expression (EXSLT `re:test`)
for every element they consider: about a fifth of the extraction time. Within `page_attributes`
(newsdesk's extraction) each such XPath is evaluated with the same result, faster:

1. `re:test(@class, P)` is only called on elements that have the attribute (for the patterns
   here, a missing attribute, read as "", never matches: checked when installing);
2. a page's verdict for one value and pattern is computed once (class values repeat);
3. an XPath that only selects elements whose id or class matches a pattern, when no id or
   class value of the page matches it, is skipped: nothing to select. The ids and classes are
   read once per page; pruning and copying trees only remove values, so they stay a superset
   for every later tree of the same page.

Outside `page_attributes`, other callers of trafilatura in the process get its plain XPaths.
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

REGEXP_NS = "http://exslt.org/regular-expressions"
# The module (the package's attribute of that name is its baseline() function).
_BASELINE = importlib.import_module("trafilatura.baseline")
_CLASSES = XPath(".//@class", smart_strings=False)
_IDS = XPath(".//@id", smart_strings=False)
# re:test on attributes: re:test(@a, 'pattern') or re:test(@a|@b, 'pattern', 'flags').
_ATTRIBUTE_TEST = re.compile(r"re:test\((@[\w-]+(?:\|@[\w-]+)*), '([^']*)'((?:, '[^']*')?)\)")


class _Page:
    """A page's class and id values (also one per line) and the verdicts computed on them."""

    def __init__(self, tree: _Element) -> None:
        self.tree = tree
        self.classes: list[str] = _CLASSES(tree)
        self.ids: list[str] = _IDS(tree)
        self.values = "\n".join((*self.classes, *self.ids))
        self.verdicts: dict[int, bool] = {}  # per PageXPath: may it select anything?
        self.tests: dict[tuple[str, str], dict[str, bool]] = {}  # (pattern, flags): value: found

    def may_match(self, xpath: PageXPath) -> bool:
        verdict = self.verdicts.get(id(xpath))
        if verdict is None:
            verdict = xpath.prefilter is None or xpath.prefilter.found(self.values)
            self.verdicts[id(xpath)] = verdict
        return verdict


_PAGE: ContextVar[_Page | None] = ContextVar("newsdesk_page_attributes", default=None)
_COMPILED: dict[tuple[str, str], re.Pattern[str]] = {}


def _string(value: Any) -> str:
    """An XPath argument as a string, as lxml's EXSLT functions read it."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        if not value:
            return ""
        first = value[0]
        if isinstance(first, str):
            return first
        if isinstance(first, _Element):
            return str(first.xpath("string()"))
        return str(first)
    return str(value)


def _regexp_test(_context: Any, value: Any, pattern: Any, flags: Any = "") -> bool:
    """EXSLT re:test, with verdicts kept for the page."""
    if type(value) is list and value and type(value[0]) is str:
        value = value[0]  # an attribute (the usual case)
    elif type(value) is not str:
        value = _string(value)
    if type(pattern) is not str or type(flags) is not str:
        pattern, flags = _string(pattern), _string(flags)
    page = _PAGE.get()
    verdicts = None
    if page is not None:
        verdicts = page.tests.get((pattern, flags))
        if verdicts is None:
            verdicts = page.tests[(pattern, flags)] = {}
        elif (found := verdicts.get(value)) is not None:
            return found
    compiled = _COMPILED.get((pattern, flags))
    if compiled is None:
        compiled = re.compile(pattern, re.IGNORECASE if "i" in flags else 0)
        _COMPILED[(pattern, flags)] = compiled
    found = compiled.search(value) is not None
    if verdicts is not None:
        verdicts[value] = found
    return found


def _guard(path: str) -> str:
    """`path` with each attribute re:test behind a test that the attribute exists."""

    def guarded(match: re.Match[str]) -> str:
        attributes, pattern, flags = match.groups()
        if re.search(pattern, "", re.IGNORECASE if "i" in flags else 0) is not None:
            return match.group(0)  # matches a missing attribute too: no guard
        exists = " or ".join(attributes.split("|"))
        return f"(({exists}) and {match.group(0)})"

    return _ATTRIBUTE_TEST.sub(guarded, path)


class Prefilter:
    """A condition that every element an XPath selects meets: some id or class value of the
    page matches `pattern`."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        # One value per line: anchors apply to each value.
        self.pattern = re.compile(pattern, flags | re.MULTILINE)
        self.lowercase = None
        if flags & re.IGNORECASE and pattern == pattern.lower():
            self.lowercase = re.compile(pattern, (flags & ~re.IGNORECASE) | re.MULTILINE)

    def found(self, values: str) -> bool:
        if self.lowercase is not None and values.isascii():
            # The same verdict on ASCII text, several times faster than IGNORECASE.
            return self.lowercase.search(values.lower()) is not None
        return self.pattern.search(values) is not None


class PageXPath:
    """A trafilatura XPath, evaluated faster (see above) within `page_attributes`."""

    def __init__(
        self, original: XPath, prefilter: Prefilter | None = None, rest: XPath | None = None
    ) -> None:
        """`rest`: what the XPath selects when the prefilter fails (default: nothing)."""
        self.original = original
        self.path = original.path
        self.fast = XPath(
            _guard(original.path),
            namespaces={"re": REGEXP_NS},
            regexp=False,
            extensions={(REGEXP_NS, "test"): _regexp_test},
            smart_strings=False,  # arguments of re:test; the XPaths select elements
        )
        self.prefilter = prefilter
        self.rest = rest

    def __call__(self, tree: _Element, **kwargs: Any) -> Any:
        page = _PAGE.get()
        if page is None:
            return self.original(tree, **kwargs)
        if not page.may_match(self):
            return self.rest(tree, **kwargs) if self.rest is not None else []
        return self.fast(tree, **kwargs)


@contextmanager
def page_attributes(tree: _Element) -> Iterator[None]:
    """Within this block, trafilatura's regex XPaths are evaluated for the page of `tree`."""
    token = _PAGE.set(_Page(tree))
    try:
        yield
    finally:
        _PAGE.reset(token)


def class_and_id_values(tree: _Element) -> tuple[list[str], list[str]]:
    """The class values and the id values of `tree` (read once per page within
    `page_attributes`)."""
    page = _PAGE.get()
    if page is not None and page.tree is tree:
        return page.classes, page.ids
    return _CLASSES(tree), _IDS(tree)


def prunes_raw_tree() -> bool:
    """Whether trafilatura's extraction may prune the page tree it is given in place (its
    raw-tree and comment prunes); if not, it leaves that tree as it was."""
    page = _PAGE.get()
    prunes = (
        *trafilatura.xpaths.RAW_TREE_PRUNE_XPATH,
        *trafilatura.xpaths.REMOVE_COMMENTS_AND_LISTS_XPATH,
    )
    return page is None or any(not isinstance(x, PageXPath) or page.may_match(x) for x in prunes)


def _checked(xpath: XPath, *conditions: str) -> XPath:
    """`xpath`, after checking that it still tests these conditions on id/class (and so
    selects nothing that matches none of them)."""
    if not all(condition in xpath.path for condition in conditions):
        raise RuntimeError("a trafilatura XPath changed: review newsdesk's prefilter")
    return xpath


def _basic_clean() -> PageXPath:
    """trafilatura's BASIC_CLEAN_XPATH: tags and footers, or cookie-banner ids/classes."""
    original = trafilatura.settings.BASIC_CLEAN_XPATH
    tags, sep, banners = original.path.rpartition("|.//*[re:test(")
    cookie = trafilatura.settings._COOKIE_CONSENT_RE
    if not sep or banners != f"@class, '{cookie}', 'i') or re:test(@id, '{cookie}', 'i')]":
        raise RuntimeError("trafilatura's BASIC_CLEAN_XPATH changed: review newsdesk's prefilter")
    return PageXPath(original, Prefilter(cookie, re.IGNORECASE), rest=XPath(tags))


def _prefilters() -> dict[int, Prefilter]:
    """Prefilters of the XPaths that rarely select anything, by the XPath's id."""
    raw = trafilatura.xpaths.RAW_TREE_PRUNE_XPATH
    comments = trafilatura.xpaths.REMOVE_COMMENTS_AND_LISTS_XPATH
    scroll = "mvp-post-add-(?:box|wrap)|infinite-?scroll"
    share = "elementor-share-buttons"
    comment_id = "^(?:[Cc]omment(?!ary)|comol|disqus_thread|dsq-comments)"
    comment_class = "^[Cc]omment(?!ary)|(?:article|post)-comments"
    return {
        id(_checked(raw[0], f"@id, '{scroll}') or\n        re:test(@class, '{scroll}')][")): (
            Prefilter(scroll)
        ),
        id(_checked(raw[1], f"][contains(@class, '{share}')]")): Prefilter(share),
        id(
            _checked(
                comments[0],
                f"@id, '{comment_id}') or\n        re:test(@class, '{comment_class}')][",
            )
        ): Prefilter(f"{comment_id}|{comment_class}"),
    }


def _install() -> None:
    if isinstance(_BASELINE.BASIC_CLEAN_XPATH, PageXPath):
        return
    prefilters = _prefilters()
    for value in vars(trafilatura.xpaths).values():
        if isinstance(value, list):
            for i, xpath in enumerate(value):
                if isinstance(xpath, XPath) and (
                    "re:test" in xpath.path or id(xpath) in prefilters
                ):
                    value[i] = PageXPath(xpath, prefilters.get(id(xpath)))
    _BASELINE.BASIC_CLEAN_XPATH = _basic_clean()  # type: ignore[attr-defined]


_install()

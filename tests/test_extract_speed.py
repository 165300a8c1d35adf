"""The extractor's shortcuts give trafilatura's results: metadata, author XPaths, fallback gate."""

from __future__ import annotations

import contextlib
import gzip
import json
from copy import copy

import pytest
import trafilatura
from lxml.etree import tostring
from lxml.html import HtmlElement
from trafilatura.htmlprocessing import convert_tags, tree_cleaning
from trafilatura.metadata import extract_metadata
from trafilatura.settings import set_date_params
from trafilatura.xpaths import AUTHOR_XPATHS

from newsdesk.extract import article, fastxpath
from newsdesk.extract.metadata import (
    _author_candidates,
    _author_matches,
    extract_author,
    extract_page_metadata,
)
from newsdesk.sources.charset import decode_body

from .conftest import shared_data

pytestmark = pytest.mark.slow  # make test-fast leaves it out

FIELDS = ("title", "author", "url", "hostname", "date", "sitename", "description", "image")

BYLINES = """<html><head><title>t</title></head><body><article>
<div class="meta"><span class="author-name">Ann Writer</span></div>
<p class="byline">By Bo Byline</p><div id="AuthorBox">Cy Author</div>
<span data-component="BylineBlock">Di Byline</span><a rel="author" href="/x">Ed Rel</a>
<div class="comments"><span class="author">Commenter Name</span></div>
<span class="writer"><rel>me</rel>Fay Writer</span><author>Gus Tag</author>
<p>Body text that is long enough to be a paragraph of an article.</p>
</article></body></html>"""


# One element per clause of the author XPaths (each matches through that clause only).
_CLAUSE_CLASSES = (
    "writer screenname Byline byline byl BBL username channel-name zuozhe bianji xiaobian"
    " submitted-by posted-by journalist-name author AuthorName"
)
_CLAUSE_ELEMENTS = [
    *(
        f'<div class="{c}">Ann Writer</div><span class="{c}">Bo Writer</span>'
        for c in _CLAUSE_CLASSES.split(" ")
    ),
    *(
        f'<h3 id="{i}">Cy Writer</h3><p id="{i}">Di Writer</p>'
        for i in ("zuozhe", "bianji", "xiaobian", "author", "Author")
    ),
    '<span itemprop="author name">Ed Writer</span>',
    '<div data-testid="AuthorCard">Fay Writer</div>',
    '<a data-testid="AuthorURL" href="/f">Gus Writer</a>',
    '<div data-component="BylineBlock">Hal Writer</div>',
    '<a rel="author" href="/h">Ian Writer</a>',
    "<author>Jo Writer</author>",
    "<span><rel>me</rel>Kim Writer</span>",
]
AUTHOR_CLAUSES = f"<html><body>{''.join(_CLAUSE_ELEMENTS)}<p>Body.</p></body></html>"
# A class value that no XPath literal can hold (both quotes): the candidates fall back to
# every element with a tested attribute.
AUTHOR_QUOTES = (
    '<html><body><span class="it\'s &quot;the&quot; author">Lu Writer</span>'
    "<p class='byline'>By Mo Writer</p><p>Body.</p></body></html>"
)


def _pages(limit: int) -> list[bytes]:
    root = shared_data("article-extraction-benchmark") / "html"
    return [gzip.decompress(p.read_bytes()) for p in sorted(root.glob("*.html.gz"))[:limit]]


@pytest.mark.parametrize("source", ["bylines", "clauses", "quotes", "pages"])
def test_author_tests_match_trafilatura_xpaths(source: str) -> None:
    pages = {
        "bylines": [BYLINES.encode()],
        "clauses": [AUTHOR_CLAUSES.encode()],
        "quotes": [AUTHOR_QUOTES.encode()],
    }.get(source)
    pages = pages or _pages(121)
    matched = 0
    for html in pages:
        tree = article._load_tree(decode_body(html))
        assert tree is not None
        expected = [set(xpath(tree)) for xpath in AUTHOR_XPATHS]
        candidates = set(_author_candidates(tree))
        for elem in tree.iter():
            got = _author_matches(elem) if elem in candidates else (False, False, False)
            assert got == tuple(elem in found for found in expected), elem.attrib
            matched += any(got)
    assert matched >= {"bylines": 7, "clauses": 40, "quotes": 2, "pages": 40}[source]


def test_author_without_candidates_is_none() -> None:
    tree = article._load_tree("<html><body><p class='x'>No byline here at all.</p></body></html>")
    assert isinstance(tree, HtmlElement)
    assert extract_author(tree) is None


def test_metadata_equals_trafilatura_on_benchmark_pages() -> None:
    params = {**set_date_params(True), "outputformat": "%Y-%m-%dT%H:%M:%S%z"}
    for html in _pages(25):
        markup = decode_body(html)
        ours = extract_page_metadata(article._load_tree(markup), "https://example.com/a")
        theirs = extract_metadata(
            trafilatura.utils.load_html(markup), "https://example.com/a", params
        )
        assert {f: getattr(ours, f) for f in FIELDS} == {f: getattr(theirs, f) for f in FIELDS}


def test_readability_gate_acts_only_inside_extract_article() -> None:
    calls: list[bool] = []
    original = article.compare_extraction

    def spy(*args: object) -> object:
        calls.append(True)
        return original(*args)  # type: ignore[arg-type]

    body = "".join(
        f"<p>Item {i}: the council voted on budget line {i} for schools, parks and roads, "
        f"after a debate of {i + 2} hours in which members of {i + 3} districts spoke.</p>"
        for i in range(12)
    )
    html = f"<html><body><nav><a href='/'>Home</a></nav><article>{body}</article></body></html>"
    article.compare_extraction = spy  # type: ignore[assignment]
    try:
        assert article.extract_article(html).word_count > 200
        assert not calls  # a long, clean extraction skips readability/justext
        trafilatura.extract(html)
        assert calls  # plain trafilatura still compares
    finally:
        article.compare_extraction = original
    assert not article._GATED.get()


def _eval_pages() -> list[bytes]:
    root = shared_data("trafilatura-eval") / "html"
    return [gzip.decompress(p.read_bytes()) for p in sorted(root.glob("*.html.gz"))[:100]]


PAGE_XPATHS = {
    f"{name}[{i}]": xpath
    for name, value in vars(trafilatura.xpaths).items()
    if isinstance(value, list)
    for i, xpath in enumerate(value)
    if isinstance(xpath, fastxpath.PageXPath)
} | {"BASIC_CLEAN_XPATH": fastxpath._BASELINE.BASIC_CLEAN_XPATH}
PREFILTERED = [name for name, xpath in PAGE_XPATHS.items() if xpath.prefilter is not None]


# One page per condition of the prefiltered XPaths (each also selects something).
POSITIVES = [
    f"<html><body>{block}<p>Body text of the article.</p></body></html>"
    for block in (
        '<div class="infinite-scroll"><p>next story</p></div>',
        '<section id="mvp-post-add-box"><h1>x</h1></section>',
        '<aside class="x elementor-share-buttons"></aside>',
        '<div id="comments"><p>c</p></div>',
        '<div id="Comment-list"><p>c</p></div>',
        '<ul class="post-comments"><li>c</li></ul>',
        '<div class="site-CookieBanner">accept</div>',
        '<div id="onetrust-consent-sdk">accept</div>',
        "<footer>f</footer>",
    )
]


def test_every_regex_xpath_of_trafilatura_is_replaced() -> None:
    assert len(PAGE_XPATHS) >= 20
    assert set(PREFILTERED) == {
        "RAW_TREE_PRUNE_XPATH[0]",
        "RAW_TREE_PRUNE_XPATH[1]",
        "REMOVE_COMMENTS_AND_LISTS_XPATH[0]",
        "BASIC_CLEAN_XPATH",
    }


@pytest.fixture(scope="module")
def page_trees() -> list[tuple[HtmlElement, HtmlElement]]:
    """(raw tree, cleaned and converted tree) of real pages and of one page per condition."""
    trees = []
    for html in [*_pages(121), *_eval_pages(), *(p.encode() for p in POSITIVES)]:
        tree = article._load_tree(decode_body(html))
        assert tree is not None
        cleaned = tree_cleaning(copy(tree), article._OPTIONS)
        trees.append((tree, convert_tags(cleaned, article._OPTIONS)))
    return trees


@pytest.mark.parametrize("name", PAGE_XPATHS)
def test_page_xpaths_select_what_trafilatura_selects(
    name: str, page_trees: list[tuple[HtmlElement, HtmlElement]]
) -> None:
    """On real pages, raw and cleaned, and on pages where each prefilter condition holds."""
    xpath = PAGE_XPATHS[name]
    skipped = 0
    for raw, cleaned in page_trees:
        with fastxpath.page_attributes(raw):
            page = fastxpath._PAGE.get()
            assert page is not None
            skipped += not page.may_match(xpath)
            got = [xpath(raw), xpath(cleaned)]
        assert got == [xpath.original(raw), xpath.original(cleaned)]
    if name in PREFILTERED:
        assert skipped > len(page_trees) // 3  # the shortcut is taken
        # Outside extraction: the plain XPath.
        assert any(xpath(article._load_tree(p)) for p in POSITIVES)


def test_extraction_leaves_unpruned_trees_unchanged() -> None:
    """Extraction skips copying the page tree when trafilatura would not prune it: it must
    then leave that tree exactly as it was."""
    options = copy(article._OPTIONS)
    unpruned = 0
    for html in [*_pages(121), *_eval_pages()]:
        tree = article._load_tree(decode_body(html))
        assert tree is not None
        with fastxpath.page_attributes(tree):
            if fastxpath.prunes_raw_tree():
                continue
            unpruned += 1
            before = tostring(tree)
            with contextlib.suppress(TypeError, ValueError):
                trafilatura.core.trafilatura_sequence(tree, options, "https://example.com/a")
        assert tostring(tree) == before
    assert unpruned > 100


@pytest.mark.parametrize("markup", ["", "   ", "\x00"])
def test_unparsable_input_is_not_html(markup: str) -> None:
    assert article._load_tree(markup) is None


def test_ground_truth_is_readable() -> None:  # guards the data set layout used above
    root = shared_data("article-extraction-benchmark")
    assert json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))

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
from trafilatura.metadata import extract_metadata
from trafilatura.settings import set_date_params
from trafilatura.xpaths import AUTHOR_XPATHS

from newsdesk.extract import article, prefilter
from newsdesk.extract.metadata import (
    _AUTHOR_CANDIDATES,
    _author_matches,
    extract_author,
    extract_page_metadata,
)
from newsdesk.sources.charset import decode_body

from .conftest import shared_data

FIELDS = ("title", "author", "url", "hostname", "date", "sitename", "description", "image")

BYLINES = """<html><head><title>t</title></head><body><article>
<div class="meta"><span class="author-name">Ann Writer</span></div>
<p class="byline">By Bo Byline</p><div id="AuthorBox">Cy Author</div>
<span data-component="BylineBlock">Di Byline</span><a rel="author" href="/x">Ed Rel</a>
<div class="comments"><span class="author">Commenter Name</span></div>
<span class="writer"><rel>me</rel>Fay Writer</span><author>Gus Tag</author>
<p>Body text that is long enough to be a paragraph of an article.</p>
</article></body></html>"""


def _pages(limit: int) -> list[bytes]:
    root = shared_data("article-extraction-benchmark") / "html"
    return [gzip.decompress(p.read_bytes()) for p in sorted(root.glob("*.html.gz"))[:limit]]


def test_author_tests_match_trafilatura_xpaths() -> None:
    tree = article._load_tree(BYLINES)
    assert tree is not None
    expected = [set(xpath(tree)) for xpath in AUTHOR_XPATHS]
    candidates = set(_AUTHOR_CANDIDATES(tree))
    for elem in tree.iter():
        got = _author_matches(elem) if elem in candidates else (False, False, False)
        assert got == tuple(elem in found for found in expected), elem.attrib


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
    return [gzip.decompress(p.read_bytes()) for p in sorted(root.glob("*.html.gz"))[:200]]


PREFILTERED = {
    "raw prune 0": lambda: trafilatura.xpaths.RAW_TREE_PRUNE_XPATH[0],
    "raw prune 1": lambda: trafilatura.xpaths.RAW_TREE_PRUNE_XPATH[1],
    "comments": lambda: trafilatura.xpaths.REMOVE_COMMENTS_AND_LISTS_XPATH[0],
    "basic clean": lambda: prefilter._BASELINE.BASIC_CLEAN_XPATH,
}
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


@pytest.mark.parametrize("name", PREFILTERED)
def test_prefiltered_xpaths_select_what_trafilatura_selects(name: str) -> None:
    """On real pages (most skip the XPath) and on one where every condition holds."""
    shortcut = PREFILTERED[name]()
    assert isinstance(shortcut, prefilter.Prefiltered)
    pages = [*_pages(121), *_eval_pages(), *(p.encode() for p in POSITIVES)]
    skipped = 0
    for html in pages:
        tree = article._load_tree(decode_body(html))
        assert tree is not None
        with prefilter.page_attributes(tree):
            got = shortcut(tree)
            skipped += not prefilter._PAGE.get().may_match(shortcut)  # type: ignore[union-attr]
        assert got == shortcut.xpath(tree)
    # Outside extraction: the plain XPath.
    assert any(shortcut(article._load_tree(p)) for p in POSITIVES)
    assert skipped > len(pages) // 3  # the shortcut is taken


def test_extraction_leaves_unpruned_trees_unchanged() -> None:
    """Extraction skips copying the page tree when trafilatura would not prune it: it must
    then leave that tree exactly as it was."""
    options = copy(article._OPTIONS)
    unpruned = 0
    for html in [*_pages(121), *_eval_pages()]:
        tree = article._load_tree(decode_body(html))
        assert tree is not None
        with prefilter.page_attributes(tree):
            if prefilter.prunes_raw_tree():
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

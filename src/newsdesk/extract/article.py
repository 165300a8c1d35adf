"""Article extraction: main text, sanitized HTML and metadata of a web page (trafilatura-based)."""

from __future__ import annotations

import re
import unicodedata
from contextvars import ContextVar
from copy import copy, deepcopy
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import trafilatura
import trafilatura.core
from lxml.etree import (
    Element,
    ElementDefaultClassLookup,
    LxmlError,
    SubElement,
    _Element,
    tostring,
)
from lxml.html import (
    HtmlComment,
    HtmlElement,
    HtmlEntity,
    HTMLParser,
    HtmlProcessingInstruction,
    fromstring,
)
from trafilatura.external import SANITIZED_XPATH, compare_extraction, justext_rescue
from trafilatura.settings import Document, Extractor
from trafilatura.utils import repair_faulty_html
from trafilatura.xml import xmltotxt

from newsdesk.extract.cleanup import (
    PageHints,
    WordKeys,
    clean_body,
    iter_units,
    recover_continuations,
    word_key,
    words,
)
from newsdesk.extract.fastxpath import page_attributes, prunes_raw_tree
from newsdesk.extract.language import detect_language
from newsdesk.extract.metadata import extract_page_metadata
from newsdesk.extract.sanitize import sanitize_html
from newsdesk.sources.charset import decode_body

__all__ = ["Extracted", "ExtractionError", "extract_article"]

# Fewer words than this after cleanup: the page has no article text (a hub, a login wall...).
MIN_WORDS = 10
# trafilatura options for the text: comments are never article body; tables can be.
TEXT_OPTIONS: dict[str, Any] = {"include_comments": False, "include_tables": True}
# Invisible schema.org blocks (SEO copies of headline, dates, body) are metadata, not content.
# (Found from the attribute nodes: faster than a test on every element of the page.)
HIDDEN_MICRODATA = (
    "(//@itemscope/..|//@itemprop/..)[@hidden or contains(translate(@style, "
    "'DISPLAYNOE ', 'displaynoe'), 'display:none')]"
)

# trafilatura's parser settings, with a class lookup done in C: lxml.html's default lookup is a
# Python callback run for every element proxy (thousands per page, ~10% of the extraction
# time). Its only other effect, form-specific classes for <form>/<input>..., is not used here.
_PARSER = HTMLParser(
    collect_ids=False,
    default_doctype=False,
    encoding="utf-8",
    remove_comments=True,
    remove_pis=True,
)
_PARSER.set_element_class_lookup(
    ElementDefaultClassLookup(
        element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity
    )
)
# The readability/justext comparison (trafilatura's stage 2) only replaces a confident main
# extraction when readability finds over twice as much text; at this length, with paragraph
# text, few tables and no unclean markup, that is rare (5 of 781 corpus pages) and not worth
# running readability (a fifth of the extraction time) on every page.
CONFIDENT_CHARS = 1000
# trafilatura's recall escalation (a short text covering little of the page) also tries
# justext on the whole page. That candidate is skipped: on the article-extraction benchmark it
# changes nothing and on trafilatura-eval it gains 0.002 F1, for a third of the extraction
# time of the pages concerned (4 ms per page on average). The rule-based recall retry stays.
_HTML_TAGS = {"p": "p", "list": "ul", "item": "li", "quote": "blockquote", "lb": "br"}
_HI_TAGS = {"#b": "strong", "#i": "em", "#t": "code", "#u": "u", "#sub": "sub", "#sup": "sup"}


class ExtractionError(ValueError):
    """No article text could be extracted from the page."""


@dataclass
class Extracted:
    """An extracted article.

    ``text`` has one paragraph (or heading, list item) per line; ``html`` is sanitized;
    ``published`` is in UTC (a date printed without time zone is taken as UTC);
    ``canonical_url`` is the URL the page declares for itself, else ``url``.
    """

    url: str | None
    canonical_url: str | None
    title: str
    author: str | None
    published: datetime | None
    language: str | None
    text: str
    html: str
    image_url: str | None
    sitename: str | None
    description: str | None
    word_count: int


def _web_url(value: str | None, base: str | None) -> str | None:
    if not value:
        return None
    absolute = urljoin(base, value.strip()) if base else value.strip()
    return absolute if urlsplit(absolute).scheme in ("http", "https") else None


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    for fmt in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
        try:
            parsed = datetime.strptime(value, fmt)
        except ValueError:
            continue
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    return None


def _anchor_texts(tree: HtmlElement) -> tuple[str, ...]:
    """Link texts of the page (two words or more) as word strings, longest first."""
    texts = {word_key(a) for a in tree.iter("a")}
    return tuple(sorted((t for t in texts if " " in t), key=len, reverse=True))


def _body_text(body: _Element) -> str:
    return unicodedata.normalize("NFC", xmltotxt(body, False)).strip()


def _load_tree(markup: str) -> HtmlElement | None:
    """Parse a page as trafilatura's ``load_html`` does, with the fast-lookup parser."""
    beginning = markup[:50].lower()
    markup = repair_faulty_html(markup, beginning)
    tree: HtmlElement | None
    try:
        tree = fromstring(markup, parser=_PARSER)
    except (LxmlError, ValueError):  # e.g. a str with an XML encoding declaration
        tree = None
    if tree is None or len(tree) < 1:
        try:
            tree = fromstring(markup.encode("utf-8", "surrogatepass"), parser=_PARSER)
        except (LxmlError, ValueError):  # e.g. "Document is empty"
            return None
    if tree is not None and "html" not in beginning and len(tree) < 2:
        return None  # not (well-formed) HTML
    return tree


_GATED: ContextVar[bool] = ContextVar("newsdesk_gated_fallback", default=False)


def _confident(body: _Element, text: str, options: Extractor) -> bool:
    """A main extraction that trafilatura's readability/justext comparison would keep."""
    return (
        options.focus == "balanced"
        and len(text) >= CONFIDENT_CHARS
        and bool(body.xpath(".//p//text()"))
        and len(body.findall(".//table")) <= len(body.findall(".//p"))
        and not body.xpath(SANITIZED_XPATH)
    )


def _gated_compare_extraction(
    cleaned_tree: HtmlElement,
    raw_tree: HtmlElement,
    body: _Element,
    text: str,
    options: Extractor,
) -> tuple[_Element, str]:
    if _GATED.get() and _confident(body, text, options):
        return body, text
    return compare_extraction(cleaned_tree, raw_tree, body, text, options)


def _gated_justext_rescue(tree: HtmlElement, options: Extractor) -> tuple[_Element, str]:
    if _GATED.get():
        return Element("body"), ""
    return justext_rescue(tree, options)


# trafilatura calls these by their module-level names; the gates only act within
# extract_article (other trafilatura users in the process see no change).
trafilatura.core.compare_extraction = _gated_compare_extraction
trafilatura.core.justext_rescue = _gated_justext_rescue


# What ``trafilatura.bare_extraction(tree, url=url, **TEXT_OPTIONS)`` builds for each call
# (reading its settings each time), built once; only the URL differs between pages.
_OPTIONS = Extractor(
    output_format="python",
    comments=TEXT_OPTIONS["include_comments"],
    tables=TEXT_OPTIONS["include_tables"],
)


def _extract_body(tree: HtmlElement, url: str | None) -> _Element | None:
    """The main text of the page as trafilatura's body tree (None if there is none).

    Equivalent to ``bare_extraction(tree, url=url, **TEXT_OPTIONS).body``, which runs
    ``trafilatura_sequence`` on a copy of the tree, without what that wrapper adds and newsdesk
    does not use: the plain-text rendering of the body and the per-call option parsing.
    """
    options = copy(_OPTIONS)
    options.url = url
    options.source = url and url.encode("utf-8", "replace").decode("utf-8")
    token = _GATED.set(True)
    try:
        # The page tree is read again afterwards: a copy, if trafilatura would prune it.
        source = copy(tree) if prunes_raw_tree() else tree
        body, text, _, _ = trafilatura.core.trafilatura_sequence(source, options, url)
    except (TypeError, ValueError):
        return None  # as bare_extraction: the page has no extractable text
    finally:
        _GATED.reset(token)
    return body if len(text) >= options.min_output_size else None


_SOURCE_BLOCKS = (
    "p",
    "li",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "figcaption",
    "dd",
    "dt",
)


def _source_blocks(tree: HtmlElement, keys: WordKeys) -> dict[str, _Element]:
    """Block elements of the page by their word string (first occurrence wins)."""
    blocks: dict[str, _Element] = {}
    for elem in tree.iter(*_SOURCE_BLOCKS):
        key = keys[elem]
        if key:
            blocks.setdefault(key, elem)
    return blocks


def _to_html(body: _Element, tree: HtmlElement, keys: WordKeys) -> str:
    """Render a trafilatura body tree as (unsanitized) HTML.

    The text extraction drops links and emphasis, so each paragraph, heading or list item
    whose text is found in the page takes its inline markup from there.
    """
    root = deepcopy(body)
    sources = _source_blocks(tree, keys)
    units = [u for u in iter_units(root) if u.tag in ("p", "head", "item", "quote")]
    matches = [sources.get(word_key(u)) for u in units]
    for elem in root.iter():
        if not isinstance(elem.tag, str):
            continue
        attrib = dict(elem.attrib)
        elem.attrib.clear()
        if elem.tag == "head":
            level = attrib.get("rend", "h3")[1:]
            elem.tag = f"h{max(2, min(6, int(level) if level.isdigit() else 3))}"
        elif elem.tag == "list" and attrib.get("rend") == "ol":
            elem.tag = "ol"
        elif elem.tag in _HTML_TAGS:
            elem.tag = _HTML_TAGS[elem.tag]
        elif elem.tag == "hi":
            elem.tag = _HI_TAGS.get(attrib.get("rend", ""), "span")
        elif elem.tag == "ref":
            elem.tag = "a"
            elem.set("href", attrib.get("target", ""))
        elif elem.tag == "graphic":
            elem.tag = "img"
            elem.set("src", attrib.get("src", ""))
            elem.set("alt", attrib.get("alt", ""))
        elif elem.tag == "code":
            elem.tag = "pre"
        elif elem.tag in ("table", "row", "cell"):
            elem.tag = {"row": "tr", "cell": "th" if attrib.get("role") == "head" else "td"}.get(
                elem.tag, "table"
            )
        else:
            elem.tag = "div"
    for unit, source in zip(units, matches, strict=True):
        if source is not None:
            for child in list(unit):
                unit.remove(child)
            unit.text = source.text
            unit.extend(deepcopy(child) for child in source)  # children keep their tails
            if source.tag == "pre":
                unit.tag = "pre"  # code the extractor filed as a quotation
    return tostring(root, encoding="unicode", method="html")


def _plain_html(text: str) -> str:
    root = Element("div")
    for line in text.split("\n"):
        if line.strip():
            SubElement(root, "p").text = line.strip()
    return tostring(root, encoding="unicode", method="html")


_TITLE_SUFFIX_RE = re.compile(r"^(.*\S)\s+(?:\||-|–|—|›|»|·|::|~)\s+(.+)$")
_TITLE_PREFIX_RE = re.compile(r"^(.+?)\s+(?:\||-|–|—|›|»|·|::|~)\s+(.*\S)$")


def _compact(text: str | None) -> str:
    return "".join(words(text))


def _names_site(part: str, sitename: str | None, url: str | None) -> bool:
    """True if a title segment is just the site's name or domain ("Example News", "example.com")."""
    segment = _compact(part)
    if not segment or len(words(part)) > 6:
        return False
    host = (urlsplit(url).hostname or "") if url else ""
    host = host.removeprefix("www.")
    names = {_compact(sitename), _compact(host), _compact(host.rsplit(".", 2)[0])} - {""}
    return any(segment == name or (len(segment) >= 4 and segment in name) for name in names)


def _clean_title(
    title: str | None, sitename: str | None, url: str | None, tree: HtmlElement
) -> str:
    """The headline without the site name that pages append or prepend to their <title>."""
    title = " ".join((title or "").split())
    h1s = [" ".join(" ".join(h.itertext()).split()) for h in tree.iter("h1")]
    if len(h1s) == 1 and len(words(h1s[0])) >= 3 and h1s[0] != title and h1s[0] in title:
        return h1s[0]
    while (match := _TITLE_SUFFIX_RE.match(title)) and _names_site(match[2], sitename, url):
        title = match[1]
    while (match := _TITLE_PREFIX_RE.match(title)) and _names_site(match[1], sitename, url):
        title = match[2]
    return title


def extract_article(
    html: str | bytes,
    url: str | None = None,
    published: datetime | None = None,
    content_type: str | None = None,
) -> Extracted:
    """Extract the main article of an HTML page; raises ExtractionError if there is none.

    `published`, when the feed gives it, replaces the page's own date search. Bytes are
    decoded with the charset of `content_type` (the HTTP header) if it names one.
    """
    markup = decode_body(html, content_type) if isinstance(html, bytes) else html
    try:
        tree = _load_tree(markup)
    except (LxmlError, ValueError) as exc:
        raise ExtractionError(f"cannot parse the page as HTML: {exc}") from exc
    if tree is None:
        raise ExtractionError("the input is empty or not an HTML document")
    with page_attributes(tree):  # the page's class and id values, read once
        return _extract_tree(tree, url, published)


def _extract_tree(tree: HtmlElement, url: str | None, published: datetime | None) -> Extracted:
    try:
        known = published.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S%z") if published else None
        meta = extract_page_metadata(tree, url, known)
    except (LxmlError, ValueError, TypeError):
        meta = Document()  # metadata is best effort; the text may still be fine
    published = _parse_date(meta.date)
    for hidden in tree.xpath(HIDDEN_MICRODATA):
        if hidden.getparent() is not None:
            hidden.getparent().remove(hidden)
    title = _clean_title(meta.title, meta.sitename, meta.url or url, tree)
    hints = PageHints(
        title=title or meta.title,
        description=meta.description,
        date=meta.date[:10] if meta.date else None,  # the page's local date, as printed
        anchors=_anchor_texts(tree),
    )
    keys = WordKeys()  # of the page's elements, shared by the continuation and markup steps
    try:
        body = _extract_body(tree, url)
        if body is not None:
            clean_body(body, hints)
            recover_continuations(body, tree, keys)
    except (LxmlError, ValueError, TypeError) as exc:
        raise ExtractionError(f"extraction failed: {exc}") from exc
    text = _body_text(body) if body is not None else ""
    word_count = len(words(text))
    if word_count < MIN_WORDS:
        raise ExtractionError(f"no main text found ({word_count} words after removing boilerplate)")
    try:
        rendered: str | None = _to_html(body, tree, keys) if body is not None else None
    except (LxmlError, ValueError, TypeError):
        rendered = None
    base = _web_url(meta.url, url) or url
    return Extracted(
        url=url,
        canonical_url=_web_url(meta.url, url),
        title=title,
        author=meta.author or None,
        published=published,
        language=detect_language(text) or _html_lang(tree),
        text=text,
        html=sanitize_html(rendered or _plain_html(text), base_url=base),
        image_url=_web_url(meta.image, base),
        sitename=meta.sitename or None,
        description=meta.description or None,
        word_count=word_count,
    )


def _html_lang(tree: HtmlElement) -> str | None:
    lang = (tree.get("lang") or "").strip().lower()[:2]
    return lang if len(lang) == 2 and lang.isalpha() else None

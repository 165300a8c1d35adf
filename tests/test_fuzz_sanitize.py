"""Fuzzing sanitize_html and html_to_text with arbitrary text and generated hostile HTML.

sanitize_html's output is plain, canonical HTML: allowed tags only, allowed attributes only
(and nh3's generic title/lang), link and image URLs absolute with a safe scheme, no '<'
outside tags (so no "<script", "<iframe" or "<style" anywhere; "javascript:" only as text or
in a title), nothing of what script/style-like elements held; sanitizing it again keeps it
safe and its text the same (not always its markup: see check_twice). html_to_text never
raises and keeps none of that content either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from urllib.parse import urlsplit

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from newsdesk.extract.sanitize import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, html_to_text, sanitize_html

from .fuzz_support import fuzz, show

# Failure reports of huge inputs (deep nesting, 1 MB attributes) make Hypothesis warn
pytestmark = [pytest.mark.fuzz, pytest.mark.filterwarnings("ignore:Generating overly large repr")]

# A word that only ever appears inside script-like elements, never in text or attributes.
SECRET = "qzxsecretqzx"
# Their content is code, style or embedded documents, never article text.
HIDDEN = ["script", "style", "iframe", "svg", "math", "template", "object", "noscript"]
HIDDEN += ["textarea", "select", "title", "audio", "video", "canvas", "button", "ScRiPt", "STYLE"]
VISIBLE = ["a", "img", "p", "div", "span", "b", "i", "em", "strong", "table", "tbody", "tr"]
VISIBLE += ["td", "th", "ul", "ol", "li", "h2", "pre", "code", "br", "blockquote", "figure"]
VISIBLE += ["form", "input", "base", "meta", "link", "body", "html", "head", "embed", "frame"]
VISIBLE += ["source", "font", "center", "marquee", "image", "x-custom", "svg:a"]
# Raw-text elements whose content is text in HTML: "<xmp><script>" shows a script tag, as text.
RAW_TEXT = ["xmp", "plaintext", "noembed", "noframes", "listing"]

URLS = [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
    "java&#x09;script:alert(1)", "&#106;avascript:alert(1)", "\x01javascript:alert(1)",
    "javascript&colon;alert(1)", "vbscript:msgbox(1)", "livescript:x", "data:text/html,<script>alert(1)</script>",
    "data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+", "data:image/png;base64,AAAA",
    "https://ok.example/a?b=1&c=2#d", "http://ok.example", "/relative/path", "relative", "//proto.example/x",
    "mailto:a@b.example", "#frag", "?q=1", "", " ", "x onerror=alert(1)", '"><script>alert(1)</script>',
    "https://ok.example/<script>", "file:///etc/passwd", "ftp://x.example/", "http://[::1", "\u202ejavascript:x",
]  # fmt: skip
ATTRIBUTES = [
    "href", "src", "alt", "title", "rel", "style", "colspan", "rowspan", "srcset", "srcdoc",
    "onerror", "onclick", "onload", "OnMouseOver", "formaction", "action", "xlink:href",
    "data-x", "id", "class", "background", "dynsrc", "lowsrc", "poster", "target",
]  # fmt: skip
BASES = [None, "https://news.example.com/world/story.html", "http://127.0.0.1:8080/", "ftp://x/"]


@dataclass
class Html:
    text: str  # the fragment
    hidden: bool  # SECRET is in it, only inside HIDDEN elements that no markup can break out of


_UNQUOTED = re.compile(r"[\s>\"'`=<]")  # what cannot be in an unquoted attribute value


def _attrs(items: list[tuple[str, str, str]]) -> str:
    out = []
    for name, value, quote in items:
        if quote == "none":
            out.append(f" {name}")
        elif quote:
            out.append(f" {name}={quote}{value.replace(quote, '')}{quote}")
        else:
            out.append(f" {name}={_UNQUOTED.sub('', value) or 'x'}")
    return "".join(out)


def _element(
    tag: str, attrs: list[tuple[str, str, str]], children: list[Html], closed: bool
) -> Html:
    inner = "".join(c.text for c in children)
    end = f"</{tag}>" if closed else ""
    return Html(f"<{tag}{_attrs(attrs)}>{inner}{end}", any(c.hidden for c in children))


def _hidden(tag: str, attrs: list[tuple[str, str, str]], text: str) -> Html:
    """A script-like element holding SECRET and plain text (always closed, no child markup: an
    unclosed one may end anywhere, and markup such as <p> in <svg> breaks out of it)."""
    return Html(f"<{tag}{_attrs(attrs)}>{SECRET} {text} {SECRET}</{tag}>", True)


def _nested(tag: str, depth: int, child: Html, closed: bool) -> Html:
    end = f"</{tag}>" * depth if closed else ""
    return Html(f"<{tag}>" * depth + child.text + end, child.hidden)


def _plain(alphabet_excluded: str) -> st.SearchStrategy[str]:
    return st.text(st.characters(codec="utf-8", exclude_characters=alphabet_excluded), max_size=20)


attributes = st.lists(
    st.tuples(
        st.sampled_from(ATTRIBUTES) | st.from_regex(r"\Aon[a-z]{1,8}\Z"),
        st.sampled_from(URLS) | _plain(""),
        st.sampled_from(['"', "'", "", "none"]),
    ),
    max_size=3,
)
words = _plain("<&")
leaves = st.one_of(
    words.map(lambda t: Html(t, False)),
    st.sampled_from(["&lt;script&gt;", "&amp;", "&#0;", "&#x110000;", "&nbsp;", "&bogus;", ">"])
    .map(lambda t: Html(t, False)),
    _plain("<>-!").map(lambda t: Html(f"<!--{t}-->", False)),
    _plain("<>]").map(lambda t: Html(f"<![CDATA[{t}]]>", False)),
    st.sampled_from(["<!-->", "<!--->", "<?php x ?>", "<!DOCTYPE html>", "<br/>", "</p>", "</x>"])
    .map(lambda t: Html(t, False)),
    st.builds(lambda tag, attrs: Html(f"<{tag}{_attrs(attrs)}>", False), st.sampled_from(VISIBLE), attributes),
)  # fmt: skip
# Markup that may turn what follows into a tag name, comment or text ("<", "</<script>").
breaking_leaves = st.one_of(
    st.sampled_from(["<", "</", "<!", "<!--", "-->", "--!>", "<![CDATA[", "]]>", "<script", "</script"])
    .map(lambda t: Html(t, False)),
    st.text(max_size=40).map(lambda t: Html(t, False)),
)  # fmt: skip


def html_trees(
    visible: list[str], extra_leaves: st.SearchStrategy[Html] | None = None
) -> st.SearchStrategy[Html]:
    base = leaves if extra_leaves is None else leaves | extra_leaves
    return st.recursive(
        base,
        lambda children: st.one_of(
            st.builds(_element, st.sampled_from(visible), attributes, st.lists(children, max_size=4), st.booleans()),
            st.builds(_hidden, st.sampled_from(HIDDEN), attributes, words),
            st.builds(_nested, st.sampled_from(visible), st.integers(1, 400), children, st.booleans()),
        ),
        max_leaves=20,
    )  # fmt: skip


fragments = html_trees(VISIBLE)
# Raw-text elements and breaking markup can make script-like markup text (shown, not run):
# these are checked for safety only, not for SECRET.
raw_fragments = st.one_of(
    html_trees(VISIBLE + RAW_TEXT, breaking_leaves).map(lambda h: Html(h.text, False)),
    st.text(max_size=300).map(lambda t: Html(t, False)),
)

# ------------------------------------------------------------------------ what output may be

# html5ever's serialization: quoted attribute values with '"' and '&' escaped, text with '<',
# '>' and '&' escaped. Every '<' of such output starts a tag.
_TAG = re.compile(r'<(/?)([a-z][a-z0-9]*)((?:\s+[^\s"\'>/=]+(?:="[^"]*")?)*)\s*(/?)>')
_ATTR = re.compile(r'\s+([^\s"\'>/=]+)(?:="([^"]*)")?')
_C0_SPACE = "".join(chr(c) for c in range(0x21))
# nh3 (ammonia) allows these on every tag unless told otherwise; plain text, never a URL.
GENERIC = {"title", "lang"}


def _scheme(url: str) -> str:
    """The scheme a browser sees: tabs and newlines removed, C0 controls and spaces stripped."""
    cleaned = re.sub(r"[\t\n\r]", "", url).strip(_C0_SPACE)
    return urlsplit(cleaned).scheme.lower() if ":" in cleaned else ""


def check_sanitized(out: str) -> None:
    """Only allowed tags and attributes, safe absolute URLs, no '<' outside tags."""
    assert isinstance(out, str)
    position = 0
    for tag in _TAG.finditer(out):
        assert "<" not in out[position : tag.start()], f"'<' outside a tag: {out!r}"
        position = tag.end()
        closing, name, attrs = tag.group(1), tag.group(2), tag.group(3)
        assert name in ALLOWED_TAGS, f"<{name}> in {out!r}"
        if closing:
            assert not attrs
        names = []
        for attr in _ATTR.finditer(attrs):
            key, value = attr.group(1), unescape(attr.group(2) or "")
            names.append(key)
            allowed = (
                ALLOWED_ATTRIBUTES.get(name, set()) | GENERIC | ({"rel"} if name == "a" else set())
            )
            assert key in allowed, f"{key}= on <{name}> in {out!r}"
            if key == "href":
                assert _scheme(value) in ("http", "https", "mailto"), value
            if key == "src":
                assert _scheme(value) in ("http", "https"), value
            if key == "rel":
                assert value == "nofollow noopener noreferrer"
        assert len(names) == len(set(names)), out
    assert "<" not in out[position:], f"'<' outside a tag: {out!r}"
    assert "\x00" not in out


def check_twice(once: str, base_url: str | None) -> None:
    """Sanitizing again is idempotent-ish: still safe, and the same text.

    Not idempotent outright: nh3 serializes trees that HTML's parser does not build again.
    "<h2><font><h2>" gives "<h2><h2></h2></h2>" (the removed <font> no longer separates the
    headings), which parses as "<h2></h2><h2></h2>"; "<a><ul>...<ul><a>" (16 <ul>s) changes
    again on the third pass (the adoption agency's loop limits). Every pass is safe.
    """
    twice = sanitize_html(once, base_url)
    check_sanitized(twice)
    assert " ".join(html_to_text(twice).split()) == " ".join(html_to_text(once).split())


# ------------------------------------------------------------------------ the properties


# Found by this fuzzing: script-like elements below sanitize's nesting bound (MAX_DEPTH, 64)
DEEP_SCRIPT = Html("<a>" * 64 + f"<script>{SECRET}</script>", True)
DEEP_SCRIPT_QUOTED = Html("<a>" * 64 + f'<script title="></script>">{SECRET}</script>', True)


@fuzz(examples=1000)
@given(html=fragments, base_url=st.sampled_from(BASES))
@example(html=DEEP_SCRIPT, base_url=None)
@example(html=DEEP_SCRIPT_QUOTED, base_url=None)
def test_sanitized_html_is_safe_canonical_and_hides_script_content(
    html: Html, base_url: str | None
) -> None:
    show(fragment=html.text, base_url=base_url)
    out = sanitize_html(html.text, base_url)
    check_sanitized(out)
    assert SECRET not in out, "the content of a script-like element is not text"
    check_twice(out, base_url)


@fuzz(examples=800)
@given(html=raw_fragments, base_url=st.sampled_from(BASES))
def test_sanitized_raw_text_and_arbitrary_strings_are_safe(
    html: Html, base_url: str | None
) -> None:
    show(fragment=html.text, base_url=base_url)
    out = sanitize_html(html.text, base_url)
    check_sanitized(out)
    check_twice(out, base_url)


@fuzz(examples=1000)
@given(html=fragments | raw_fragments)
@example(html=Html("<html>", False))  # lxml: AssertionError "too many bodies"
@example(html=DEEP_SCRIPT)
@example(html=DEEP_SCRIPT_QUOTED)
def test_html_to_text_never_raises_and_keeps_no_script_content(html: Html) -> None:
    show(fragment=html.text)
    text = html_to_text(html.text)
    assert isinstance(text, str)
    if "\x00" not in html.text:
        assert "\x00" not in text  # the <br> placeholder never leaks
    if html.hidden:
        assert SECRET not in text, "the content of a script-like element is not text"
    assert isinstance(html_to_text(sanitize_html(html.text)), str)  # and of sanitized HTML

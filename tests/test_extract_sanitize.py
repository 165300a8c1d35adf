"""sanitize_html against XSS filter-evasion vectors; html_to_text; detect_language."""

from __future__ import annotations

import contextlib
import gzip
import re
import time

import lxml.html
import pytest

from newsdesk.extract import detect_language, html_to_text, sanitize_html
from newsdesk.extract.sanitize import MAX_DEPTH, bound_depth

try:
    from .conftest import shared_data
except ImportError:  # pragma: no cover
    from conftest import shared_data  # type: ignore[no-redef]

BASE = "https://news.example.com/world/story.html"

# OWASP XSS filter evasion cheat sheet style vectors (and a few from html5sec.org).
VECTORS = [
    "<script>alert('XSS')</script>",
    "<SCRIPT SRC=https://xss.example/xss.js></SCRIPT>",
    "<<SCRIPT>alert('XSS');//\\<</SCRIPT>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    '<IMG """><SCRIPT>alert("XSS")</SCRIPT>"\\>',
    "<IMG SRC=javascript:alert(String.fromCharCode(88,83,83))>",
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    '<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>',
    '<img src=x onerror="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105'
    "&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039"
    '&#0000088&#0000083&#0000083&#0000039&#0000041">',
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;"
    "&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
    "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74"
    "&#x28&#x27&#x58&#x53&#x53&#x27&#x29>",
    "<IMG SRC=\"jav\tascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">",
    "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
    '<a href="javascript:alert(1)">link</a>',
    '<a href="JaVaScRiPt:alert(1)">link</a>',
    '<a href="&#106;avascript:alert(1)">link</a>',
    '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)">link</a>',
    '<a href=" javascript:alert(1)">link</a>',
    '<a href="vbscript:msgbox(1)">link</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">link</a>',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    "<svg/onload=alert('XSS')>",
    "<svg><script>alert(1)</script></svg>",
    "<BODY ONLOAD=alert('XSS')>text",
    "<BGSOUND SRC=\"javascript:alert('XSS');\">",
    '<LINK REL="stylesheet" HREF="javascript:alert(\'XSS\');">',
    "<STYLE>@import'https://xss.example/xss.css';</STYLE>",
    "<p STYLE=\"background-image: url(javascript:alert('XSS'))\">styled</p>",
    "<DIV STYLE=\"width: expression(alert('XSS'));\">expr</DIV>",
    "<IFRAME SRC=\"javascript:alert('XSS');\"></IFRAME>",
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "<FRAMESET><FRAME SRC=\"javascript:alert('XSS');\"></FRAMESET>",
    '<TABLE BACKGROUND="javascript:alert(\'XSS\')"><tr><td onclick="alert(1)">cell</td></tr>',
    '<OBJECT TYPE="text/x-scriptlet" DATA="https://xss.example/scriptlet.html"></OBJECT>',
    '<EMBED SRC="data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcv">',
    '<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert(\'XSS\');">',
    '<form action="javascript:alert(1)"><button formaction="javascript:alert(2)">go</button></form>',
    '<math><mi xlink:href="javascript:alert(1)">m</mi></math>',
    '<details open ontoggle="alert(1)">d</details>',
    "<!--[if gte IE 4]><SCRIPT>alert('XSS');</SCRIPT><![endif]-->",
    '<base href="javascript:alert(1)//">',
    '<input type="image" src="javascript:alert(1)">',
    '<video><source onerror="alert(1)"></video>',
    '<a href="https://ok.example/" onclick="alert(1)" style="color:red" target="_blank">ok</a>',
]

_DANGEROUS = re.compile(
    r"<\s*(script|style|iframe|frame|object|embed|svg|math|form|button|input|base|link|meta)"
    r"|\son\w+\s*=|=\s*[\"']?\s*(javascript|vbscript|data):|expression\s*\(|style\s*=|srcdoc",
    re.IGNORECASE,
)


@pytest.mark.parametrize("vector", VECTORS)
def test_xss_vectors_come_out_inert(vector: str) -> None:
    cleaned = sanitize_html(vector, BASE)
    assert not _DANGEROUS.search(cleaned), cleaned
    # re-parsing the output must not produce any active attribute either
    root = lxml.html.fragment_fromstring(cleaned or "<p></p>", create_parent="div")
    for elem in root.iter():
        for name, value in elem.attrib.items():
            assert name in {"href", "src", "alt", "rel", "colspan", "rowspan"}, cleaned
            if name in ("href", "src"):
                assert value.startswith(("https://", "http://", "mailto:")), cleaned


def test_allowed_markup_is_kept() -> None:
    fragment = (
        "<h2>Heading</h2><p>Some <em>emphasis</em>, <strong>strong</strong>, <b>b</b>, "
        "<i>i</i><br><code>x = 1</code></p><ul><li>one</li></ul><ol><li>two</li></ol>"
        "<blockquote>quote</blockquote><pre>pre</pre><figure><img src='a.png' alt='A'>"
        "<figcaption>cap</figcaption></figure><table><caption>c</caption><thead><tr><th>h</th>"
        "</tr></thead><tbody><tr><td colspan='2'>d</td></tr></tbody></table>"
    )
    cleaned = sanitize_html(fragment, BASE)
    for tag in ("h2", "p", "em", "strong", "b", "i", "br", "code", "ul", "ol", "li"):
        assert f"<{tag}>" in cleaned
    for tag in ("blockquote", "pre", "figure", "figcaption", "table", "caption", "th", "td"):
        assert f"<{tag}" in cleaned
    assert '<img src="https://news.example.com/world/a.png" alt="A">' in cleaned
    assert '<td colspan="2">' in cleaned


def test_links_get_rel_and_relative_urls_are_resolved() -> None:
    cleaned = sanitize_html(
        '<p><a href="/politics/">abs path</a> <a href="next.html">relative</a> '
        '<a href="//cdn.example.net/x">proto</a> <a href="mailto:desk@example.com">mail</a> '
        '<a href="https://other.example/a?b=1&amp;c=2">full</a></p>',
        BASE,
    )
    assert '<a href="https://news.example.com/politics/" rel="nofollow noopener noreferrer">' in (
        cleaned
    )
    assert 'href="https://news.example.com/world/next.html"' in cleaned
    assert 'href="https://cdn.example.net/x"' in cleaned
    assert 'href="mailto:desk@example.com"' in cleaned
    assert 'href="https://other.example/a?b=1&amp;c=2"' in cleaned
    assert cleaned.count('rel="nofollow noopener noreferrer"') == 5


def test_relative_urls_are_dropped_without_a_base() -> None:
    cleaned = sanitize_html('<a href="/x">x</a><img src="y.png"><a href="https://a.example/">a</a>')
    assert 'href="/x"' not in cleaned and "y.png" not in cleaned
    assert 'href="https://a.example/"' in cleaned


def test_html_to_text_keeps_paragraphs() -> None:
    text = html_to_text(
        "<p>First <b>para</b>graph,\n  wrapped.</p><p>Line one<br>Line two</p>loose text"
        "<ul><li>item 1</li><li>item 2</li></ul><script>var x = 1;</script>"
        "<style>p {}</style><p>Caf&eacute; &amp; bar&nbsp;!</p>"
    )
    assert text == (
        "First paragraph, wrapped.\n\nLine one\nLine two\n\nloose text\n\n"
        "item 1\n\nitem 2\n\nCafé & bar !"
    )
    assert html_to_text("") == ""
    assert html_to_text("just text") == "just text"
    assert html_to_text("<div><div><p>nested</p></div></div>") == "nested"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("The council approved the new budget on Tuesday after a long debate.", "en"),
        ("Der Stadtrat hat am Dienstag nach langer Debatte den neuen Haushalt beschlossen.", "de"),
        ("Le conseil municipal a approuvé mardi le nouveau budget après un long débat.", "fr"),
        ("El ayuntamiento aprobó el martes el nuevo presupuesto tras un largo debate.", "es"),
        ("市议会周二在长时间辩论后批准了新的预算案，预计明年开始实施。", "zh"),
    ],
)
def test_detect_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang


@pytest.mark.parametrize("text", ["", "OK", "Hi there", "2024-01-01 12:00", "— · —"])
def test_detect_language_gives_none_for_very_short_text(text: str) -> None:
    assert detect_language(text) is None


# --- hostile nesting ------------------------------------------------------------------------


def _nested(depth: int, tag: str = "div") -> str:
    return f"<{tag}>" * depth + "hello" + f"</{tag}>" * depth + "<p>after</p>"


@pytest.mark.parametrize("tag", ["div", "b", "blockquote"])
def test_deep_nesting_keeps_the_text(tag: str) -> None:
    # libxml2 drops text below its depth limit and nh3 slows with the square of the depth:
    # tags deeper than MAX_DEPTH are removed first, their text kept.
    fragment = _nested(50_000, tag)
    assert html_to_text(fragment) == "hello\n\nafter"
    cleaned = sanitize_html(fragment, BASE)
    assert "hello" in cleaned and cleaned.endswith("<p>after</p>")
    assert cleaned.count(f"<{tag}>") <= MAX_DEPTH


def test_unclosed_deep_nesting_keeps_the_text() -> None:
    fragment = "<div><span>" * 30_000 + "deep text"
    assert html_to_text(fragment) == "deep text"
    assert "deep text" in sanitize_html(fragment)


@pytest.mark.slow
def test_sanitizing_cost_grows_linearly_with_nesting() -> None:
    # CPU time of 100,000 nested <div>s against a flat fragment of the same size, so the test
    # holds on any CPU. Before the depth bound the nested one took 148 s (flat: 0.3 s).
    deep = _nested(100_000)
    flat = "<p>x</p>" * (len(deep) // 8)

    def cpu(fragment: str) -> float:
        runs = []
        for _ in range(3):
            start = time.process_time()
            sanitize_html(fragment, BASE)
            html_to_text(fragment)
            runs.append(time.process_time() - start)
        return min(runs)

    assert cpu(deep) < 5 * cpu(flat) + 0.05


@pytest.mark.slow
def test_real_feed_fragments_are_never_changed_by_the_depth_bound() -> None:
    from newsdesk.sources.feeds import parse_feed

    folder = shared_data("syndikit-real-feeds") / "XML"
    fragments = []
    for path in sorted(folder.glob("*.gz")):
        with contextlib.suppress(Exception):
            for entry in parse_feed(
                gzip.decompress(path.read_bytes()), "https://feeds.example/"
            ).entries:
                fragments += [h for h in (entry.content_html, entry.summary_html) if h]
    assert len(fragments) > 500
    assert all(bound_depth(f) == f for f in fragments)
    # and a fragment just past the bound loses only its deepest tag
    edge = "<ul>" * (MAX_DEPTH + 1) + "x" + "</ul>" * (MAX_DEPTH + 1)
    assert bound_depth(edge).count("<ul>") == MAX_DEPTH


@pytest.mark.parametrize(
    "inner",
    [
        "<script>secret() <div> secret</script>",
        "<style>.secret { color: red }</style>",
        "<svg><svg><text>secret</text></svg> secret</svg>",
        "<template><p>secret</p></template>",
    ],
)
def test_content_that_is_not_text_stays_hidden_beyond_the_depth_bound(inner: str) -> None:
    # Below MAX_DEPTH such an element is removed with its content, not unwrapped into text.
    fragment = "<a>" * (MAX_DEPTH + 5) + inner + " shown"
    assert "secret" not in sanitize_html(fragment)
    assert "secret" not in html_to_text(fragment)
    assert "shown" in sanitize_html(fragment) and "shown" in html_to_text(fragment)


def test_a_quoted_greater_than_sign_does_not_end_the_tag() -> None:
    fragment = "<a>" * (MAX_DEPTH + 1) + '<script title="></script>">secret</script> shown'
    assert "secret" not in sanitize_html(fragment)
    assert html_to_text(fragment) == "shown"


@pytest.mark.parametrize(
    "fragment",
    [
        '<a x="' * 50_000,  # a quote left open to the end
        "<a x" * 100_000,  # no ">" at all
        '<a "x>' + "<div>" * 50_000 + "t",  # a stray quote before deep nesting
        "<a x='>" + "<div>" * 50_000 + "t",
    ],
    ids=["open-quotes", "no-closing-bracket", "stray-quote", "open-single-quote"],
)
def test_broken_tags_cost_no_more_than_well_formed_ones(fragment: str) -> None:
    # CPU time against well-formed markup of the same size (a regex that restarted its scan at
    # every "<" made the first two quadratic: 480 s for 300 KB).
    flat = "<p>x</p>" * (len(fragment) // 8)

    def cpu(text: str) -> float:
        start = time.process_time()
        sanitize_html(text, BASE)
        html_to_text(text)
        return time.process_time() - start

    assert cpu(fragment) < 5 * cpu(flat) + 0.05


@pytest.mark.parametrize(
    ("fragment", "text"),
    [
        ("<html>", ""),
        ("<html></html>", ""),
        ("<!DOCTYPE html>", ""),
        ("<!-- a comment -->", ""),
        ("<html><body><p>hi &amp; bye</p></body></html>", "hi & bye"),
    ],
)
def test_html_to_text_of_documents_and_markup_without_text(fragment: str, text: str) -> None:
    assert html_to_text(fragment) == text

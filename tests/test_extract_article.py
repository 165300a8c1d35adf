"""extract_article on real pages: text quality against gold bodies, metadata, decoding, errors."""

from __future__ import annotations

import gzip
import json
import re
import statistics
from collections import Counter
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

import pytest

from newsdesk.extract import ExtractionError, detect_language, extract_article
from newsdesk.sources.charset import decode_body

from .conftest import shared_data

_TOKEN = re.compile(r"\w+")

# Pages whose extraction was checked by hand (English news; expected to stay near-perfect).
CHECKED = [
    "042bb7b5fedab6eac7db576522b89b93904c237d344bcbe14a6a5ab7f7335856",  # WSJ, title+deck
    "08f793762792bd252c75fb57544cdf506ffcc04785136cb87503f02364b82b56",  # CBS, newsletter box
    "2f42ef1d3ea0c96e56355d3db93d0e06b47e760b74f6f4261278b8cd1c246dd6",  # Wired, split body
    "374ac9a59a85196cdacc1679fb8993521a7b7d9d6533720f102300be1c7face4",  # CNBC
    "abd9d6291b6bfae0c3ffad8ab7623b482c6da46face0271dc42af6324d8f0ce5",  # NBC News
    "fde930b01859de8311c6a14f8aa8c72be0659b551367803deb6736cf3526cf2e",  # hidden microdata copy
]


def shingle_f1(gold: str, text: str, n: int = 4) -> float:
    """The article-extraction-benchmark metric for one page: F1 of \\w+ 4-shingle multisets."""

    def shingles(s: str) -> Counter[tuple[str, ...]]:
        tokens = _TOKEN.findall(s)
        return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)))

    a, b = shingles(gold), shingles(text)
    tp = sum((a & b).values())
    if not tp:
        return 0.0
    precision, recall = tp / sum(b.values()), tp / sum(a.values())
    return 2 * precision * recall / (precision + recall)


@cache
def _aeb() -> tuple[Path, dict[str, dict[str, str]]]:
    root = shared_data("article-extraction-benchmark")
    return root, json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))


def _aeb_page(key: str) -> tuple[bytes, dict[str, str]]:
    root, truth = _aeb()
    return gzip.decompress((root / "html" / f"{key}.html.gz").read_bytes()), truth[key]


def test_checked_pages_are_extracted_almost_exactly() -> None:
    for key in CHECKED:
        html, gold = _aeb_page(key)
        article = extract_article(html, gold.get("url"))
        assert shingle_f1(gold["articleBody"], article.text) >= 0.8, key
        assert article.title, key
        assert article.language == "en", key
        assert article.word_count >= 50, key


def test_sample_of_benchmark_pages_scores_high_on_average() -> None:
    _, truth = _aeb()
    sample = sorted(truth)[::6]  # 21 of the 121 pages, several languages
    scores = []
    for key in sample:
        html, gold = _aeb_page(key)
        article = extract_article(html, gold.get("url"))
        scores.append(shingle_f1(gold["articleBody"], article.text))
        assert article.title, key
        assert article.language == detect_language(gold["articleBody"]), key
    assert statistics.mean(scores) >= 0.9
    assert min(scores) >= 0.5


def test_headline_deck_and_newsletter_box_are_not_body_text() -> None:
    html, gold = _aeb_page(CHECKED[1])
    article = extract_article(html, gold["url"])
    assert not article.text.startswith(article.title)
    assert "Thanks for signing up" not in article.text
    assert "One member of the Browns' defense didn't hold back" not in article.text  # the deck
    assert article.description and article.description.startswith("One member of the Browns")
    assert article.text.startswith("The Steelers spent Monday")


def test_article_split_around_ads_is_recovered() -> None:
    html, gold = _aeb_page(CHECKED[2])
    article = extract_article(html, gold["url"])
    assert "A second problem is more serious." in article.text  # in the second body container
    assert shingle_f1(gold["articleBody"], article.text) >= 0.95


def test_metadata_fields() -> None:
    html, gold = _aeb_page(CHECKED[1])
    article = extract_article(html, "https://example.org/some/path")
    assert article.url == "https://example.org/some/path"
    assert article.canonical_url == gold["url"]
    assert article.title == (
        "Browns player on Mason Rudolph's role in fight with Myles Garrett: He asked for it"
    )
    assert article.author == "Bryan DeArdo"
    assert article.published is not None and article.published.tzinfo == UTC
    assert article.published.date() == date(2019, 11, 19)
    assert article.sitename == "CBSSports.com"
    assert article.image_url and article.image_url.startswith("https://")
    assert article.word_count == len(_TOKEN.findall(article.text)) > 600


def test_html_rendering_is_sanitized_and_keeps_links() -> None:
    html, gold = _aeb_page(CHECKED[1])
    article = extract_article(html, gold["url"])
    assert article.html.startswith("<")
    assert "<p>" in article.html
    assert '<a href="https://www.cbssports.com/nfl/teams/PIT/pittsburgh-steelers/"' in article.html
    assert 'rel="nofollow noopener noreferrer"' in article.html
    assert "<script" not in article.html and "class=" not in article.html


@pytest.mark.parametrize(
    ("file", "title", "author", "published"),
    [
        (
            "blog.amp.dev.axios.html",
            "People behind the code: The Axios ascent",
            "Alex Durán",
            "2020-04-07",
        ),
        (
            "flowfx.de.tmux.html",
            "Copy & paste from tmux to system clipboard",
            "Florian Posdziech",
            "2020-01-16",
        ),
        (
            "motor1.de-erwischt.html",
            "BMW 3er Touring Facelift (2022) zum ersten Mal erwischt",
            "Adrian Padeanu",
            "2021-11-03",
        ),
        (
            "bloghaus.hypotheses.org.2320.html",
            "Einen Twitterfeed in das Blog einbinden – so geht’s!",
            "Ulrike Stockhausen",
            "2019-09-26",
        ),
    ],
)
def test_metadata_matches_trafilatura_eval_gold(
    file: str, title: str, author: str, published: str
) -> None:
    root = shared_data("trafilatura-eval")
    gold = {
        v["file"]: (url, v) for url, v in json.loads((root / "evaldata.json").read_text()).items()
    }
    url, item = gold[file]
    article = extract_article(gzip.decompress((root / "html" / f"{file}.gz").read_bytes()), url)
    assert article.title == title
    assert article.author == author
    assert article.published is not None and article.published.date().isoformat() == published
    found = " ".join(article.text.split())
    assert all(" ".join(s.split()) in found for s in item["with"])


def test_bytes_are_decoded_by_declaration_detection_and_bom() -> None:
    body = "<p>Überraschung: Müller grüßt die Bürger von Köln – „schön“, sagt er.</p>"
    page = f'<html><head><meta charset="windows-1252"></head><body>{body}</body></html>'
    assert "Müller grüßt" in decode_body(page.encode("cp1252"))
    # a stale ISO-8859-1 declaration on a UTF-8 page
    stale = page.replace("windows-1252", "iso-8859-1")
    assert "Müller grüßt" in decode_body(stale.encode("utf-8"))
    # no declaration at all, Cyrillic single-byte text
    russian = "<html><body><p>" + "Привет, мир! Это проверка кодировки текста. " * 20 + "</p>"
    assert "Привет, мир!" in decode_body(russian.encode("cp1251"))
    # BOM and HTTP header
    assert decode_body(b"\xef\xbb\xbf<p>caf\xc3\xa9</p>") == "<p>café</p>"
    assert "日本語" in decode_body(
        "<p>日本語の記事</p>".encode("shift_jis"), "text/html; charset=Shift_JIS"
    )
    # declared UTF-8 with one broken byte stays UTF-8
    broken = ("<meta charset=utf-8><p>" + "Zürich ist schön. " * 50 + "</p>").encode() + b"\xe4"
    assert "Zürich ist schön" in decode_body(broken)


def test_extract_article_accepts_bytes_with_legacy_charset() -> None:
    paragraph = (
        "Die Stadtverwaltung hat am Montag bekanntgegeben, dass die Brücke über den Fluss "
        "wegen dringender Reparaturen für drei Wochen gesperrt wird. Fußgänger können eine "
        "Fähre nutzen, die alle zwanzig Minuten verkehrt."
    )
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
        "<title>Brücke gesperrt</title></head><body><article><h1>Brücke gesperrt</h1>"
        + f"<p>{paragraph}</p>" * 3
        + "</article></body></html>"
    )
    article = extract_article(page.encode("cp1252"), "https://example.de/news/bruecke")
    assert "Fußgänger können eine Fähre nutzen" in article.text
    assert article.title == "Brücke gesperrt"
    assert article.language == "de"


@pytest.mark.parametrize(
    "page",
    [
        "",
        b"",
        "<html><body></body></html>",
        b"\x00\x01\x02 binary garbage \xff\xfe",
        """<html><head><title>Example</title></head><body>
        <nav><a href="/">Home</a> <a href="/about">About</a> <a href="/contact">Contact</a></nav>
        <div class="cookie">We use cookies. <button>Accept</button></div>
        <footer><p>Subscribe to our newsletter</p><p>© 2024 Example Corp. All rights reserved.</p>
        <p><a href="/privacy">Privacy policy</a> | <a href="/terms">Terms of use</a></p></footer>
        </body></html>""",
    ],
)
def test_pages_without_article_text_raise(page: str | bytes) -> None:
    with pytest.raises(ExtractionError, match=r"\w"):
        extract_article(page)


def test_boilerplate_around_a_synthetic_article_is_removed() -> None:
    story = [
        "The city council voted on Tuesday to extend the northern tram line by four stops, "
        "a project that has been debated for more than a decade.",
        "Construction is expected to start next spring and to last about three years, "
        "according to the transport department, which will publish detailed plans in May.",
        "Residents of the northern districts have long complained about slow bus connections "
        "to the city centre, especially during the winter months.",
        "Opposition members criticised the cost of the project but said they would not try "
        "to block it, given the broad support among residents.",
    ]
    related = "".join(
        f'<li><a href="/news/{i}">Another headline about local politics number {i}</a></li>'
        for i in range(5)
    )
    page = f"""<html><head><title>Council extends tram line | Example Times</title>
    <meta property="og:site_name" content="Example Times">
    <meta name="description" content="Four new stops for the northern districts."></head>
    <body><header><nav><a href="/">Home</a> <a href="/news">News</a></nav></header>
    <article><h1>Council extends tram line</h1>
    <h2>Four new stops for the northern districts.</h2>
    <p>Published 19 November 2019, 10:30</p>
    <div class="content">{"".join(f"<p>{p}</p>" for p in story[:2])}
    <p>Media playback is unsupported on your device</p>{"".join(f"<p>{p}</p>" for p in story[2:])}
    <p>Share this article</p><ul class="related">{related}</ul>
    <p>© 2019 Example Times. All rights reserved.</p></div></article>
    <footer><p>Subscribe to our newsletter</p></footer></body></html>"""
    article = extract_article(page, "https://times.example/news/tram")
    assert article.title == "Council extends tram line"
    assert article.text.split("\n") == story
    assert article.description == "Four new stops for the northern districts."
    assert article.sitename == "Example Times"


def test_a_date_known_from_the_feed_replaces_the_page_date_search() -> None:
    paragraph = "<p>" + "The council approved the new budget after a long debate. " * 12 + "</p>"
    page = (
        "<html><head><title>Budget approved</title>"
        '<meta property="article:published_time" content="2019-05-01T08:00:00Z"></head>'
        f"<body><article><h1>Budget approved</h1><p>Published 1 May 2019</p>{paragraph}"
        "</article></body></html>"
    )
    own = extract_article(page, "https://example.org/budget")
    assert own.published == datetime(2019, 5, 1, 8, 0, tzinfo=UTC)
    feed_date = datetime(2019, 5, 1, 9, 30, 15, 123456, tzinfo=UTC)
    told = extract_article(page, "https://example.org/budget", feed_date)
    assert told.published == feed_date.replace(microsecond=0)
    # the dateline is still recognised as one, from the feed's date
    assert "Published 1 May 2019" not in told.text and told.text == own.text

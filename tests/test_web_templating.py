"""Unit cases for the template filters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from newsdesk.store.search import MARK_END, MARK_START
from newsdesk.web.templating import (
    abstime,
    excerpt,
    highlight,
    isotime,
    make_env,
    paragraphs,
    quote_path,
    reading_minutes,
    reltime,
    safe_url,
)

NOW = datetime(2024, 6, 15, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(seconds=0), "just now"),
        (timedelta(seconds=59), "just now"),
        (timedelta(minutes=1), "1 minute ago"),
        (timedelta(minutes=59, seconds=59), "59 minutes ago"),
        (timedelta(hours=1), "1 hour ago"),
        (timedelta(hours=2, minutes=30), "2 hours ago"),
        (timedelta(hours=23, minutes=59), "23 hours ago"),
        (timedelta(hours=24), "yesterday"),
        (timedelta(hours=47), "yesterday"),
        (timedelta(days=2), "2 days ago"),
        (timedelta(days=3, hours=5), "3 days ago"),
        (timedelta(days=6, hours=23), "6 days ago"),
        (timedelta(days=7), "8 Jun 2024"),
        (timedelta(days=400), "12 May 2023"),
        (-timedelta(seconds=30), "just now"),
        (-timedelta(minutes=5), "in 5 minutes"),
        (-timedelta(hours=3), "in 3 hours"),
        (-timedelta(hours=30), "tomorrow"),
        (-timedelta(days=3), "in 3 days"),
        (-timedelta(days=30), "15 Jul 2024"),
    ],
)
def test_reltime(delta: timedelta, expected: str) -> None:
    assert reltime(NOW - delta, now=NOW) == expected


def test_reltime_timezones() -> None:
    # an aware time in another zone, and a naive time taken as UTC
    cest = timezone(timedelta(hours=2))
    assert reltime(datetime(2024, 6, 15, 12, 0, tzinfo=cest), now=NOW) == "2 hours ago"
    assert reltime(datetime(2024, 6, 15, 9, 0), now=NOW) == "3 hours ago"
    assert reltime(None) == ""
    assert reltime(datetime.now(UTC) - timedelta(hours=5)) == "5 hours ago"


def test_isotime_and_abstime() -> None:
    cest = timezone(timedelta(hours=2))
    dt = datetime(2024, 3, 7, 16, 5, 9, 123456, tzinfo=cest)
    assert isotime(dt) == "2024-03-07T14:05:09+00:00"
    assert abstime(dt) == "7 Mar 2024, 14:05 UTC"
    assert isotime(None) == abstime(None) == ""


def test_highlight_escapes_then_marks() -> None:
    snippet = f"a <b>&</b> {MARK_START}Greenspan{MARK_END} said {MARK_START}<x>{MARK_END}"
    assert str(highlight(snippet)) == (
        "a &lt;b&gt;&amp;&lt;/b&gt; <mark>Greenspan</mark> said <mark>&lt;x&gt;</mark>"
    )
    assert str(highlight(f"cut {MARK_START}off")) == "cut <mark>off</mark>"
    assert str(highlight(None)) == ""


def test_highlight_in_autoescaped_template() -> None:
    env = make_env()
    out = env.from_string("{{ s|highlight }} {{ s }}").render(s=f"{MARK_START}<i>{MARK_END}")
    assert out == f"<mark>&lt;i&gt;</mark> {MARK_START}&lt;i&gt;{MARK_END}"


def test_text_helpers() -> None:
    assert excerpt("short  text\n here") == "short text here"
    long = "word " * 100
    cut = excerpt(long, 30)
    assert cut.endswith("…") and len(cut) <= 31 and "wor…" not in cut
    assert paragraphs("One.\n\nTwo.\n  \nThree.\n") == ["One.", "Two.", "Three."]
    assert paragraphs("") == []
    assert reading_minutes(0) == 1 and reading_minutes(460) == 2
    assert quote_path("BBC News/UK & World") == "BBC%20News%2FUK%20%26%20World"
    assert safe_url("https://bbc.co.uk/a") == "https://bbc.co.uk/a"
    assert safe_url(" JavaScript:alert(1)") == ""
    assert safe_url("data:text/html,x") == safe_url(None) == ""


def test_figure_html_marks_the_first_match_whatever_its_spacing() -> None:
    """figure_html finds a figure's sentence inside one text node with any spacing between its
    words (the first match in document order), and leaves one split across nodes unmarked."""
    from types import SimpleNamespace

    from newsdesk.web.templating import figure_html

    html = (
        "<p>Police said 3 men were held. Police  said\n3 men were\theld again.</p>"
        "<p>Officials <b>counted</b> 40 dead.</p><p>Then  40 dead   were counted twice.</p>"
    )
    sentences = [
        "Police said 3 men were held again.",  # only with other spacing, after "Police said"
        "Police said 3 men were held.",  # as typed, first in its node
        "Police said 3 men were held.",  # the same sentence next: a second anchor
        "Officials counted 40 dead.",  # split across nodes: no mark
        "40 dead were counted twice.",  # "40" first in the next node's text, other spacing
    ]
    body = figure_html(html, [SimpleNamespace(sentence=s) for s in sentences])
    assert body.anchored == {1, 2, 3, 5}
    assert str(body.paragraphs[0]) == (
        '<p><span class="figure-mark" id="fig-2"><span id="fig-3"></span>Police said 3 men were'
        ' held.</span> <span class="figure-mark" id="fig-1">Police  said\n3 men were\theld'
        " again.</span></p><p>Officials <b>counted</b> 40 dead.</p><p>Then  "
        '<span class="figure-mark" id="fig-5">40 dead   were counted twice.</span></p>'
    )


def test_a_wall_of_text_is_shown_in_paragraphs_of_whole_sentences() -> None:
    """The seed page's articles as imported (../shared/data/seed-page): three have no line
    break at all. Each is shown in paragraphs of whole sentences; nothing is lost or reordered;
    an article with its breaks, or a short one, is shown as it came."""
    import json

    from newsdesk.nlp.text import WALL_WORDS, split_sentences

    try:
        from .conftest import shared_data
    except ImportError:  # pragma: no cover - tests/ as plain rootdir modules
        from conftest import shared_data  # type: ignore[no-redef]

    lines = (shared_data("seed-page") / "articles.jsonl").read_text().splitlines()
    for text in (json.loads(line)["text"] for line in lines):
        shown = paragraphs(text)
        assert " ".join(shown).split() == text.split()
        if "\n" in text or len(text.split()) <= WALL_WORDS:
            assert shown == [line.strip() for line in text.splitlines() if line.strip()]
            continue
        assert len(shown) >= 5 and all(len(p.split()) <= WALL_WORDS for p in shown)
        sentences = [text[a:b].strip() for a, b in split_sentences(text)]
        ends = {s[-40:] for s in sentences}
        assert all(p[-40:] in ends for p in shown)  # each paragraph ends where a sentence does
    # a quote's continuation stays with its quote (the Salami article: "'We shall fight them
    # ...,' Salami was quoted as saying." ended a paragraph, "'Our war is not a local war. We
    # have plans to defeat the world powers.'" opened the next)
    salami = next(json.loads(line)["text"] for line in lines if "Our war is not" in line)
    held = next(p for p in paragraphs(salami) if "Our war is not a local war." in p)
    assert "Salami was quoted as saying. 'Our war" in held
    assert held.endswith("We have plans to defeat the world powers.'")

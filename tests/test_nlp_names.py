"""Hashtags of articles not in English (nlp.names), on real feed items nobody here wrote:
DR's Danish headlines and GameStar's German teasers (../shared/data/syndikit-real-feeds)."""

from __future__ import annotations

import gzip

import feedparser
import pytest

from newsdesk.extract.sanitize import html_to_text
from newsdesk.nlp.analyze import analyze_many
from newsdesk.nlp.names import name_hashtags

try:
    from .conftest import shared_data
except ImportError:  # pragma: no cover - tests/ as plain rootdir modules
    from conftest import shared_data  # type: ignore[no-redef]


def _items(name: str) -> dict[str, str]:
    """title -> teaser (plain text) of a shared feed's items."""
    raw = gzip.decompress((shared_data("syndikit-real-feeds") / "XML" / name).read_bytes())
    entries = feedparser.parse(raw).entries
    return {e.title: html_to_text(e.get("summary", "")) for e in entries}


@pytest.fixture(scope="module")
def dr() -> dict[str, str]:
    return _items("senestenyt.xml.gz")


@pytest.fixture(scope="module")
def gamestar() -> dict[str, str]:
    return _items("news.rss.gz")


def _labels(title: str, text: str, language: str) -> list[str]:
    return [t.label for t in name_hashtags(title, text, language)]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Nu er Søren Gade valgt som Folketingets formand", ["Søren Gade", "Folketinget"]),
        # A country under its English name: one tag with English articles' #Poland.
        ("Ukraine vil have adgang til det sted, hvor missil ramte i Polen", ["Ukraine", "Poland"]),
        ("Inflationen i Storbritannien fortsætter med at stige", ["United Kingdom"]),
        (
            "EU tilbyder sin fulde støtte til undersøgelse af missilnedslag i Polen",
            ["European Union", "Poland"],
        ),
        # "Korrespondent" starts the sentence: a capital there says nothing.
        (
            "Korrespondent: Missilnedslag i Polen ændrer ikke fundamentalt på krigen i Ukraine",
            ["Poland", "Ukraine"],
        ),
        ("Mulig tredje bombe på Als", ["Als"]),
        ("Banksvindlere lokkede 35 millioner ud af danske ofre i første halvdel af året", []),
    ],
)
def test_danish_headlines(dr: dict[str, str], title: str, expected: list[str]) -> None:
    assert title in dr, "the shared feed changed"
    assert _labels(title, dr[title], "da") == expected


def _gamestar(items: dict[str, str], start: str) -> tuple[str, str]:
    title = next(t for t in items if t.startswith(start))
    return title, items[title]


@pytest.mark.parametrize(
    ("start", "expected", "never"),
    [
        ("TikTok - ", {"TikTok", "KI"}, {"Insider", "Ein Insider", "Feature-Profilbilder"}),
        # "Das neue Handy von Poco": a German noun after its article is no name.
        ("Poco F5 - ", {"Poco F5"}, {"Handy", "Handy von Poco", "Flaggschiff-Performance"}),
        # "Der Microsoft Flight Simulator": one name, not two; "Antarktis" is Antarctica.
        ("Flight Simulator - ", {"Flight Simulator", "Antarctica"}, {"Microsoft Flight Simulator"}),
        ("iOS 17 - ", {"iOS 17", "iPad"}, {"Menge Gesundheitsfunktionen", "Gesundheits-Features"}),
        ("Age of Empires 2 DE - ", {"Age of Empires 2"}, {"Empire", "Inhalte"}),
        ("Motion X600 - ", {"Motion X600", "HomePod"}, {"Apples HomePod", "Euro"}),
    ],
)
def test_german_teasers(
    gamestar: dict[str, str], start: str, expected: set[str], never: set[str]
) -> None:
    title, teaser = _gamestar(gamestar, start)
    labels = set(_labels(title, teaser, "de"))
    assert expected <= labels, labels
    assert not never & labels, labels


def test_every_german_teaser_gets_names_and_no_common_noun(gamestar: dict[str, str]) -> None:
    """German capitalises every noun: none of GameStar's common nouns ("Handy", "Euro",
    "Prozent", "Spieler") may pass for a name, and most teasers still get a tag."""
    common = {"Handy", "Euro", "Prozent", "Spieler", "Spiel", "Spiele", "Grafikkarte", "Update"}
    tagged = 0
    for title, teaser in gamestar.items():
        labels = set(_labels(title, teaser, "de"))
        assert not common & labels, (title, labels)
        tagged += bool(labels)
    assert tagged >= 0.8 * len(gamestar)


def test_analysis_of_a_danish_headline_carries_its_tags() -> None:
    """The analysis path itself (the English models skipped): hashtags, the lead kept."""
    [a] = analyze_many([("Nu er Søren Gade valgt som Folketingets formand", "")], languages=["da"])
    assert a.language == "da"
    assert [(t.tag, t.kind) for t in a.hashtags] == [
        ("SorenGade", "topic"),
        ("Folketinget", "topic"),
    ]


def test_english_and_uncased_scripts_get_none() -> None:
    assert name_hashtags("Turkey and Israel hold talks", "", "en") == []
    assert name_hashtags("话剧《约定无期限》河北各市巡演结束", "", "zh") == []
    assert name_hashtags("Something", "", None) == []

"""Hashtags of articles not in English (nlp.names), on real feed items nobody here wrote:
DR's Danish headlines and GameStar's German teasers (../shared/data/syndikit-real-feeds)."""

from __future__ import annotations

import gzip

import feedparser
import pytest

from newsdesk.extract.article import extract_article
from newsdesk.extract.sanitize import html_to_text
from newsdesk.nlp.analyze import _prepare, analyze_many
from newsdesk.nlp.names import name_hashtags, name_tags

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
        # CLDR's everyday name ("Rusland"; ISO 3166 has only "Russiske Føderation"), and a
        # country's genitive first in a headline.
        ("Rusland: Vores missiler ramte 35 kilometer fra den polske grænse", ["Russia"]),
        (
            "Polens præsident: Ingen beviser for, at missil er affyret af Rusland",
            ["Poland", "Russia"],
        ),
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
        ("SorenGade", "person"),  # a given name and a surname
        ("Folketinget", "topic"),
    ]


def test_english_and_uncased_scripts_get_none() -> None:
    assert name_hashtags("Turkey and Israel hold talks", "", "en") == []
    assert name_hashtags("话剧《约定无期限》河北各市巡演结束", "", "zh") == []
    assert name_hashtags("Something", "", None) == []


def _page(name: str) -> tuple[str, str]:
    """(headline, text) of a trafilatura-eval page, prepared as the analysis prepares them."""
    raw = gzip.decompress((shared_data("trafilatura-eval") / "html" / f"{name}.gz").read_bytes())
    ex = extract_article(raw, url=f"https://{name}")
    prep = _prepare(ex.title, ex.text)
    return prep.title, prep.body


@pytest.mark.parametrize(
    ("page", "language", "people", "never"),
    [
        # An office before the name: the person, without it (and not "Bundeswirtschaftsminister
        # Robert" beside "Habeck").
        (
            "deutsche-wirtschafts-nachrichten.de-Industriestrompreis.html",
            "de",
            {"Robert Habeck"},
            {"Bundeswirtschaftsminister Robert", "Habeck"},
        ),
        (
            "bundeskanzleramt.gv.at-bundesminsterin.html",
            "de",
            {"Susanne Raab"},
            {"Bundesministerin Raab"},
        ),
        ("evref.ch-ökumene.html", "de", {"Ignazio Cassis", "Pietro Parolin"}, set()),
        # "von Van der Bellen": the whole name, not "der Bellen" nor "Bellen".
        ("exxpress.at-zaehne.html", "de", {"Alexander Van der Bellen"}, {"Bellen", "der Bellen"}),
        ("24horas.cl-segundo.html", "es", {"Gabriel Boric"}, {"Boric"}),
        ("correiobraziliense.com.br-poderes.html", "pt", {"Rodrigo Pacheco", "Luiz Fux"}, set()),
        # A given name and a surname, with no office or verb beside them (and the job a
        # German run starts with dropped: "Trendscout Karolina Landowski").
        ("omr.com-Schuhbrand.html", "de", {"Karolina Landowski"}, {"Trendscout Landowski"}),
        (
            "womenshealth.de.weihnachten.html",
            "de",
            {"Manuel Gajus"},
            {"Fitnessexperte Manuel Gajus"},
        ),
        ("legrandcontinent.eu.heran.html", "fr", {"François Héran", "Stephen Smith"}, set()),
        ("laestrella.com.pa-laboral.html", "es", {"Ivette Mora", "Luz Vásquez"}, {"Mora"}),
        # a given name of the English lexicon's, not in Faker's lists ("Elon")
        ("sciencesetavenir.fr.rumeur.html", "fr", {"Elon Musk", "Olivier Véran"}, set()),
    ],
)
def test_people_named_by_their_office_or_their_words(
    page: str, language: str, people: set[str], never: set[str]
) -> None:
    """A person's name in any of these languages: after an office ("Bundeskanzler",
    "Presidente"), beside a verb of speech, or a given name before it (Faker's lists); a
    surname alone then counts as the full name."""
    tags = {t.label: t.kind for t in name_hashtags(*_page(page), language)}
    assert {label for label in people if tags.get(label) == "person"} == people, tags
    assert not never & set(tags), tags


def test_a_city_is_one_tag_in_every_language() -> None:
    """ "Wien" is #Vienna, as in English articles; a surname after an office is a person."""
    tags = {t.label: t.kind for t in name_hashtags(*_page("5min.at-Villachs.html"), "de")}
    assert tags.get("Vienna") == "place" and "Wien" not in tags, tags
    assert tags.get("Boris Dujakovic") == "person", tags


def test_the_office_before_a_name_describes_the_person() -> None:
    """ "Bundeswirtschaftsminister Robert Habeck": the explainer's description of Robert Habeck;
    a title of address ("Herr", "Dr.") describes no one."""
    _tags, offices = name_tags(
        *_page("deutsche-wirtschafts-nachrichten.de-Industriestrompreis.html"), "de"
    )
    assert ("Robert Habeck", "Bundeswirtschaftsminister") in {(d.entity, d.phrase) for d in offices}
    _tags, offices = name_tags(*_page("bundeskanzleramt.gv.at-bundesminsterin.html"), "de")
    phrases = {(d.entity, d.phrase) for d in offices}
    assert ("Susanne Raab", "Bundesministerin") in phrases
    assert not {p for _e, p in phrases} & {"Herr", "Frau", "Dr", "Prof"}

"""Quotes in articles not in English (nlp.quoted), on real pages nobody here wrote: the
trafilatura-eval pages in German, French and Spanish (../shared/data/trafilatura-eval)."""

from __future__ import annotations

import gzip

import pytest

from newsdesk.extract.article import extract_article
from newsdesk.nlp.analyze import _prepare, analyze_many
from newsdesk.nlp.names import name_hashtags
from newsdesk.nlp.quoted import marked_quotes
from newsdesk.nlp.types import Quote

try:
    from .conftest import shared_data
except ImportError:  # pragma: no cover - tests/ as plain rootdir modules
    from conftest import shared_data  # type: ignore[no-redef]


def _page(name: str) -> tuple[str, str, str | None]:
    raw = gzip.decompress((shared_data("trafilatura-eval") / "html" / f"{name}.gz").read_bytes())
    ex = extract_article(raw, url=f"https://{name}")
    prep = _prepare(ex.title, ex.text)
    return prep.title, prep.body, prep.language


def _quotes(name: str) -> list[Quote]:
    title, body, language = _page(name)
    return marked_quotes(body, language, name_hashtags(title, body, language))


@pytest.mark.parametrize(
    ("page", "speakers"),
    [
        # „…“, sagte Ole Einar Björndalen / „…“, meinte Tobias Torgersen
        ("biathlonword.com-chinesisch.html", {"Ole Einar Björndalen", "Tobias Torgersen"}),
        # four quotes of the minister, one of them as ", so Raab" (the full name from the tags)
        ("bundeskanzleramt.gv.at-bundesminsterin.html", {"Susanne Raab"}),
        # «…», rappelle ainsi Olivier Panisset, naturopathe
        ("madame.lefigaro.fr.dintestin.html", {"Olivier Panisset", "Pr Joly-Gomez"}),
        ("elenacional.com-carta.html", {"Jorge Makriniotis"}),
    ],
)
def test_quotes_go_to_the_person_named_beside_them(page: str, speakers: set[str]) -> None:
    quotes = _quotes(page)
    assert quotes
    assert {q.speaker for q in quotes} == speakers, [(q.speaker, q.cue) for q in quotes]
    assert all(len(q.quote.split()) >= 4 and q.speaker_entity == q.speaker for q in quotes)


def test_the_minister_is_quoted_under_her_full_name() -> None:
    quotes = _quotes("bundeskanzleramt.gv.at-bundesminsterin.html")
    assert len(quotes) == 4
    assert {q.cue for q in quotes} >= {"betonte", "erläuterte"}
    assert quotes[0].quote.startswith("Für mich als Familien- und Frauenministerin")


@pytest.mark.parametrize(
    "page",
    [
        # "Style is what you do …" quoted after "der Satz": a word, not a speaker
        "iconmagazine.de.sharonstone.html",
        # "Dann halt beim nächsten Mal!" and a club's motto: no one named beside them
        "mein-mmo.de-MMORPG.html",
        "seglerblog.stössenseer.de.sauber.html",
    ],
)
def test_quotation_marks_with_no_person_beside_them_are_no_quotes(page: str) -> None:
    assert _quotes(page) == []


def test_the_analysis_of_a_german_article_carries_its_quotes() -> None:
    title, body, language = _page("biathlonword.com-chinesisch.html")
    [analysis] = analyze_many([(title, body)], languages=[language])
    assert analysis.language == "de"
    assert "Ole Einar Björndalen" in {q.speaker for q in analysis.quotes}


def test_english_text_gets_none_here() -> None:
    assert marked_quotes('"We are ready to act," said Emmanuel Macron.', "en", []) == []


def test_a_famous_surname_is_still_a_speaker() -> None:
    """fr.de: "…“, sagte Donald Trump": a name the news uses so often that it is a common word
    in the language's word list is still a person's when it stands beside the quote."""
    assert "Donald Trump" in {q.speaker for q in _quotes("fr.de.nordkorea.html")}

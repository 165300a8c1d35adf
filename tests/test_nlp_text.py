"""Sentence splitting, ASCII folding, hashtag slugs and name keys: pure functions."""

from __future__ import annotations

from newsdesk.nlp.entities import canonical_key, canonical_name, clean_name, same_person
from newsdesk.nlp.keyphrases import hashtag_slug
from newsdesk.nlp.text import ascii_fold, sentences


def test_sentences_abbreviations_initials_and_quotes() -> None:
    text = (
        'Mr. Smith met George W. Bush in the U.S. Army base. "Stop!" he shouted. '
        '"We will win." She left at 3 p.m. on Jan. 5.\n'
        "The hospital was built in 1813.Once built, it was praised."
    )
    assert sentences(text) == [
        "Mr. Smith met George W. Bush in the U.S. Army base.",
        '"Stop!" he shouted.',
        '"We will win."',
        "She left at 3 p.m. on Jan. 5.",
        "The hospital was built in 1813.",
        "Once built, it was praised.",
    ]


def test_sentences_capitalised_acronym_is_no_month() -> None:
    # "Dec." never ends a sentence, "DEC." (Disasters Emergency Committee) may
    assert len(sentences('The money goes to the DEC. "It helps," he said.')) == 2
    assert len(sentences("It opened on Dec. 5 in London.")) == 1


def test_sentences_never_join_paragraphs() -> None:
    assert sentences("A headline without a stop\nThe body starts here.") == [
        "A headline without a stop",
        "The body starts here.",
    ]


def test_ascii_fold() -> None:
    assert ascii_fold("Erdoğan, Łódź, Zürich") == "Erdogan, Lodz, Zurich"


def test_hashtag_slug() -> None:
    assert hashtag_slug("Hossein Salami") == "HosseinSalami"
    assert hashtag_slug("IAEA") == "IAEA"
    assert hashtag_slug("Syria") == "Syria"
    assert hashtag_slug("U.S.") == "US"
    assert hashtag_slug("climate change") == "ClimateChange"
    assert hashtag_slug("Recep Tayyip Erdoğan's") == "RecepTayyipErdogan"
    assert hashtag_slug("#McDonald's") == "McDonald"
    assert hashtag_slug("Al-Qaeda") == "AlQaeda"


def test_names_strip_titles_possessives_and_the() -> None:
    assert clean_name("Israeli Prime Minister Benjamin Netanyahu") == "Benjamin Netanyahu"
    assert clean_name("Mr. Obama's") == "Obama"
    assert clean_name("the Pentagon", "organization") == "Pentagon"
    assert clean_name("King Charles") == "King Charles"
    assert clean_name("General Motors", None) == "General Motors"
    assert canonical_key("Israeli Prime Minister Benjamin Netanyahu") == "benjamin netanyahu"
    assert canonical_key("Donald J. Trump") == canonical_key("Donald Trump")
    assert canonical_key("U.S.") == canonical_key("United States") == "united states"
    assert canonical_name("UK") == "United Kingdom"
    assert same_person("Netanyahu", "Benjamin Netanyahu")
    assert not same_person("Hillary Clinton", "Bill Clinton")

"""Quote finding and attribution, on real BBC articles and short hand-written edge cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsdesk.nlp.analyze import analyze
from newsdesk.nlp.types import Quote

from .conftest import shared_data


def _bbc(rel: str) -> tuple[str, str]:
    raw = (shared_data("bbc-news") / "bbc" / rel).read_text(encoding="latin-1")
    title, _, body = raw.partition("\n")
    return title.strip(), body


def _find(quotes: list[Quote], start: str) -> Quote:
    for q in quotes:
        if q.quote.startswith(start):
            return q
    raise AssertionError(f"no quote starting {start!r} in {[q.quote[:40] for q in quotes]}")


def test_real_article_direct_quote_after_the_cue_with_apposition() -> None:
    # '"It will be a tragedy if ...," said the chairman of the Commons education select
    # committee, Labour MP Barry Sheerman.'
    a = analyze(*_bbc("politics/020.txt"))
    q = _find(a.quotes, "It will be a tragedy if the government")
    assert q.kind == "direct"
    assert q.speaker == "Barry Sheerman"
    assert q.speaker_entity == "Barry Sheerman"
    assert q.cue == "said"


def test_real_article_split_quote_with_pronoun() -> None:
    # '"The most popular way to pay is Cash-On-Delivery," he said, "and that's quite a brake
    # to the development of e-commerce."' -- "he" is Mr Makower (William Makower).
    a = analyze(*_bbc("tech/074.txt"))
    q = _find(a.quotes, "The most popular way to pay is Cash-On-Delivery")
    assert "and that's quite a brake to the development of e-commerce" in q.quote
    assert q.speaker_entity == "William Makower"
    assert q.speaker == "William Makower"
    # the report's opening claim is reported speech attributed to "a report"
    r = _find(a.quotes, "The Chinese net-using population looks set to exceed")
    assert r.kind == "reported"
    assert r.speaker == "a report"


def test_real_article_split_quote_across_sentences() -> None:
    # '"When I was 15 years old I asked my mom if it was OK to be an actor," Reeves said.
    # "She said: 'Whatever you want'."'
    a = analyze(*_bbc("entertainment/339.txt"))
    q = _find(a.quotes, "When I was 15 years old")
    assert "Whatever you want" in q.quote
    assert q.speaker == "Reeves"
    assert q.speaker_entity == "Keanu Reeves"


TEXT = """Israeli Prime Minister Benjamin Netanyahu spoke in Jerusalem on Tuesday.
“We will win,” he said, “and nothing will stop us.”
Hossein Salami, the commander of Iran's Revolutionary Guards, said on Tuesday that Israel would pay a heavy price.
According to one of the Turkish sources, the talks collapsed after midnight.
An Israeli political source quoted by Reuters said the ceasefire deal was dead.
'It is over for now,' said one of the Turkish sources.
Mrs Sarah Jones met the minister later. "I disagree strongly with all of this," she said."""


@pytest.fixture(scope="module")
def edge() -> list[Quote]:
    return analyze("Netanyahu vows victory", TEXT).quotes


def test_split_quote_merged_and_pronoun_resolved(edge: list[Quote]) -> None:
    q = _find(edge, "We will win")
    assert q.quote == "We will win, and nothing will stop us."
    assert q.speaker == "Benjamin Netanyahu" and q.speaker_entity == "Benjamin Netanyahu"
    assert q.cue == "said" and q.kind == "direct"


def test_reported_speech_with_that(edge: list[Quote]) -> None:
    q = _find(edge, "Israel would pay a heavy price")
    assert q.kind == "reported"
    assert q.speaker == "Hossein Salami"
    assert q.cue == "said"


def test_indirect_speakers_kept_as_written(edge: list[Quote]) -> None:
    q = _find(edge, "the talks collapsed after midnight")
    assert q.speaker == "one of the Turkish sources"
    assert q.cue == "according to" and q.speaker_entity is None
    q = _find(edge, "the ceasefire deal was dead")
    assert q.speaker == "An Israeli political source quoted by Reuters"
    assert q.outlet == "Reuters"
    q = _find(edge, "It is over for now")
    assert q.kind == "direct" and q.speaker == "one of the Turkish sources"


def test_pronoun_matches_gender(edge: list[Quote]) -> None:
    q = _find(edge, "I disagree strongly")
    assert q.speaker == "Sarah Jones"


def test_scare_quotes_are_not_quotes() -> None:
    a = analyze(
        "Markets", 'The firm called the plan "bold" and the risks "manageable", analysts said.'
    )
    assert all(q.kind == "reported" or len(q.quote.split()) >= 4 for q in a.quotes)


def test_data_dir_is_shared(tmp_path: Path) -> None:
    assert shared_data("bbc-news").is_dir()

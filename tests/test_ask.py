"""ask() on real BBC business news: a question in other words than the article's."""

from __future__ import annotations

import pytest

from newsdesk.ask import ask
from newsdesk.config import Settings
from newsdesk.enrich import enrich
from newsdesk.nlp.paraphrase import stem, variants
from newsdesk.store import connect
from newsdesk.stories.index import forget_open_indexes

try:
    from .conftest import shared_data
    from .stories_support import bbc_business_records, import_records
except ImportError:  # pragma: no cover
    from conftest import shared_data  # type: ignore[no-redef]
    from stories_support import bbc_business_records, import_records  # type: ignore[no-redef]


pytestmark = pytest.mark.slow  # make test-fast leaves it out


@pytest.fixture(scope="module")
def business(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Twenty BBC business articles (270-289; 280: "Shares in American Express surged ...")."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("ask"), enrich_workers=1)
    records = bbc_business_records(shared_data("bbc-news"), range(270, 290))
    import_records(settings, records)
    forget_open_indexes()
    enrich(connect(settings.db_url), settings)
    return settings


def test_paraphrase_groups() -> None:
    assert stem("captured") == stem("capture")
    assert stem("jumped") in variants("rise") and stem("rose") in variants("increase")
    assert stem("seized") in variants("captured") and stem("shares") in variants("stock")
    assert variants("banana") == {stem("banana")}


def test_question_in_other_words_is_answered(business: Settings) -> None:
    # The article says "shares ... surged", the question "stock ... rise": without paraphrases
    # only one of its three content words ("Amex", in the headline) would be covered, and the
    # answer would be a refusal.
    answer = ask(connect(business.db_url), business, "How much did Amex stock rise?")
    assert answer.answered, answer.answer_text
    assert "American Express surged more than 8%" in answer.citations[0]["sentence"]


def test_unrelated_question_is_still_refused(business: Settings) -> None:
    answer = ask(connect(business.db_url), business, "How many goals did Arsenal score?")
    assert not answer.answered and not answer.citations


def test_headlines_repeated_in_the_body_are_not_answers() -> None:
    from newsdesk.ask import _is_headline

    # lines from ECB+ pages (../shared/data/ecbplus-story-clusters)
    assert _is_headline("Sixers Hire Maurice Cheeks as Head Coach")
    assert _is_headline("President Obama Announces Nominee for Surgeon General")
    assert not _is_headline("Maurice Cheeks was fired Saturday as coach of the Philadelphia 76ers.")
    assert not _is_headline("Tara Reid is seeking help at rehabilitation facility in California")
    assert not _is_headline("Obama Names Benjamin")  # too short to tell

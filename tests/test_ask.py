"""ask() on real news: BBC business (a question in other words than the article's), and the
seed page's articles with ECB+ earthquake reports (the issue's questions: who replaced Hossein
Salami, a story's death toll, questions the coverage does not answer)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from newsdesk.ask import NO_ANSWER, ask
from newsdesk.config import Settings
from newsdesk.enrich import enrich
from newsdesk.nlp.paraphrase import stem, variants
from newsdesk.sources.charset import decode_body
from newsdesk.store import connect, session_scope
from newsdesk.store.models import Article
from newsdesk.store.models_ai import Enrichment
from newsdesk.stories.index import forget_open_indexes

try:
    from .conftest import shared_data
    from .stories_support import bbc_business_records, import_records, record
except ImportError:  # pragma: no cover
    from conftest import shared_data  # type: ignore[no-redef]
    from stories_support import (  # type: ignore[no-redef]
        bbc_business_records,
        import_records,
        record,
    )


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
    # headlines in sentence case too: this one was cited first for "Which store was hit in the
    # two-million-euro Paris jewelry heist?" (bench/ask.py), and it names no store
    assert _is_headline("Paris hit by 2 mn - euro jewelry heist")
    assert not _is_headline("Maurice Cheeks was fired Saturday as coach of the Philadelphia 76ers.")
    assert not _is_headline("Tara Reid is seeking help at rehabilitation facility in California.")
    assert not _is_headline(" ".join(["word"] * 21))  # a long line is a sentence cut short


# --- the seed page: the questions on the real articles ----------------------------------

UN_TITLE = "UN officials urge Israel, Iran to show \u2018restraint' at emergency meeting"
SALAMI_TITLE = "Who was Hossein Salami, Iran's IRGC head killed by Israel?"
TALKS_TITLE = "Turkiye and Israel hold talks to avoid clashes in Syria"


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The seed page's four articles (../shared/data/seed-page, published June 2025) and ECB+'s
    Iran earthquake reports (topic 20, undated; one recalls the 2003 Bam toll)."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("ask-seed"), enrich_workers=1)
    path = shared_data("seed-page") / "articles.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    ecb = shared_data("ecbplus-story-clusters") / "documents.jsonl"
    for line in ecb.read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        if doc["topic"] == 20:
            records.append(record(doc, "Quake Wire"))
    import_records(settings, records)
    forget_open_indexes()
    enrich(connect(settings.db_url), settings)
    return settings


def _story_of(settings: Settings, title: str) -> int | None:
    with session_scope(connect(settings.db_url)) as session:
        return session.scalar(
            select(Enrichment.story_id)
            .join(Article, Article.id == Enrichment.article_id)
            .where(Article.title == title)
        )


def test_who_replaced_salami_cites_the_successor_first(seed: Settings) -> None:
    # The issue: three career sentences, never this one ("replaced" in the question,
    # "successor" in the text; "he replaced Mohammad Ali Jafari" answers the reverse question).
    answer = ask(connect(seed.db_url), seed, "Who replaced Hossein Salami as IRGC commander?")
    assert answer.answered, answer.answer_text
    first = answer.citations[0]["sentence"]
    assert first == "After Salami's assassination, Ahmad Vahidi was announced as his successor."
    assert not any("Jafari" in c["sentence"] for c in answer.citations)
    # ... and the reverse question gets the other sentence
    back = ask(connect(seed.db_url), seed, "Whom did Salami replace as head of the IRGC?")
    assert back.answered and "replaced Mohammad Ali Jafari" in back.citations[0]["sentence"]


def test_story_question_cites_the_story_not_an_old_earthquake(seed: Settings) -> None:
    engine = connect(seed.db_url)
    story = _story_of(seed, UN_TITLE)
    assert story is not None
    toll = ask(engine, seed, "What is the death toll?", story_id=story)
    assert toll.answered, toll.answer_text
    assert "had killed 78 people" in toll.citations[0]["sentence"]
    # Asked of all the coverage, two tolls answer: the strikes' 78 and the (undated) quake
    # reports' "killing at least 10 people", which matches "killed" closer since the full-text
    # index stems (it was not retrieved while "killed" matched only "killed*"). Either may
    # come first; never the 2003 Bam toll an earthquake report recalls as background.
    anywhere = ask(engine, seed, "How many people were killed in Iran?")
    assert anywhere.answered, anywhere.answer_text
    first = anywhere.citations[0]["sentence"]
    assert "had killed 78 people" in first or "killing at least 10 people" in first, first
    assert not any("2003" in c["sentence"] for c in anywhere.citations)


def test_questions_the_coverage_does_not_answer_are_refused(seed: Settings) -> None:
    engine = connect(seed.db_url)
    for question in (
        # the Vahidi sentence is about the IRGC, not its Aerospace Force
        "Who replaced Salami as commander of the IRGC Aerospace Force?",
        "Who will succeed Ahmad Vahidi as IRGC commander?",  # Vahidi is the successor
        "When was Hossein Salami born?",  # no date
        "How many Turkish troops are deployed in Syria?",  # numbers, but of air attacks
        "How long did the phone call between the Amir and Trump last?",
    ):
        answer = ask(engine, seed, question)
        assert not answer.answered and not answer.citations, (question, answer.answer_text)
        assert answer.answer_text == NO_ANSWER
    # On Salami's story the only toll is the Iran-Iraq war's (1980-88): not an answer to a
    # question in the present tense.
    salami = _story_of(seed, SALAMI_TITLE)
    old = ask(engine, seed, "How many people have died?", story_id=salami)
    assert not old.answered, old.answer_text


def test_the_answering_sentence_comes_first(seed: Settings) -> None:
    engine = connect(seed.db_url)
    for question, words in (
        ("Where did Turkish and Israeli officials hold their talks on Syria?", "in Azerbaijan"),
        ("Who represented the US at the Security Council meeting?", "McCoy Pitt"),
        ("How many air attacks did Israel carry out on Syria in December?", "500 air attacks"),
        ("Who did the Amir of Qatar discuss regional developments with?", "Donald Trump"),
    ):
        answer = ask(engine, seed, question)
        assert answer.answered, (question, answer.answer_text)
        assert words in answer.citations[0]["sentence"], (question, answer.citations[0])


def test_a_country_asked_by_another_of_its_names(seed: Settings) -> None:
    # The article writes "Turkiye"; readers ask about Turkey (the site tags it #Turkey). It was
    # refused, and answered only when asked with the article's spelling.
    engine = connect(seed.db_url)
    talks = _story_of(seed, TALKS_TITLE)
    assert talks is not None
    for country in ("Turkey", "Turkiye", "Türkiye"):
        question = f"Where were the talks between {country} and Israel held?"
        for story in (talks, None):
            answer = ask(engine, seed, question, story_id=story)
            assert answer.answered, (question, story, answer.answer_text)
            assert "talks in Azerbaijan" in answer.citations[0]["sentence"], answer.citations[0]


def test_what_a_question_asks() -> None:
    from newsdesk.ask import _question

    q = _question("Who replaced Hossein Salami as IRGC commander?")
    assert q.wants == "person" and q.name_words == {"hossein", "salami", "irgc"}
    assert q.slot is not None and q.slot[:2] == ("patient", {"hossein", "salami"})
    assert q.predicate == ["replaced", "commander"]
    q = _question("Whom did Salami replace as head of the IRGC?")
    assert q.slot is not None and q.slot[:2] == ("agent", {"salami"})
    # "How much is the prize worth?" asks an amount: "worth" is the form, not a word to find
    # (the BBC's "the £25,000 Whitbread" answers it)
    q = _question("How much is the prize worth?")
    assert q.wants == "number" and q.words == ["prize"]
    assert _question("What is the unemployment rate?").wants == "number"
    q = _question("How many Turkish troops are deployed in Syria?")
    assert q.wants == "number" and q.counted == "troops" and q.now
    q = _question("What did Wladimir Klitschko eat before the fight?")
    assert q.verbs == ["eat"] and not q.now
    assert _question("When did Bettie Page pass away?").verbs == []  # phrasal: other words
    assert _question("What is the death toll?").wants == "number"
    q = _question("What was the name of the West Coast Bank employee who found the bomb?")
    assert q.wants == "name"  # a name, not anything: "it was an employee who found ..." is none
    q = _question("At a branch of which bank did two women and one man die?")
    assert q.wants == "which"  # a name of a bank, however far into the question "which" is


def _ecbplus_topics(
    tmp_path_factory: pytest.TempPathFactory, name: str, topics: tuple[int, ...], outlet: str
) -> Settings:
    """A database of the ECB+ documents of `topics`, imported as `outlet` and enriched."""
    settings = Settings(data_dir=tmp_path_factory.mktemp(name), enrich_workers=1)
    ecb = shared_data("ecbplus-story-clusters") / "documents.jsonl"
    docs = [json.loads(line) for line in ecb.read_text(encoding="utf-8").splitlines()]
    import_records(settings, [record(d, outlet) for d in docs if d["topic"] in topics])
    forget_open_indexes()
    enrich(connect(settings.db_url), settings)
    return settings


@pytest.fixture(scope="module")
def climbers(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """ECB+ topic 23 (climbers lost on New Zealand's Mount Cook, written "Mt Cook")."""
    return _ecbplus_topics(tmp_path_factory, "ask-climbers", (23,), "Alpine Wire")


def test_a_name_written_short_in_the_coverage_is_found(climbers: Settings) -> None:
    # bench/data/ask-heldout2.json: refused, the coverage writes "Mt Cook" (and "Mt. Cook")
    a = ask(
        connect(climbers.db_url),
        climbers,
        "From which ridge on Mount Cook did Mark Vinar disappear?",
    )
    assert a.answered and "Zurbriggen" in a.citations[0]["sentence"], a


def test_the_verb_a_question_hinges_on() -> None:
    from newsdesk.ask import _question

    # "off Egypt" is a place, not the particle of a phrasal verb: "repairing" counts
    q = _question("When did Seacom finish repairing its broken undersea cable off Egypt?")
    assert q.verbs == ["finish", "repairing"]
    # the cost is asked, not the repair: a sentence on the repair does not answer
    assert _question("How much did it cost Seacom to repair its cable off Egypt?").verbs == ["cost"]
    assert _question("When did Bettie Page pass away?").verbs == []  # phrasal


@pytest.fixture(scope="module")
def sports(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """ECB+ topics 7 (the Klitschkos' fights), 8 (bank workers killed in the Athens riots) and
    25 (the Saints' injured players)."""
    return _ecbplus_topics(tmp_path_factory, "ask-sports", (7, 8, 25), "Sports Wire")


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        # the year the article is of (or of no known year: ECB+ has no dates) is not written
        # in it (bench/data/ask-heldout3.json)
        (
            "Which referee stopped Wladimir Klitschko's July 2012 fight against Tony Thompson?",
            "Sam Williams",
        ),
        # "which bank": a name answers it, not "The three bank workers - two women and a man"
        (
            "At a branch of which bank did two women and one man die during the May 2010 "
            "Athens riots?",
            "Marfin",
        ),
        # "Birmingham, Ala.": AP style's abbreviation of the state the question names
        (
            "Which doctor was Reggie Bush to see in Birmingham, Alabama, for further evaluation "
            "of his knee?",
            "Andrews",
        ),
    ],
)
def test_a_year_or_state_the_coverage_does_not_spell_out(
    sports: Settings, question: str, answer: str
) -> None:
    a = ask(connect(sports.db_url), sports, question)
    assert a.answered and answer in a.citations[0]["sentence"], a


@pytest.fixture(scope="module")
def courts(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """ECB+ topics 21 (a hit-and-run at a Sam's Club in Bloomington), 22 (the Kraft plant
    shooting in Philadelphia) and 32 (killings in New Bedford and Millom)."""
    return _ecbplus_topics(tmp_path_factory, "ask-courts", (21, 22, 32), "Court Wire")


@pytest.mark.parametrize(
    ("question", "answers"),
    [
        # named in full once ("Anthony Phillip LaSalle"), then by the last name: "LaSalle drank
        # 1/2 liter of Vodka ..." answers (bench/data/ask-heldout4.json)
        (
            "How much vodka did Anthony LaSalle drink before he drove to the Sam's Club in "
            "Bloomington?",
            ("1/2 liter", "half-liter", "half - liter"),
        ),
        (
            "Which judge found Yvonne Hiller guilty of murder over the Kraft Foods plant shooting?",
            ("Lerner",),
        ),
        # a hospital is where someone is sent, though its name is an organisation's
        (
            "Where was Gary Gomes sent for evaluation after he pleaded not guilty to the New "
            "Bedford murders?",
            ("Bridgewater",),
        ),
    ],
)
def test_a_person_named_by_the_last_name_and_a_hospital_as_a_place(
    courts: Settings, question: str, answers: tuple[str, ...]
) -> None:
    a = ask(connect(courts.db_url), courts, question)
    assert a.answered and any(x in a.citations[0]["sentence"] for x in answers), a


def test_where_someone_lives_is_not_where_it_happened() -> None:
    from newsdesk.ask import _TOKEN, _lives_at

    tokens = _TOKEN.findall("John Jenkin, 23, of Newton Street, Millom was arrested.")
    assert _lives_at(tokens, tokens.index("Newton"))
    assert not _lives_at(tokens, tokens.index("Millom"))
    tokens = _TOKEN.findall(
        "He was arrested at Millom Pier, 300 yards from the house of his mother."
    )
    assert not _lives_at(tokens, tokens.index("Millom"))


def test_who_holds_a_role_is_the_name_beside_it(seed: Settings) -> None:
    # A reader's question on the reference page: "Syria's Ministry of Foreign Affairs has
    # accused Israel ..." was cited before "Turkish Foreign Minister Hakan Fidan confirmed ...".
    answer = ask(connect(seed.db_url), seed, "Who is the Turkish foreign minister?")
    assert answer.answered and "Hakan Fidan" in answer.citations[0]["sentence"], answer
    from newsdesk.ask import _TOKEN, _Candidate, _in_apposition, _names, _question, _stems

    def candidate(sentence: str) -> _Candidate:
        tokens = _TOKEN.findall(sentence)
        return _Candidate(sentence, None, tokens, _names(tokens), _stems(tokens), set(), False)

    q = _question("Who is the Turkish foreign minister?")
    assert _in_apposition(
        q, candidate("Talks were led by Hakan Fidan, the Turkish foreign minister.")
    )
    assert _in_apposition(q, candidate("The Turkish foreign minister Hakan Fidan said so."))
    iran = _question("Who is Iran's foreign minister?")
    assert _in_apposition(iran, candidate("Iran's Foreign Minister Abbas Araghchi said so."))
    assert not _in_apposition(
        q, candidate("The Turkish foreign minister said talks were under way.")
    )


def test_a_verb_that_says_little_need_not_be_written(seed: Settings) -> None:
    # The reference article says "the talks in Azerbaijan on Wednesday": "held" is one of the
    # question's two content words, and a sentence had to hold 70 % of them.
    answer = ask(connect(seed.db_url), seed, "Where were the talks held?")
    assert answer.answered and "talks in Azerbaijan" in answer.citations[0]["sentence"], answer


def test_speaking_with_someone_is_discussing_with_them(seed: Settings) -> None:
    # A reader's question on the Qatar Tribune piece: it says the Amir "has discussed with"
    # the US president.
    answer = ask(connect(seed.db_url), seed, "Who did the Amir of Qatar speak with?")
    assert answer.answered and "Donald Trump" in answer.citations[0]["sentence"], answer


def test_what_someone_called_something_is_what_they_said(seed: Settings) -> None:
    # "call X a red line" is how the source's words are reported: "said ... is a red line"
    answer = ask(
        connect(seed.db_url), seed, "What did the Israeli political source call a red line?"
    )
    assert answer.answered and "red line" in answer.citations[0]["sentence"], answer


@pytest.fixture(scope="module")
def bbc_mixed(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """44 BBC entertainment and politics articles (200-210 and 350-360 of the one, 050-060 and
    350-360 of the other): the Baftas, Wife Swap's US copies, Ruth Kelly, the council tax."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("ask-bbc"), enrich_workers=1)
    records = []
    for category, numbers in (
        ("entertainment", [*range(200, 211), *range(350, 361)]),
        ("politics", [*range(50, 61), *range(350, 361)]),
    ):
        for n in numbers:
            raw = (shared_data("bbc-news") / "bbc" / category / f"{n:03d}.txt").read_bytes()
            text = decode_body(raw, "text/plain; charset=windows-1252")  # UTF-8, else cp1252
            title, _, body = text.strip().partition("\n")
            records.append(
                {
                    "url": f"https://news.example/bbc/{category}/{n}",
                    "title": title.strip(),
                    "text": body.strip(),
                    "source": "BBC News",
                }
            )
    import_records(settings, records)
    forget_open_indexes()
    enrich(connect(settings.db_url), settings)
    return settings


def _first_cited(settings: Settings, question: str) -> str:
    answer = ask(connect(settings.db_url), settings, question)
    assert answer.answered, (question, answer.answer_text)
    return str(answer.citations[0]["sentence"])


def test_a_party_named_as_other_outlets_name_it(bbc_mixed: Settings) -> None:
    # "Tory" is the Conservatives', "the Lib Dems" the Liberal Democrats'
    assert "Tim Collins" in _first_cited(
        bbc_mixed, "Which Conservative was not impressed by Ruth Kelly's comments?"
    )
    assert "local income tax" in _first_cited(
        bbc_mixed, "What will the Liberal Democrats replace council tax with?"
    )


def test_intending_is_planning_and_receiving_says_little(bbc_mixed: Settings) -> None:
    assert "Trading Moms" in _first_cited(
        bbc_mixed, "What did ABC intend to call its version of the show?"
    )
    # "Vera Drake, which has 11 nominations": no "receive" written
    assert "11 nominations" in _first_cited(
        bbc_mixed, "How many Bafta nominations did Vera Drake receive?"
    )


def test_numbers_written_out_and_question_form_words() -> None:
    from newsdesk.ask import _question, _stems, _term_match

    # "Whose Creighton ...?": the name after the opening question word is the question's
    assert "creighton" in _question("Whose Creighton record did Doug McDermott break?").name_words
    assert "which" not in _question("Which Conservative was not impressed?").name_words

    assert _term_match("eight", _stems(["An", "8Mb", "service"])) == 1.0
    assert _term_match("eight", _stems(["An", "18Mb", "service"])) == 0.0
    assert "whose" not in _question("What was the product whose details leaked?").words


def test_a_verb_asked_in_its_base_form_finds_its_irregular_past() -> None:
    """Refused: "How much did Indonesia spend on fuel subsidies in 2004?"; the article says
    "It spent 59.2 trillion rupiah ...". Irregular forms come from the lemmatizer tables the
    spaCy model package ships; a word that is also another verb's past keeps its own sense
    ("rent" is "rend"'s past, and still "rent")."""
    from newsdesk.ask import _says, _stems, _term_match

    assert _says("spend", _stems(["It", "spent", "59.2", "trillion", "rupiah"]))
    assert _says("leave", _stems(["Alan", "Titchmarsh", "left", "Ground", "Force"]))
    assert _term_match("rent", _stems(["which", "will", "be", "rented", "from", "T-Mobile"]))
    assert not _says("spend", _stems(["It", "saved", "59.2", "trillion", "rupiah"]))


def test_selling_is_sales_and_expecting_is_estimating(bbc_mixed: Settings) -> None:
    """The sixth held-out set's "How much is Boeing's deal to sell 10 737-800 planes ...
    worth?" was refused beside "... the sale of 10 737-800 planes for $630m", and "How many
    hybrid cars does JD Power expect to be sold ...?" beside "JD Power estimates sales will
    hit 200,000": asked here of other articles in other words."""
    from newsdesk.ask import _says, _stems

    assert _says("sell", _stems(["the", "sale", "of", "10", "737-800", "planes", "for", "$630m"]))
    assert "forecasting UK growth" in _first_cited(
        bbc_mixed, "What growth did Mr Brown expect for the UK?"
    )
    assert "£500,000" in _first_cited(
        bbc_mixed, "How much is the Grade II listed building expected to cost to buy?"
    )


def test_the_main_verb_is_read_by_its_base_form() -> None:
    """ "Who wrote the tsunami charity single ...?" was refused beside "... was written by
    radio DJ Mike Read": the question's main verb counts by its base form, as the sentence's
    verbs do; not every verb of the question ("the ship sent to repair ..." is no main verb,
    and "plans to send a boat" does not answer what the ship was called)."""
    from newsdesk.ask import _question, _stems, _term_match

    q = _question("Who wrote the charity single?")
    assert q.verbs == ["write"] and "write" in q.words, q
    assert _term_match("write", _stems(["was", "written", "by", "radio", "DJ", "Mike", "Read"]))
    q = _question("What was the name of the ship sent to repair the cables?")
    assert "sent" in q.words and "send" not in q.words, q


def test_which_city_with_a_demonym_asks_for_a_place() -> None:
    """ "In which Indian city is the Aero India 2005 air show being held?" was answered with
    "... opened the country's Aero India 2005 air show ...": the question asks for a place
    (and a number it gives itself is no answer)."""
    from newsdesk.ask import _question

    assert _question("In which Indian city is the air show being held?").wants == "place"
    assert _question("Which city is hosting it?").wants == "place"
    assert _question("Which Oscar-winning film did he direct?").wants != "place"


def test_a_place_does_not_name_a_thing_that_is_no_place(bbc_mixed: Settings) -> None:
    """The fourth held-out set's unanswerable "What was the name of the school Alexandros
    Grigoropoulos attended?" was answered with "... held a silent vigil ... in Syntagma
    Square". A place names a place ("the name of the town where ..."), or a building the
    tagger calls a place ("the Palace Theatre"); not a school, a ship or a person."""
    from newsdesk.ask import _question

    assert not _question("What was the name of the school he attended?").place_named
    assert _question("What is the name of the town where it happened?").place_named
    assert "Palace Theatre" in _first_cited(
        bbc_mixed, "What is the name of the Swansea theatre Edward Fox wants to reopen?"
    )
    # "It is estimated that £500,000 is needed to buy the Grade II listed building." names none
    answer = ask(
        connect(bbc_mixed.db_url),
        bbc_mixed,
        "What is the name of the building that needs £500,000?",
    )
    assert not answer.answered, answer.citations


def test_a_forecast_is_no_background() -> None:
    """The seventh held-out set's "What does the OECD now expect US economic growth to be
    next year?" was refused: "US growth would reach 4.4% in 2004, but fall to 3.3% next
    year ..." named a year before its article's and counted as background. A sentence that
    also looks ahead is a forecast, not background."""
    from newsdesk.ask import _background, _question

    q = _question("What does the OECD expect growth to be?")
    assert not _background("Growth would reach 4.4% in 2004, but fall to 3.3% next year.", 2005, q)
    assert _background("In 2003 the company lost money.", 2005, q)


def test_a_count_is_no_money_and_an_amount_is_no_bare_count() -> None:
    """The eighth held-out set's unanswerable "How many barrels of oil a day will Venezuela
    supply ...?" was answered with "... a $240m agreement ..."; "How much did Hide and Seek
    take ...?" with "... fell one place"; and, once paying was buying, the fourth set's "How
    much did Anthony LaCalamita pay for the shotgun ...?" with "... purchased the shotgun
    around 3:45 p.m.". A count is no sum of money; an amount is no bare count; neither is a
    time of day."""
    from newsdesk.ask import _TOKEN, _bare_count, _is_clock, _is_money, _question

    assert _question("How many barrels of oil a day will they supply?").counted == "barrels"
    assert _question("How many people did the storm kill?").counted == "people"
    toks = _TOKEN.findall("a $240m deal and 5 million euros for 3 people")
    assert _is_money(toks, toks.index("240m")) and _is_money(toks, toks.index("5"))
    assert not _is_money(toks, toks.index("3"))
    toks = _TOKEN.findall("it fell one place, two million took half a litre in third place")
    assert _bare_count(toks, toks.index("one")) and _bare_count(toks, toks.index("third"))
    assert not _bare_count(toks, toks.index("two")) and not _bare_count(toks, toks.index("half"))
    toks = _TOKEN.findall("bought around 3:45 p.m. or 9am or 10 a.m. for 3 dollars")
    assert all(_is_clock(toks, toks.index(n)) for n in ("3", "45", "9am", "10"))
    assert not _is_clock(toks, len(toks) - 2)


def test_paying_is_buying_and_a_chair_is_a_chairman(bbc_mixed: Settings) -> None:
    """The eighth held-out set's "How much did Rosneft pay for Yukos's Yugansk unit?" (the
    article: "Rosneft bought the unit for $9.3bn") and "Who chairs the Low Pay Commission?"
    ("said chairman Adair Turner", the commission named in full earlier in the article) were
    refused: asked here of other articles in other words."""
    assert "Sam Younger" in _first_cited(bbc_mixed, "Who chairs the Electoral Commission?")
    assert "£500,000" in _first_cited(
        bbc_mixed, "How much must be paid for the Grade II listed Palace Theatre?"
    )


def test_every_form_of_a_verb_that_says_little() -> None:
    """ "Where did the plane carrying Aaliyah crash?" and "Which club in Germany has shown
    interest in ...?" were refused for want of "carrying" and "show": light verbs in their
    other forms say as little."""
    from newsdesk.ask import _question

    assert _question("Where did the plane carrying the singer crash?").verbs == []
    assert _question("Which club has shown interest in the striker?").verbs == []
    assert _question("Who has eaten the cake?").verbs == ["eat"]


def test_who_holds_a_role_needs_a_sentence_naming_the_role() -> None:
    """The third held-out set's unanswerable "Who is Vincent Jackson's defence lawyer in his
    DUI case?" was answered with a sentence about another man's case: the role asked about
    ("lawyer") must be in the answer; a plain name or "the man" asks no role."""
    from newsdesk.ask import _question

    assert _question("Who is the player's defence lawyer in his drink-driving case?").head == (
        "lawyer"
    )
    assert _question("Who was the coach of the team?").head == "coach"
    assert _question("Who is Hossein Salami?").head is None
    assert _question("Who was the man arrested on Friday?").head is None
    assert _question("Who replaced the coach?").head is None
    # a role with what happened to it asks who it happened to: "died at the scene" answers
    assert _question("Who were the two officers killed by the bomb at the bank?").head is None


def test_bringing_says_little_an_owner_owns_and_releasing_is_issuing() -> None:
    """The third held-out set's "Which merchant vessel's distress call brought INS Mysore to
    the scene ...?" was refused for want of "bring" ("bring" says as little as "take" and
    "carry"); an owner is who owns ("the building's owner"), and a patch released is one
    issued."""
    from newsdesk.ask import _question, _says, _stems

    assert _question("Whose call brought the destroyer to the scene?").verbs == []
    assert _says("own", _stems(["Anchorage", "lawyer", "William", "Ingaldson", "the", "owner"]))
    assert _says("own", _stems(["in", "private", "ownership"]))
    assert not _says("own", _stems(["the", "town", "council"]))
    assert _says("issue", _stems(["Microsoft", "has", "released", "a", "security", "update"]))


def test_where_wants_a_place_or_a_name_after_in_or_at() -> None:
    """The first held-out set's "Where did Vincent Gigante die?" cited "Vincent 'the Chin'
    Gigante died while in prison custody ...": a nickname is no place. A name answers "where"
    when the article is tagged with it as a place or a preposition of place comes before it
    ("died at the U.S. Medical Center ... in Springfield", "was arrested at Millom pier")."""
    from newsdesk.ask import _TOKEN, _located

    toks = _TOKEN.findall("Vincent 'the Chin' Gigante died while in prison custody.")
    assert not _located(toks, toks.index("Chin"))
    toks = _TOKEN.findall("Gigante died at the U.S. Medical Center in Springfield, Mo.")
    assert _located(toks, toks.index("Springfield")) and _located(toks, toks.index("U.S"))
    toks = _TOKEN.findall("He was sent to Bridgewater State Hospital for evaluation.")
    assert _located(toks, toks.index("Bridgewater"))


def test_who_is_someone_is_answered_by_how_the_coverage_describes_them(
    bbc_mixed: Settings,
) -> None:
    """ "Who is Scott Sullivan?" cited "Scott Sullivan admitted to jurors …", not "the
    prosecution's star witness, former WorldCom financial chief Scott Sullivan": a sentence
    holding a phrase the article describes the name with (its explainer's) now comes first."""
    for name, described in (
        ("Ruth Kelly", "Education Secretary Ruth Kelly"),  # was a quote of her critic
        ("Gordon Brown", "Chancellor Gordon Brown"),  # was Mr Balls on what he wants
        ("Tony Blair", "Prime Minister Tony Blair"),
    ):
        assert described in _first_cited(bbc_mixed, f"Who is {name}?")

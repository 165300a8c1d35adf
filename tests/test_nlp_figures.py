"""Figure claims of real articles (the seed page), stored at enrichment, on the article and
story pages and in the JSON API.

../shared/data/seed-page/articles.jsonl: Al Jazeera's "Turkiye and Israel hold talks ..." and
its related articles. The story test uses two clearly labelled TEST articles from two outlets
(3 vs 10 dead), enriched by the real stage on real SQLite.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import lxml.html
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from newsdesk.config import Settings
from newsdesk.nlp.analyze import analysis_to_json, analyze_many
from newsdesk.nlp.figures import Claim, group_claims
from newsdesk.nlp.types import Analysis, Figure
from newsdesk.store import connect, session_scope
from newsdesk.store.models import Article
from newsdesk.store.models_ai import Enrichment, FigureRow
from newsdesk.web import create_app

try:
    from .conftest import bbc_article, feed_item, shared_data
except ImportError:  # pragma: no cover - tests/ as plain rootdir modules
    from conftest import bbc_article, feed_item, shared_data  # type: ignore[no-redef]

pytestmark = pytest.mark.slow


def _records() -> list[dict[str, str]]:
    path = shared_data("seed-page") / "articles.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def seed() -> list[Analysis]:
    records = _records()
    return analyze_many([(r["title"], r["text"]) for r in records])


def _figure(analyses: list[Analysis], text: str) -> Figure:
    found = [f for a in analyses for f in a.figures if f.text == text]
    assert found, f"no figure {text!r} in {[f.text for a in analyses for f in a.figures]}"
    return found[0]


def test_air_attacks_with_range_span_and_source(seed: list[Analysis]) -> None:
    f = _figure(seed, "more than 500")
    assert (f.value, f.low, f.high) == (500, 500, None)
    assert f.what == "air attacks on targets in Syria"
    assert f.when == "from December 8 to December 31"
    assert f.source is not None and "Syrian Observatory for Human Rights" in f.source
    assert "500 air attacks" in f.sentence


def test_killed_and_injured_are_different_things_said_by_the_envoy(seed: list[Analysis]) -> None:
    killed = _figure(seed, "78")
    injured = _figure(seed, "more than 320")
    assert killed.value == 78 and killed.what == "people killed" and killed.key == "people:killed"
    assert injured.low == 320 and injured.key == "people:injured"  # elided "people"
    for f in (killed, injured):
        assert f.source is not None and "Iravani" in f.source


def test_palestinians_killed_count_people(seed: list[Analysis]) -> None:
    f = _figure(seed, "more than 50,000")
    assert f.value == 50_000 and f.low == 50_000
    assert f.what == "Palestinians killed" and f.key == "people:killed"


def test_a_number_joined_to_its_noun_counts_it_in_the_plural(seed: list[Analysis]) -> None:
    # the UN article's "The 15-member Security Council": shown as "15 members", not "15 member"
    f = _figure(seed, "15")
    assert f.value == 15 and f.what == "members"


def test_the_time_of_an_earlier_event_is_not_the_figures(seed: list[Analysis]) -> None:
    # "The 15-member Security Council ... met at Iran's request after Israel struck ... in the
    # early hours of Friday": the early hours are the strikes', not the council's
    assert _figure(seed, "15").when is None
    # a time in the figure's own clause still counts: "from December 8 to December 31"
    assert _figure(seed, "more than 500").when == "from December 8 to December 31"


def test_no_years_dates_or_ages(seed: list[Analysis]) -> None:
    texts = [f.text for a in seed for f in a.figures]
    assert texts, "no figures at all"
    assert not any(t.isdigit() and 1900 <= int(t) <= 2100 for t in texts), texts


def _article(text: str) -> Analysis:
    """The analysis of a test article of this text."""
    return analyze_many([("Test article", text)])[0]


def test_written_numbers_and_qualifiers() -> None:
    a = _article(
        "Hundreds of thousands of people fled the city on Monday, officials said. "
        "Tara Reid, 33, was not among them. The storm killed two people and injured a "
        "dozen, and up to 80 homes were damaged at 17:06."
    )
    got = {f.text: f for f in a.figures}
    assert got["Hundreds of thousands"].value == 200_000
    assert got["Hundreds of thousands"].low == 200_000
    assert got["two"].key == "people:killed"
    assert got["up to 80"].high == 80 and got["up to 80"].what == "homes"
    assert not any("33" in t or "17" in t for t in got), list(got)
    assert analysis_to_json(a)["figures"][0].keys() == {
        "value", "low", "high", "unit", "what", "when", "source", "sentence",
    }  # fmt: skip


def test_trivial_counts_are_no_figures(seed: list[Analysis]) -> None:
    """'the two sides', 'the two regional powers' (seed page) are not figure claims; a small
    casualty count or a bounded one is."""
    whats = [f.what for f in seed[0].figures]
    assert "sides" not in whats and "regional powers" not in whats, whats
    a = _article("The two sides met. A blast killed two people and at least two homes burned.")
    assert [(f.text, f.key) for f in a.figures] == [
        ("two", "people:killed"),
        ("at least two", "home:"),
    ]


def test_when_comes_from_the_figures_own_clause(seed: list[Analysis]) -> None:
    assert _figure(seed, "more than 500").when == "from December 8 to December 31"
    assert _figure(seed, "at least 43").when == "so far this year"


def test_source_outside_quotes() -> None:
    """PolNeAR-style attributions no quote span covers: a reporting verb's subject, 'per X',
    a possessor of 'figures'; no source when the sentence names none."""
    a = _article(
        "The U.S. Geological Survey puts the toll at 43 people dead.\n"
        "Clinton leads Trump by 6 points, per Gallup.\n"
        "The Labor Department's figures show that 151,000 jobs were added in January.\n"
        "The storm destroyed 300 homes."
    )
    got = {f.text: f.source for f in a.figures}
    assert got["43"] == "The U.S. Geological Survey"
    assert got["6 points"] == "Gallup"
    assert got["151,000"] == "The Labor Department"
    assert got["300"] is None


def test_part_of_a_toll_is_not_the_toll() -> None:
    a = _article("Police said two women and one man died at the bank.")
    (f,) = a.figures
    assert f.key == "women:killed" and f.source == "Police"


def _claim(article_id: int, outlet: str, text: str, value: float, hour: int) -> Claim:
    from datetime import UTC, datetime

    seen = datetime(2025, 6, 1, hour, tzinfo=UTC)
    return Claim(article_id, outlet, seen, text, value, None, None, "people killed", None, "")


def test_conflicting_counts_are_flagged_and_the_newer_is_latest() -> None:
    (g,) = group_claims(
        [
            ("people:killed", _claim(2, "Reuters", "10", 10, 14)),
            ("people:killed", _claim(1, "Tasnim", "3", 3, 9)),
            ("people:injured", _claim(1, "Tasnim", "80", 80, 9)),  # one article: no group
        ]
    )
    assert g.disagree and [c.outlet for c in g.claims] == ["Tasnim", "Reuters"]
    assert g.claims[-1].latest and not g.claims[0].latest
    lower = _claim(3, "AP", "at least 3", 3, 10)
    lower.low = 3
    (g2,) = group_claims(
        [("people:killed", lower), ("people:killed", _claim(2, "Reuters", "10", 10, 14))]
    )
    assert not g2.disagree  # "at least 3" and "10" can both hold


def _said(article_id: int, outlet: str, value: float, sentence: str, key: str) -> tuple:
    c = _claim(article_id, outlet, f"{value:g}", value, 9 + article_id)
    c.sentence = sentence
    return key, c


# Sentences from ECB+ cluster 20_ecbplus (Qeshm earthquake), judged in
# bench/data/figures-pairs-judged.json: each pair is about two different things.
TODAY = "A powerful earthquake hit southern Iran on Sunday, killing 10 people."


def test_background_toll_is_not_compared() -> None:
    groups = group_claims(
        [
            _said(1, "Reuters", 10, TODAY, "people:killed"),
            _said(
                2,
                "AP",
                3,
                "The quake killed 3 people on Sunday, the governor said.",
                "people:killed",
            ),
            _said(
                3,
                "BBC",
                26000,
                "The island was hit almost two years after a quake in Bam killed 26,000 people.",
                "people:killed",
            ),
            _said(4, "CBC", 41000, "A quake in 2003 killed 41,000 people in Bam.", "people:killed"),
        ]
    )
    (g,) = groups
    assert [c.outlet for c in g.claims] == ["Reuters", "AP"] and g.disagree


def test_other_event_aftershock_and_generic_figures_are_not_flagged() -> None:
    killed = group_claims(
        [
            _said(1, "Reuters", 10, TODAY, "people:killed"),
            _said(
                2,
                "CBC",
                12,
                "On Saturday, 12 people were killed by a quake in eastern China.",
                "people:killed",
            ),
            _said(3, "AP", 612, "It killed 612 people and injured 1,400.", "people:killed"),
        ]
    )
    assert len(killed) == 1 and len(killed[0].claims) == 3 and not killed[0].disagree
    main = "The 5.9-magnitude quake struck Qeshm island on Sunday, state media said."
    magnitude = [
        _said(1, "Reuters", 5.9, main, "magnitude"),
        _said(2, "IRNA", 3.8, "A quake measuring 3.8 was registered on Monday.", "magnitude"),
        _said(3, "AP", 6, "A magnitude 6 quake can cause severe damage.", "magnitude"),
        _said(4, "BBC", 5.9, TODAY, "people:killed"),  # the story's day: Sunday
    ]
    (g,) = group_claims(magnitude[:3] + magnitude[3:])
    assert g.key == "magnitude" and not g.disagree
    other = "Tremors from an earthquake registering 6.1 were felt in Dubai today."
    (g2,) = group_claims([magnitude[0], _said(5, "AFP", 6.1, other, "magnitude")])
    assert g2.disagree  # the same quake's magnitude, 5.9 vs 6.1: a real disagreement


# --- stored at enrichment, shown on the pages and in the API ---------------------------------

TEST_A = (
    "TEST ARTICLE A: Earthquake strikes test province",
    "TEST ARTICLE A. An earthquake struck the test province on Sunday. The quake killed 3 "
    "people and injured 20, the provincial governor said. Rescue teams searched the rubble of "
    "the earthquake in the test province villages on Sunday.",
)
TEST_B = (
    "TEST ARTICLE B: Earthquake in test province kills 10",
    "TEST ARTICLE B. An earthquake struck the test province on Sunday. The quake killed 10 "
    "people and injured 20, the provincial governor said. Rescue teams searched the rubble of "
    "the earthquake in the test province villages on Sunday.",
)


def build_figures_site(root: Path) -> tuple[Settings, object, dict[str, int]]:
    """The seed page and the two TEST articles, enriched on a fresh SQLite database."""
    from newsdesk.enrich import enrich
    from newsdesk.ingest import candidate_from_record, import_jsonl_file, store_candidate

    settings = Settings(data_dir=root, secret_key="test-secret")
    engine = connect(settings.db_url)
    import_jsonl_file(engine, shared_data("seed-page") / "articles.jsonl")
    with session_scope(engine) as session:
        for (title, text), outlet, hour in ((TEST_A, "Tasnim", 9), (TEST_B, "Reuters", 14)):
            rec = {
                "url": f"https://news.example/{outlet.lower()}/quake",
                "title": title,
                "text": text,
                "source": outlet,
                "published": f"2025-06-01T{hour:02d}:10:00+00:00",
            }
            store_candidate(session, candidate_from_record(rec), None)
    enrich(engine, settings, batch_size=8)
    with session_scope(engine) as session:
        ids = {title: i for i, title in session.execute(select(Article.id, Article.title))}
    return settings, engine, ids


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict, object]]:
    settings, engine, ids = build_figures_site(Path(tmp_path_factory.mktemp("figures")))
    with TestClient(create_app(settings, engine), follow_redirects=False) as client:
        yield client, ids, engine
    engine.dispose()  # type: ignore[attr-defined]


def _id(ids: dict, start: str) -> int:
    return next(i for t, i in ids.items() if t.startswith(start))


def test_figures_are_stored_at_enrichment(site) -> None:  # type: ignore[no-untyped-def]
    _client, ids, engine = site
    with session_scope(engine) as session:
        rows = session.scalars(
            select(FigureRow).where(FigureRow.article_id == _id(ids, "Turkiye and Israel"))
        ).all()
        assert any(r.text == "more than 500" and r.low == 500 for r in rows)
        assert any(r.what_key == "people:killed" for r in rows)


def test_article_page_has_a_figures_box_with_sources(site) -> None:  # type: ignore[no-untyped-def]
    client, ids, _ = site
    page = lxml.html.fromstring(client.get(f"/articles/{_id(ids, 'Turkiye and Israel')}").text)
    (box,) = page.xpath('//section[contains(@class, "figures")]')
    items = box.xpath('.//li[contains(@class, "figure")]')
    first = next(li for li in items if "more than 500" in li.text_content())
    assert "air attacks on targets in Syria" in first.text_content()
    assert "Syrian Observatory for Human Rights" in first.text_content()
    assert (
        "500 air attacks"
        in first.xpath('.//blockquote[@class="figure-sentence"]')[0].text_content()
    )
    # the figure links to its sentence, marked in the article body
    (link,) = first.xpath('.//a[@class="figure-link"]')
    target = link.get("href").removeprefix("#")
    (mark,) = page.xpath(f'//div[@class="story-body"]//span[@id="{target}"]')
    assert "more than 500 air attacks on targets in Syria" in mark.text_content()
    assert len(page.xpath('//div[@class="story-body"]//span[@class="figure-mark"]')) >= 3


def test_api_figures_per_article_and_story(site) -> None:  # type: ignore[no-untyped-def]
    client, ids, engine = site
    got = client.get(f"/api/v1/articles/{_id(ids, 'Turkiye and Israel')}/figures").json()
    assert any(f["value"] == 500 and f["low"] == 500 for f in got["items"])
    assert client.get("/api/v1/articles/999999/figures").status_code == 404
    with session_scope(engine) as session:
        story_a = session.get(Enrichment, _id(ids, "TEST ARTICLE A")).story_id
        story_b = session.get(Enrichment, _id(ids, "TEST ARTICLE B")).story_id
    assert story_a is not None and story_a == story_b
    story = client.get(f"/api/v1/stories/{story_a}").json()
    killed = next(g for g in story["figures"] if g["key"] == "people:killed")
    assert killed["disagree"] and [c["value"] for c in killed["claims"]] == [3, 10]
    assert killed["claims"][-1]["latest"] and killed["claims"][-1]["outlet"] == "Reuters"
    injured = next(g for g in story["figures"] if g["key"] == "people:injured")
    assert not injured["disagree"]


def test_story_page_flags_the_disagreement(site) -> None:  # type: ignore[no-untyped-def]
    client, ids, engine = site
    with session_scope(engine) as session:
        story_id = session.get(Enrichment, _id(ids, "TEST ARTICLE A")).story_id
    page = lxml.html.fromstring(client.get(f"/stories/{story_id}").text)
    (group,) = page.xpath(
        '//div[contains(@class, "figure-group") and contains(@class, "disagree")]'
    )
    rows = [li.text_content() for li in group.xpath(".//li")]
    assert "Tasnim" in rows[0] and "Reuters" in rows[1] and "latest" in rows[1]
    assert "Outlets disagree" in group.text_content()


def test_figure_body_marks_sentences_and_escapes() -> None:
    from newsdesk.web.templating import figure_body

    figs = [
        Figure("3", 3, None, None, None, None, None, None, None, "A <b>blast</b> killed 3 people."),
        Figure(
            "20", 20, None, None, None, None, None, None, None, "A <b>blast</b> killed 3 people."
        ),
        Figure("9", 9, None, None, None, None, None, None, None, "Not in the text: 9."),
    ]
    body = figure_body("Intro & more.\n\nA <b>blast</b>   killed 3 people. After.", figs)
    assert body.anchored == {1, 2}
    assert str(body.paragraphs[0]) == "Intro &amp; more."
    assert str(body.paragraphs[1]) == (
        '<span class="figure-mark" id="fig-1"><span id="fig-2"></span>A &lt;b&gt;blast&lt;/b&gt; '
        "killed 3 people.</span> After."
    )


def _bbc(path: str) -> Analysis:
    raw = (shared_data("bbc-news") / "bbc" / path).read_text(encoding="latin-1")
    title, _, body = raw.partition("\n")
    return analyze_many([(title.strip(), body.strip())])[0]


def test_metres_millions_and_dates_in_bbc_articles() -> None:
    """Real BBC News sentences (bench/figures.py's second labelled set): 'm' after a number is
    metres unless money or a plural count follows; a sentence-final '$16m.' keeps its scale;
    'four years ago' is a date, not a figure; a share's subject is what it counts."""
    sport = _bbc("sport/060.txt")
    jump = _figure([sport], "1.87m")
    assert (jump.value, jump.unit) == (1.87, "m")
    assert all(f.value < 10_000 for f in sport.figures if f.unit == "m")
    fine = _figure([_bbc("business/187.txt")], "$16m")
    assert (fine.value, fine.unit) == (16_000_000, "dollars")
    spy = _bbc("politics/053.txt")
    assert "four years" not in [f.text for f in spy.figures]
    assert "two years" in [f.text for f in spy.figures]  # "spied for MI6 for two years"
    sales = _figure([_bbc("business/063.txt")], "0.3%")
    assert sales.what is not None and "sales" in sales.what


def test_race_names_and_times_in_a_bbc_sports_report() -> None:
    """sport/060: "the AAA's Indoor 800m title" names a race, not a figure; "one minute, 47.97
    seconds" is one time, in seconds."""
    report = _bbc("sport/060.txt")
    texts = [f.text for f in report.figures]
    assert "800m" not in texts
    time = _figure([report], "one minute, 47.97 seconds")
    assert (time.value, time.unit) == (107.97, "seconds")


def test_a_vague_plural_reads_with_of() -> None:
    from newsdesk.web.templating import counted

    assert counted("hundreds", "air strikes") == "of air strikes"
    assert counted("more than 500", "air attacks") == "air attacks"
    assert counted("hundreds", "of them") == "of them"


def test_a_converted_amount_is_one_figure_and_for_years_no_time() -> None:
    """BBC business/012: "It spent 59.2 trillion rupiah ($6.58bn; £3.5bn) on fuel subsidies
    in 2004": the bracket converts the amount, it is not two more figures (the labelling
    protocol counts the first); "subsidised for years" gives no time."""
    raw = (shared_data("bbc-news") / "bbc" / "business" / "012.txt").read_text("latin-1")
    title, _, body = raw.partition("\n")
    (a,) = analyze_many([(title.strip(), body)])
    texts = [f.text for f in a.figures]
    assert "59.2 trillion" in texts and "14.5 trillion" in texts
    assert not [t for t in texts if "6.58" in t or "3.5bn" in t], texts
    millions = next(f for f in a.figures if f.text == "Millions")
    assert millions.when is None
    (b,) = analyze_many(
        [("Test", "The road is seven km (4 miles) long and cost £2bn (about $3.6bn).")]
    )
    assert [f.text for f in b.figures] == ["seven km", "£2bn"]


def test_what_is_counted_reads_as_written_and_a_dated_year_is_no_count() -> None:
    """BBC pages showed "five priority areas in the run - up to the next general election"
    and a figure "2001 levels" from "pre-11 September 2001 levels"."""
    a = _article(
        "The Conservatives made school discipline one of their five priority areas in "
        "the run-up to the next general election. He said visitors had boosted figures "
        "to pre-11 September 2001 levels. About 2000 troops were sent."
    )
    found = {f.text: f.what for f in a.figures}
    assert found.get("five") == "priority areas in the run-up to the next general election"
    assert "2001" not in found and found.get("About 2000") == "troops", found


def test_what_is_counted_never_holds_the_figure() -> None:
    """BBC business (Pernod, Allied Domecq): "Pernod - at 7.5bn euros ($9.7bn) - is about 9%
    smaller" showed "7.5bn euros: Pernod at 7.5bn euros" and "about 9%: Pernod at 7.5bn
    euros"."""
    a = _article(
        "In terms of market value, Pernod - at 7.5bn euros ($9.7bn) - is about 9% "
        "smaller than Allied Domecq."
    )
    found = {f.text: f.what for f in a.figures}
    assert found == {"7.5bn euros": "Pernod", "about 9%": "Pernod"}, found


def test_an_age_is_no_time() -> None:
    """BBC politics: "A total of 3,028 adults aged 18 and over were interviewed between 3 and 7
    February" showed "3,028 adults (18)": the model calls the bare 18 a date."""
    a = _article(
        "A total of 3,028 adults aged 18 and over were interviewed between 3 and 7 February."
    )
    (f,) = [f for f in a.figures if "3,028" in f.text]
    assert f.when == "between 3 and 7 February", f.when


def test_a_percentage_that_is_the_subject_counts_no_percent_sign() -> None:
    """BBC tech (a PC Pro survey): "12% of those surveyed found themselves unable to swap" and
    "a further 16% are considering changing" showed "12% % of those surveyed" and "16% %": the
    subject of the verb was the figure's own sign. A change's subject still counts ("US retail
    sales fell 0.3%")."""
    a = _article(
        "12% of those surveyed found themselves unable to swap at all. A further 16% "
        "are considering changing. US retail sales fell 0.3% in May."
    )
    found = {f.text: f.what for f in a.figures}
    assert found == {"12%": None, "16%": None, "0.3%": "US retail sales"}, found


def test_an_age_after_died_at_is_no_toll() -> None:
    """BBC entertainment (Marcello Viotti): "Conductor Marcello Viotti ... has died in Germany
    at 50" showed the figure "50 people killed". "Died at 50", "retired at 60": an age."""
    a = _article(
        "Conductor Marcello Viotti, director of Venice's famous La Fenice Theatre, has "
        "died in Germany at 50. He had hoped to retire at 60. The fire killed 50 people."
    )
    found = [(f.text, f.what, f.sentence[:8]) for f in a.figures]
    assert found == [("50", "people killed", "The fire")], found


def test_a_title_after_a_possessive_and_a_telephone_number_are_no_figures() -> None:
    """BBC entertainment (Lemony Snicket): "displacing Ocean's 12" showed "12 people
    displaced"; BBC tech (Xbox cables): "telephoning 0800 028 9276" showed "028 (0800)". A
    number right after a name's possessive with no noun after it is a title, and digits
    opening on 0 are a code; "Britain's 60 million people" still counts."""
    a = _article(
        "The film has topped the chart, displacing Ocean's 12. Consumers can order a new "
        "cable by telephoning 0800 028 9276 in the UK. Britain's 60 million people "
        "voted."
    )
    found = {f.text: f.what for f in a.figures}
    assert found == {"60 million": "people"}, found


def test_how_often_is_no_time() -> None:
    """BBC business (the French economy): "a seasonally-adjusted 0.7-0.8%" gave its figures
    the time "(seasonally)": the model calls the adverb a date."""
    a = _article(
        "According to state statistics body INSEE, growth for the three months to "
        "December was a seasonally-adjusted 0.7-0.8%, ahead of the 0.6% forecast."
    )
    assert [f.when for f in a.figures if f.when] == [], [(f.text, f.when) for f in a.figures]


def test_names_and_event_lengths_are_no_figures() -> None:
    """What the figures box of real BBC articles showed: "3" from "3G licences" (a name with a
    digit in it) and "two-day" from "the two-day summit" (what the summit is like). A unit
    written onto the number stays a figure ("A 30GB version"), and so does a term ("a two-year
    ban from the sport")."""
    texts = [f.text for f in _bbc("politics/015.txt").figures]
    assert "two-day" not in texts, texts
    tech = _bbc("tech/335.txt")
    assert not [f for f in tech.figures if f.text == "3"], [f.text for f in tech.figures]
    assert any(f.text.startswith("30") for f in _bbc("tech/040.txt").figures)
    assert "two-year" in [f.text for f in _bbc("sport/030.txt").figures]


def test_the_length_of_talks_is_no_figure() -> None:
    """ "Two days of talks on the future of Gibraltar begin …" (BBC politics/015) was listed as
    "Two days (on Wednesday)": the length of the talks, as "the two-day summit" beside it. A
    duration of something that is no event stays ("hang up after just 65 seconds of
    listening", business/020)."""
    assert "Two days" not in [f.text for f in _bbc("politics/015.txt").figures]
    assert any(f.text == "65 seconds" for f in _bbc("business/020.txt").figures)


def test_a_sections_number_is_no_figure() -> None:
    """Apple's list of rule changes: "2.3: Clarified the information …" was a figure, "2.3"."""
    title, text = feed_item("XML/apple.developer.xml.gz", "5.1.2(i): Added", "Apple Developer")
    figures = analyze_many([(title, text)])[0].figures
    assert [f.text for f in figures] == ["30"]  # "App names must be limited to 30 characters"


def test_three_or_four_times_is_one_figure_a_range() -> None:
    """ "we would speak ... three or four times," Mr Ebbers said: two figures, "three times"
    and "four times", in the Figures box."""
    figures = analyze_many([bbc_article("business/100.txt")])[0].figures
    said = [f for f in figures if "three or four times" in f.sentence]
    assert [(f.text, f.low, f.high, f.what) for f in said] == [("three or four", 3, 4, "times")]


def test_who_does_something_with_an_amount_is_not_what_it_counts() -> None:
    """ "Shareholders lost about $180bn in WorldCom's collapse": the box showed "about $180bn
    Shareholders". An amount a verb of level takes keeps its subject ("exports reached")."""
    figures = analyze_many([bbc_article("business/100.txt")])[0].figures
    lost = [f for f in figures if f.sentence.startswith("Shareholders lost")]
    assert [(f.unit, f.what) for f in lost if f.unit == "dollars"] == [("dollars", None)]
    reached = analyze_many([("Exports", "Exports reached $3bn last year, officials said.")])
    assert [f.what for f in reached[0].figures] == ["Exports"]


def test_the_time_of_a_clause_about_someone_is_not_the_figures() -> None:
    """ "The midfielder, who broke in to the Brazilian national side in 2004, admitted he had
    been flattered to have been linked with the three Spanish giants" gave "three Spanish
    giants (in 2004)". A clause about those the figure counts keeps its time."""
    figures = analyze_many([bbc_article("sport/211.txt")])[0].figures
    giants = [f for f in figures if f.what == "Spanish giants"]
    assert giants and giants[0].when is None
    (charles,) = analyze_many(
        [("Grammys", "Ray Charles, who died in June 2004, has seven posthumous nominations.")]
    )
    assert [(f.text, f.when) for f in charles.figures] == [("seven", None)]
    (cuba,) = analyze_many(
        [("Cuba", "The tax will also affect the two million tourists who visit Cuba every year.")]
    )
    assert [f.when for f in cuba.figures] == ["every year"]


def _feed_figures(path: str, part: str, outlet: str) -> list[Figure]:
    return analyze_many([feed_item(path, part, outlet)])[0].figures


def test_offers_code_titles_and_numbers_of_names_are_no_figures() -> None:
    """Podcast and developer feeds gave the Figures box "10%" of "Get 10% Off Your Ticket to
    NSSpain X!", "2 Years" of a show-notes title, "30%" of a promo code read on air, "100" of
    ".frame(width: 100," in a code sample, "95" of "Cortex #95" and "scores" of "play scores
    from StaffPad"."""
    empower = "XML/empowerapps-show-cdata_summary.xml.gz"
    nsspain = [f.text for f in _feed_figures(empower, "Get 10% Off Your Ticket", "Empower")]
    assert "10%" not in nsspain and "2 Years" not in nsspain  # an offer and a title
    promo = [f.text for f in _feed_figures(empower, "empower 30", "Empower Apps")]
    assert "30%" not in promo and "30" not in promo
    code = _feed_figures("XML/rhonabwy.xml.gz", "frame(width: 100", "Rhonabwy")
    assert not [f for f in code if "frame(" in f.sentence or f.sentence.endswith(",")]
    radar = _feed_figures("XML/radar.xml.gz", "Cortex #95", "Under the Radar")
    assert "95" not in [f.text for f in radar]
    staffpad = _feed_figures("XML/apple.developer.xml.gz", "scores from StaffPad", "Apple")
    assert "scores" not in [f.text for f in staffpad]
    # what these rules leave alone, in prose
    (kept,) = analyze_many(
        [("Test", "Shares closed 5% off their peak. Scores of people were hurt in Lagos.")]
    )
    assert [f.text for f in kept.figures] == ["5%", "Scores"]


def test_a_speech_verb_of_a_while_clause_vouches_for_its_clause_only() -> None:
    """ "While Simpson declared he would look back with pride ..., his focus turned ... to the
    start of the band's 13-date tour": the tour's 13 dates were Simpson's; "All three band
    members stressed ..., although Bourne admitted he was devastated" Bourne's. "..., as the
    ministry said" still credits the ministry."""
    figures = analyze_many([bbc_article("entertainment/239.txt")])[0].figures
    assert [(f.text, f.source) for f in figures if f.value in (3, 13)] == [
        ("three", None),
        ("13", None),
    ]
    (said,) = analyze_many(
        [("Test", "The storm destroyed 300 homes, as the ministry said on Monday.")]
    )
    assert [(f.text, f.source) for f in said.figures] == [("300", "the ministry")]


def test_a_pronoun_source_is_the_name_it_stands_for_or_none() -> None:
    """ "He pointed to international plans to invest $10bn for education in Africa" is Gordon
    Brown's, by his name in full (the model's nearest PERSON span gave "Brown"; in another
    story, "Labour"); "Only 18% of all searchers say they can tell ..." has no source "they":
    they are the searchers."""
    (africa,) = analyze_many([bbc_article("politics/024.txt")])
    pointed = [f for f in africa.figures if f.sentence.startswith("He pointed to")]
    assert pointed and {f.source for f in pointed} == {"Gordon Brown"}
    (survey,) = analyze_many(
        [("Test", "Searches were studied. Only 18% of all searchers say they can tell them apart.")]
    )
    assert [(f.text, f.source) for f in survey.figures] == [("18%", None)]

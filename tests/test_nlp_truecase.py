"""Headlines in title case read as sentences (nlp/truecase.py), on real headlines: the UCI News
Aggregator sample (../shared/data/uci-news-aggregator-sample, 42 % of its headlines in title
case), 500N-KPCrowd and BBC News. A reader of a US outlet's feed saw #LenaDunhamDoesNaked and
#StacyKeiblerMarriesJaredPobre: the entity model reads a run of capitals as one name."""

from __future__ import annotations

import asyncio
import csv
import gzip

import lxml.html
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from newsdesk.config import Settings
from newsdesk.enrich import enrich
from newsdesk.ingest import refresh
from newsdesk.nlp.analyze import analyze
from newsdesk.nlp.truecase import is_title_case, truecase_headline
from newsdesk.store import Article, connect, session_scope
from newsdesk.web import create_app

try:
    from .conftest import LoopbackServer, bbc_article, shared_data
    from .test_pipeline import add_feeds
except ImportError:  # pragma: no cover - tests/ as plain rootdir modules
    from conftest import LoopbackServer, bbc_article, shared_data  # type: ignore[no-redef]
    from test_pipeline import add_feeds  # type: ignore[no-redef]


def _uci(title_start: str) -> tuple[str, str]:
    """(headline, outlet) of the UCI sample's row whose headline starts so."""
    path = shared_data("uci-news-aggregator-sample") / "uci-news-aggregator.head.csv"
    with path.open(encoding="utf-8") as f:
        row = next(r for r in csv.DictReader(f) if r["TITLE"].startswith(title_start))
    return row["TITLE"], row["PUBLISHER"]


@pytest.mark.parametrize(
    ("start", "people", "never"),
    [
        ("Stacy Keibler Marries", {"StacyKeibler", "JaredPobre"}, "StacyKeiblerMarries"),
        ("Lena Dunham Does Naked", {"LenaDunham"}, "LenaDunhamDoes"),
        ("Taylor Swift, Kenny Chesney Top", {"TaylorSwift", "KennyChesney"}, "ChesneyTop"),
        ("Juan Pablo Galavis Tweets", {"JuanPabloGalavis"}, "Tweets"),
    ],
)
def test_a_title_case_headline_tags_people_not_runs_of_capitals(
    start: str, people: set[str], never: str
) -> None:
    title, outlet = _uci(start)
    tags = [h.tag for h in analyze(title, "", outlet).hashtags]
    assert people <= set(tags), tags
    assert not [t for t in tags if never in t], tags


def test_the_body_and_the_lists_keep_names_capitalised() -> None:
    # everyday words in lower case; a given name and a surname, a place kept
    assert (
        truecase_headline("Stacy Keibler Marries Jared Pobre in Beach Wedding")
        == "Stacy Keibler marries Jared Pobre in beach wedding"
    )
    assert truecase_headline("United States Natural Gas Will Never Weaken Russia's Position") == (
        "United States natural gas will never Weaken Russia's position"
    )
    # the body writes "Betty Ford" and "Rehab" so: names; a quoted title stays as it is
    body = "The actress went to the Betty Ford Center, her lawyer said. She left Rehab later."
    assert truecase_headline("Lindsay Lohan Checks Into Betty Ford Rehab", body) == (
        "Lindsay Lohan checks into Betty Ford Rehab"
    )
    assert truecase_headline("In A Surprising Finale, HBO's 'True Detective' Explores Life") == (
        "In a surprising finale, HBO's 'True Detective' explores life"
    )
    # an abbreviation, a possessive
    assert truecase_headline("Hackers Claim Mt. Gox Still Sitting On Bitcoins").startswith(
        "Hackers claim Mt. Gox"
    )


def test_headlines_in_sentence_case_are_left_alone() -> None:
    """BBC News writes its headlines as sentences: of its 2,225, one is in title case ("2004:
    An Irish Athletics Year") and changes. A lower-case word that is no function word tells a
    sentence ("France v Wales (Sat)"); a name of everyday words ("Thomas out of Six Nations")
    keeps its capitals because the body writes it so."""
    for title in (
        "France v Wales (Sat)",
        "OutKast win at MTV Europe Awards",
        "Edwards tips Idowu for Euro gold",
        "Manchester United v Liverpool",
    ):
        assert not is_title_case(title), title
        assert truecase_headline(title) == title
    title, body = bbc_article("sport/020.txt")
    assert truecase_headline(title, body) == title
    title, body = bbc_article("sport/291.txt")  # "Thomas out of Six Nations"
    assert is_title_case(title) and truecase_headline(title, body) == title


def test_a_headline_in_capitals_reads_as_a_sentence() -> None:
    assert truecase_headline("CHARGERS' RECEIVER ARRESTED AFTER GAME") == (
        "Chargers' receiver arrested after game"
    )
    # offsets never move, whatever a letter's other case is ("İ" lower-cased is two characters)
    for title in ("İSTANBUL MAYOR WINS THE ELECTION AGAIN", "Mayor Wins Again In İstiklal Street"):
        assert len(truecase_headline(title)) == len(title)


def test_a_title_case_feed_on_the_article_page(
    http_server: LoopbackServer, settings: Settings
) -> None:
    """Michael Tsai's real feed (100 of its 150 headlines in title case, full text in the feed),
    its links on loopback behind robots.txt, through refresh and enrich: the article page of
    "Automattic Acquires Day One" tags the app it acquired, not the verb."""
    raw = gzip.decompress(
        (shared_data("syndikit-real-feeds") / "XML" / "mjtsai.xml.gz").read_bytes()
    )
    body = raw.replace(b"https://mjtsai.com/", http_server.url("/mj/").encode())
    feed_url = http_server.route("/mj.xml", body, content_type="application/rss+xml")
    http_server.route("/robots.txt", "User-agent: *\nDisallow: /\n", content_type="text/plain")
    add_feeds(settings, [feed_url])
    engine = connect(settings.db_url)
    asyncio.run(refresh(engine, settings))
    enrich(engine, settings)
    with session_scope(engine) as session:
        article_id = session.scalars(
            select(Article.id).where(Article.title == "Automattic Acquires Day One")
        ).one()
    with TestClient(create_app(settings)) as client:
        page = lxml.html.fromstring(client.get(f"/articles/{article_id}").text)
        home = lxml.html.fromstring(client.get("/").text)
    # a one-person blog: the cards name "Michael Tsai" once, not as outlet and again as author
    metas = [m.text_content() for m in home.xpath('//article[@class="card"]/p[@class="meta"]')]
    assert metas and not [m for m in metas if m.count("Michael Tsai") > 1], metas[:3]
    found = page.xpath('//section[contains(concat(" ", @class, " "), " hashtags ")]//a')
    tags = [a.text_content().strip() for a in found]
    assert "#DayOne" in tags and "#Automattic" in tags, tags
    assert not [t for t in tags if "Acquires" in t], tags

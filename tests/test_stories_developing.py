"""Developing stories: a story whose articles fall on two or more days (UTC) shows a timeline
on its page, says so in its header, on its articles' pages and on the story lists.

Real news through the real pipeline (tests/developing_support.py: ECB+ reports of a shooting
over four days, a one-day football story) in a real SQLite database; real UCI News Aggregator
headlines for the UTC-day rule, on SQLite and, when NEWSDESK_TEST_PG_URL is set, PostgreSQL.
"""

from __future__ import annotations

import csv
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import lxml.html
import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from newsdesk.config import Settings
from newsdesk.nlp.embed import from_blob
from newsdesk.store import connect, session_scope
from newsdesk.store.models_ai import Enrichment, Story
from newsdesk.stories.views import developing_days, story_card, story_page, top_stories
from newsdesk.web import create_app

try:
    from .conftest import shared_data
    from .developing_support import COPY_OUTLET, Developing, build_developing
    from .stories_support import import_records
except ImportError:  # pragma: no cover - tests/ as plain rootdir modules
    from conftest import shared_data  # type: ignore[no-redef]
    from developing_support import (  # type: ignore[no-redef]
        COPY_OUTLET,
        Developing,
        build_developing,
    )
    from stories_support import import_records  # type: ignore[no-redef]

PG_URL = os.environ.get("NEWSDESK_TEST_PG_URL", "")
DAYS = ["2007-04-12", "2007-04-11", "2007-04-10", "2007-04-09"]  # the shooting's, newest first


@pytest.fixture(scope="module")
def developing(tmp_path_factory: pytest.TempPathFactory) -> Developing:
    data = shared_data("ecbplus-story-clusters")
    return build_developing(str(tmp_path_factory.getbasetemp() / "developing"), str(data))


@pytest.fixture(scope="module")
def client(developing: Developing) -> Iterator[TestClient]:
    engine = developing.engine
    with TestClient(create_app(developing.settings, engine), follow_redirects=False) as c:
        yield c
    engine.dispose()


def get_page(client: TestClient, path: str) -> lxml.html.HtmlElement:
    r = client.get(path)
    assert r.status_code == 200, path
    return lxml.html.fromstring(r.text)


def norm(node: lxml.html.HtmlElement) -> str:
    return " ".join(node.text_content().split())


def timeline_days(page: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    return page.xpath('//ol[@class="story-timeline"]/li')


def article_ids(node: lxml.html.HtmlElement, xpath: str) -> list[int]:
    return [int(h.rsplit("/", 1)[1]) for h in node.xpath(xpath)]


# --- the rule --------------------------------------------------------------------------------


def test_developing_means_two_or_more_distinct_days_over_a_day_or_more() -> None:
    def at(day: int, hour: int) -> datetime:
        return datetime(2007, 4, day, hour, tzinfo=UTC)

    assert developing_days([]) == 0
    assert developing_days([at(10, 9), at(10, 12), at(10, 23)]) == 0
    assert developing_days([at(10, 9), at(11, 10), at(10, 12)]) == 2
    assert developing_days([at(d, 8) for d in (9, 10, 11, 9)]) == 3
    # reports a few hours apart on either side of midnight are one day's news
    assert developing_days([at(10, 18), at(11, 1)]) == 0
    assert developing_days([at(10, 9), at(11, 8)]) == 0  # 23 hours
    assert developing_days([datetime(2007, 4, 10, 9), datetime(2007, 4, 11, 9)]) == 2  # naive: UTC


def test_days_counted_in_sql_copies_on_their_originals_day(developing: Developing) -> None:
    with session_scope(developing.engine) as session:
        copy_seen = session.scalar(
            select(Enrichment.seen_at).where(Enrichment.article_id == developing.copy_id)
        )
        assert copy_seen is not None and copy_seen.date() == date(2007, 4, 13)
        card = story_card(session, developing.story_id)
        assert card is not None and card.days == 4  # not 5: the reprint is folded
        game = story_card(session, developing.game_id)
        assert game is not None and game.days == 0
        cards = {c.id: c.days for c in top_stories(session)}
        assert cards[developing.story_id] == 4 and cards[developing.game_id] == 0
        plain = top_stories(session, outlets=False)  # API and Atom: not counted
        assert all(c.days == 0 for c in plain)
        view = story_page(session, developing.story_id)
        assert view is not None and len(view.timeline) == card.days


# --- the story page --------------------------------------------------------------------------


def test_story_page_timeline_newest_day_first(client: TestClient, developing: Developing) -> None:
    page = get_page(client, f"/stories/{developing.story_id}")
    [heading] = page.xpath('//h2[@id="timeline-title"]')
    assert norm(heading) == "Timeline"
    days = timeline_days(page)
    assert [d.xpath(".//h3/time/@datetime")[0] for d in days] == DAYS
    assert [norm(d.xpath(".//h3")[0]) for d in days] == [
        "Thu 12 Apr 2007",
        "Wed 11 Apr 2007",
        "Tue 10 Apr 2007",
        "Mon 9 Apr 2007",
    ]
    sizes = [norm(d.xpath('.//p[contains(@class, "day-size")]')[0]) for d in days]
    assert sizes[:3] == [
        "2 articles from 2 outlets: Yahoo Voices, AccountingWEB",
        "2 articles from 2 outlets: Fox News, USA Today",
        "2 articles from 2 outlets: CNN, The New York Times",
    ]
    assert sizes[3].startswith("4 articles from 4 outlets: ")
    assert set(sizes[3].split(": ")[1].split(", ")) == {
        "Yahoo Voices",
        "The Age",
        "USA Today",
        COPY_OUTLET,
    }
    ids = developing.ids
    listed = [set(article_ids(d, './/ul[@class="day-articles"]/li/a[1]/@href')) for d in days]
    assert listed == [
        {ids["18_3ecbplus"], ids["18_8ecbplus"]},
        {ids["18_10ecbplus"], ids["18_7ecbplus"]},
        {ids["18_1ecbplus"], ids["18_9ecbplus"]},
        # The Age's "April 10, 2007 - 7:07AM" (Melbourne) is 9 April in UTC
        {ids["18_4ecbplus"], ids["18_11ecbplus"], ids["18_2ecbplus"]},
    ]
    # the reprint (published on the 13th) is folded under The Age's report, on its day
    [also] = days[3].xpath('.//span[@class="also-published"]')
    assert article_ids(also, ".//a/@href") == [developing.copy_id]
    assert "Also published by" in norm(also)
    # each article with its outlet and time (UTC)
    usa = days[1].xpath(f'.//li[a[@href="/articles/{ids["18_7ecbplus"]}"]]')[0]
    assert norm(usa.xpath('.//span[@class="meta"]')[0]) == "USA Today · 17:26"
    # the coverage by outlet is still there, below the timeline
    sections = page.xpath("//section/@aria-labelledby")
    assert sections.index("timeline-title") < sections.index("coverage-title")
    assert len(page.xpath('//section[@class="outlet-group"]')) == 7  # the copy folded


def test_each_day_leads_with_its_most_central_article(
    client: TestClient, developing: Developing
) -> None:
    """The headline of a day is the article nearest (cosine) the mean of that day's vectors;
    a two-article day is a tie (both are as near), so the earlier one leads."""
    with session_scope(developing.engine) as session:
        rows = session.execute(
            select(Enrichment.article_id, Enrichment.seen_at, Enrichment.embedding).where(
                Enrichment.story_id == developing.story_id, Enrichment.duplicate_of.is_(None)
            )
        ).all()
    by_day: dict[str, list[tuple[datetime, int, np.ndarray]]] = {}
    for article_id, seen, blob in rows:
        vec = from_blob(blob)
        assert vec is not None
        by_day.setdefault(seen.date().isoformat(), []).append((seen, article_id, vec))
    expected = []
    for day in DAYS:
        its = sorted(by_day[day], key=lambda x: x[0])
        mat = np.vstack([v for _, _, v in its])
        mean = mat.mean(axis=0)
        cos = mat @ mean / (np.linalg.norm(mat, axis=1) * np.linalg.norm(mean))
        expected.append(its[int(np.argmax(cos))][1] if len(its) > 2 else its[0][1])
    # on the 9th the central report is not the earliest: the choice is by content, not time
    assert expected[3] == developing.ids["18_2ecbplus"] != developing.ids["18_4ecbplus"]

    page = get_page(client, f"/stories/{developing.story_id}")
    leads = [
        article_ids(d, './/li[@class="day-headline"]/a[1]/@href')[0] for d in timeline_days(page)
    ]
    assert leads == expected


def test_header_says_developing(client: TestClient, developing: Developing) -> None:
    page = get_page(client, f"/stories/{developing.story_id}")
    [meta] = page.xpath('//header[@class="story-head"]/p[contains(@class, "developing")]')
    assert norm(meta).startswith("Developing story · 4 days · 10 articles from 8 outlets · ")


def test_one_day_story_has_no_timeline(client: TestClient, developing: Developing) -> None:
    r = client.get(f"/stories/{developing.game_id}")
    assert r.status_code == 200
    page = lxml.html.fromstring(r.text)
    assert not page.xpath('//ol[@class="story-timeline"]')
    assert not page.xpath('//h2[@id="timeline-title"]')
    assert "Developing" not in r.text
    assert norm(page.xpath('//span[@class="story-size"]')[0]) == "3 articles from 3 outlets"
    assert len(page.xpath('//section[@class="outlet-group"]')) == 3


# --- where else a developing story shows -----------------------------------------------------


def test_article_page_links_to_its_developing_story(
    client: TestClient, developing: Developing
) -> None:
    for doc in ("18_10ecbplus", "18_4ecbplus"):
        page = get_page(client, f"/articles/{developing.ids[doc]}")
        [link] = page.xpath('//a[@class="developing-link"]')
        assert link.get("href") == f"/stories/{developing.story_id}"
        assert norm(link) == "Developing story · 4 days · 10 articles from 8 outlets"
    # the copy's page too: it is in the story
    page = get_page(client, f"/articles/{developing.copy_id}")
    assert page.xpath(f'//a[@class="developing-link"][@href="/stories/{developing.story_id}"]')

    page = get_page(client, f"/articles/{developing.ids['29_5ecbplus']}")
    assert not page.xpath('//a[@class="developing-link"]')
    [part_of] = page.xpath('//p[@class="story-link"]')
    assert norm(part_of).endswith("(3 articles from 3 outlets)")


def test_story_lists_mark_developing_stories(client: TestClient, developing: Developing) -> None:
    for path in ("/stories", "/"):
        page = get_page(client, path)
        cards = {
            card.xpath(".//h2/a/@href | .//h3/a/@href")[0]: card
            for card in page.xpath('//article[contains(@class, "story-card")]')
        }
        shooting = cards[f"/stories/{developing.story_id}"]
        [badge] = shooting.xpath('.//span[@class="developing"]')
        assert norm(badge) == "Developing · 4 days", path
        assert not cards[f"/stories/{developing.game_id}"].xpath('.//span[@class="developing"]')


# --- days are UTC dates, on SQLite and PostgreSQL ----------------------------------------------

# Real UCI News Aggregator headlines on the Mt. Gox bankruptcy: Reuters on 10 March 2014 at
# 17:58 UTC, the follow-ups on 11 March at 01:04 UTC -- still 10 March in New York (UTC-4).
# The sample spans these hours only, so a fourth headline (Upstart's, 1208) is moved a day
# later, to 12 March 01:04 UTC (11 March in New York): a story over 31 hours.
MTGOX = ("200", "1186", "1170")
LATER = "1208"


def _mtgox_story(settings: Settings, later: bool = True) -> int:
    """The headlines imported as articles with their times, and one story of them."""
    path = shared_data("uci-news-aggregator-sample") / "uci-news-aggregator.head.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        wanted = (*MTGOX, LATER) if later else MTGOX
        rows = [r for r in csv.DictReader(fh) if r["ID"] in wanted]
    records = [
        {
            "url": r["URL"],
            "title": r["TITLE"],
            "text": r["TITLE"],
            "source": r["PUBLISHER"],
            "published": (
                datetime.fromtimestamp(int(r["TIMESTAMP"]) / 1000, UTC)
                + timedelta(days=1 if r["ID"] == LATER else 0)
            ).isoformat(),
        }
        for r in rows
    ]
    ids = import_records(settings, records)
    engine = connect(settings.db_url)
    with session_scope(engine) as session:
        story = Story(title=records[0]["title"], article_count=len(ids), outlet_count=len(ids))
        session.add(story)
        session.flush()
        for rec in records:
            when = datetime.fromisoformat(rec["published"])
            session.add(
                Enrichment(
                    article_id=ids[rec["url"]],
                    model_version="test",
                    seen_at=when,
                    story_id=story.id,
                )
            )
        story_id = story.id
    engine.dispose()
    return story_id


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Settings on a fresh SQLite file, or a fresh PostgreSQL database (NEWSDESK_TEST_PG_URL)."""
    if request.param == "sqlite":
        yield Settings(data_dir=tmp_path)
        return
    if not PG_URL:
        pytest.skip("no PostgreSQL server: set NEWSDESK_TEST_PG_URL (make test-pg starts one)")
    name = f"newsdesk_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield Settings(data_dir=tmp_path, database_url=url)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_days_are_utc_dates_on_every_backend(backend: Settings) -> None:
    story_id = _mtgox_story(backend)
    engine = connect(backend.db_url)
    try:
        with session_scope(engine) as session:
            if engine.dialect.name == "postgresql":  # a server in New York would see two days
                session.execute(text("SET TIME ZONE 'America/New_York'"))
            card = story_card(session, story_id)
            assert card is not None and card.days == 3
            view = story_page(session, story_id)
            assert view is not None
            assert [d.day for d in view.timeline] == [date(2014, 3, d) for d in (12, 11, 10)]
            assert [d.article_count for d in view.timeline] == [1, 2, 1]
    finally:
        engine.dispose()


def test_hours_across_midnight_are_no_developing_story(backend: Settings) -> None:
    """The real headlines alone: 7 hours across UTC midnight, one day's news (no "Developing ·
    2 days" badge, no timeline)."""
    story_id = _mtgox_story(backend, later=False)
    engine = connect(backend.db_url)
    try:
        with session_scope(engine) as session:
            card = story_card(session, story_id)
            assert card is not None and card.article_count == 3 and card.days == 0
            view = story_page(session, story_id)
            assert view is not None and view.timeline == []
    finally:
        engine.dispose()

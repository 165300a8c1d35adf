"""Listings by story (web/reading.py `Listing.by_story`): one entry per story, its other
outlets with it, and keyset pages that neither repeat a story nor lose one, on real SQLite."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from newsdesk.config import Settings
from newsdesk.store import Article, connect, session_scope
from newsdesk.store.models_ai import Enrichment, Story
from newsdesk.web import reading
from newsdesk.web.app import create_app

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
OUTLETS = ("CNN", "DR", "GameStar", "BBC")


def build(engine: Engine, seed: int = 7, stories: int = 12, singles: int = 9) -> dict[int, int]:
    """Stories of 1-4 articles from different outlets plus unclustered articles, at random
    times (some equal, to exercise the id tie-break). Returns article id -> story id (0: none)."""
    rng = random.Random(seed)
    story_of: dict[int, int] = {}
    with session_scope(engine) as s:
        for n in range(stories):
            story = Story(title=f"Story {n}", article_count=0, outlet_count=0)
            s.add(story)
            s.flush()
            size = rng.randint(1, 4)
            for k in range(size):
                when = NOW - timedelta(hours=rng.choice([1, 2, 2, 3, 5, 8, 13, 21]))
                a = Article(
                    url=f"https://news.example/{n}/{k}",
                    title=f"Story {n} from {OUTLETS[k % len(OUTLETS)]}",
                    outlet=OUTLETS[k % len(OUTLETS)],
                    published_at=when,
                )
                s.add(a)
                s.flush()
                s.add(Enrichment(article_id=a.id, model_version="t", story_id=story.id))
                story_of[a.id] = story.id
        for n in range(singles):
            a = Article(
                url=f"https://news.example/single/{n}",
                title=f"Single {n}",
                outlet=OUTLETS[n % len(OUTLETS)],
                published_at=NOW - timedelta(hours=rng.choice([1, 2, 4, 6])),
            )
            s.add(a)
            s.flush()
            story_of[a.id] = 0
    return story_of


def walk(engine: Engine, listing: reading.Listing, size: int) -> list[reading.ListedArticle]:
    seen: list[reading.ListedArticle] = []
    after = None
    with session_scope(engine) as s:
        while True:
            page = reading.list_entries(s, listing, after, size)
            seen += page.items
            if page.next is None:
                return seen
            after = reading.Position.decode(page.next.encode())


def flat_order(engine: Engine, listing: reading.Listing) -> list[int]:
    return [i.article.id for i in walk(engine, listing, 1000)]


@pytest.mark.parametrize("size", [1, 2, 3, 5, 50])
@pytest.mark.parametrize("oldest_first", [False, True])
def test_grouped_pages_hold_each_story_once_at_its_first_article(
    settings: Settings, size: int, oldest_first: bool
) -> None:
    engine = connect(settings.db_url)
    story_of = build(engine)
    flat = flat_order(engine, reading.Listing(oldest_first=oldest_first))
    # expected: the flat order, keeping an article only if its story has not appeared yet
    expected, stories_seen = [], set()
    for article_id in flat:
        story = story_of[article_id]
        if story and story in stories_seen:
            continue
        stories_seen.add(story)
        expected.append(article_id)
    grouped = walk(engine, reading.Listing(oldest_first=oldest_first, by_story=True), size)
    assert [i.article.id for i in grouped] == expected
    shown_stories = [i.story_id for i in grouped if i.story_id]
    assert len(shown_stories) == len(set(shown_stories)) == len(set(story_of.values()) - {0})
    assert len(expected) < len(flat)  # there was something to group


def test_grouped_entries_name_the_other_outlets(settings: Settings) -> None:
    engine = connect(settings.db_url)
    story_of = build(engine)
    items = walk(engine, reading.Listing(by_story=True), 50)
    with session_scope(engine) as s:
        for item in items:
            if not item.story_id:
                assert item.others == [] and item.story_articles == 1
                continue
            members = [s.get_one(Article, i) for i, st in story_of.items() if st == item.story_id]
            assert item.story_articles == len(members)
            want = {a.outlet for a in members} - {item.article.outlet}
            assert {o.outlet for o in item.others} == want
            for other in item.others:  # each links to an article of that outlet in the story
                assert s.get_one(Article, other.article_id).outlet == other.outlet
                assert story_of[other.article_id] == item.story_id


def test_grouped_outlet_listing_keeps_stories_that_outlet_covered(settings: Settings) -> None:
    """On an outlet's list a story appears at that outlet's article, even when another
    outlet's article of the story is newer."""
    engine = connect(settings.db_url)
    story_of = build(engine)
    listing = reading.Listing(source="outlet", outlet="DR", by_story=True)
    items = walk(engine, listing, 2)
    assert items and all(i.article.outlet == "DR" for i in items)
    with session_scope(engine) as s:
        dr_stories = {
            st for i, st in story_of.items() if st and s.get_one(Article, i).outlet == "DR"
        }
    assert {i.story_id for i in items if i.story_id} == dr_stories
    assert any(i.others for i in items)  # "+N outlets": CNN covered every DR story here


def test_grouped_ids_match_grouped_entries(settings: Settings) -> None:
    engine = connect(settings.db_url)
    build(engine)
    listing = reading.Listing(by_story=True)
    with session_scope(engine) as s:
        ids = [i for i, _ in reading.list_ids(s, listing, None, 1000).items]
    assert ids == [i.article.id for i in walk(engine, listing, 4)]


def test_unread_first_grouped_prefers_an_unread_article(settings: Settings) -> None:
    """With unread first, a story whose newest article was read shows at its unread one."""
    from newsdesk.accounts import create_user

    engine = connect(settings.db_url)
    story_of = build(engine)
    uid = create_user(engine, "reader", "a long enough password 1")
    flat = flat_order(engine, reading.Listing())
    multi = next(st for st in story_of.values() if st and list(story_of.values()).count(st) > 1)
    first, *rest = [i for i in flat if story_of[i] == multi]
    with session_scope(engine) as s:
        reading.set_marks(s, uid, [first], read=True)
    listing = reading.Listing(user_id=uid, unread_first=True, by_story=True)
    items = walk(engine, listing, 3)
    heads = {i.story_id: i.article.id for i in items if i.story_id}
    assert heads[multi] == rest[0]
    assert len([i for i in items if i.story_id == multi]) == 1


def test_home_outlet_and_tag_pages_group_by_story(settings: Settings) -> None:
    engine = connect(settings.db_url)
    story_of = build(engine)
    with TestClient(create_app(settings, engine)) as client:
        home = client.get("/").text
        multi = [
            st for st in set(story_of.values()) if st and list(story_of.values()).count(st) > 1
        ]
        shown = [st for st in multi if f'href="/stories/{st}"' in home]
        assert shown  # the page links the story of a grouped entry
        assert home.count(">+") >= 1 and "outlet" in home
        r = client.get("/outlets/DR")
        assert r.status_code == 200
        assert 'class="also"' in r.text


def test_api_keeps_both_views(settings: Settings) -> None:
    engine = connect(settings.db_url)
    story_of = build(engine)
    with TestClient(create_app(settings, engine)) as client:

        def walk_api(**params: str) -> list[dict]:
            items, cursor = [], None
            while True:
                query = {**params, "limit": "4", **({"cursor": cursor} if cursor else {})}
                body = client.get("/api/v1/articles", params=query).json()
                items += body["items"]
                cursor = body["next_cursor"]
                if cursor is None:
                    return items

        flat = walk_api()
        grouped = walk_api(group="story")
        assert len(flat) == len(story_of) and all(i["story"] is None for i in flat)
        stories = [i["story"]["id"] for i in grouped if i["story"]]
        assert len(stories) == len(set(stories)) == len(set(story_of.values()) - {0})
        assert len(grouped) == len(stories) + list(story_of.values()).count(0)
        multi = next(i for i in grouped if i["story"] and i["story"]["other_outlets"])
        other = multi["story"]["other_outlets"][0]
        assert other["link"].endswith(f"/articles/{other['article_id']}")
        assert multi["story"]["link"].endswith(f"/stories/{multi['story']['id']}")
        spec = client.get("/api/v1/openapi.json").json()
        path = next(p for p in spec["paths"] if p.endswith("/articles"))
        params = spec["paths"][path]["get"]["parameters"]
        group = next(p for p in params if p["name"] == "group")
        assert group["schema"]["enum"] == ["article", "story"] and "story" in group["description"]
        assert client.get("/api/v1/articles", params={"group": "outlet"}).status_code == 422


def test_grouped_unread_only_shows_a_story_at_its_newest_unread_article(
    settings: Settings,
) -> None:
    from newsdesk.accounts import create_user

    engine = connect(settings.db_url)
    story_of = build(engine)
    uid = create_user(engine, "reader", "a long enough password 1")
    flat = flat_order(engine, reading.Listing())
    multi = next(st for st in story_of.values() if st and list(story_of.values()).count(st) > 1)
    first, *rest = [i for i in flat if story_of[i] == multi]
    with session_scope(engine) as s:
        reading.set_marks(s, uid, [first], read=True)
    items = walk(engine, reading.Listing(user_id=uid, read=False, by_story=True), 3)
    assert [i.article.id for i in items if i.story_id == multi] == [rest[0]]

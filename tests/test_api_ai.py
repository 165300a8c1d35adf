"""Stories, hashtags and entities through the JSON API and Atom, over real rows of the AI
tables (newsdesk.store.models_ai) linked to the BBC test articles; follows feed My feed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from newsdesk.store import session_scope

models_ai = pytest.importorskip("newsdesk.store.models_ai")

try:  # tests/ as a package (tests/__init__.py) or as plain rootdir modules
    from .api_support import Accounts, accounts, data
    from .readers_support import _fast_hashing, app, client, engine
    from .webdata import Dataset
except ImportError:
    from api_support import Accounts, accounts, data  # type: ignore[no-redef]  # noqa: F401
    from readers_support import _fast_hashing, app, client, engine  # type: ignore[no-redef]  # noqa: F401
    from webdata import Dataset  # type: ignore[no-redef]

API = "/api/v1"


@pytest.fixture
def ai(engine: Engine, data: Dataset) -> dict[str, int]:
    """Two stories and three tags over the BBC articles, as the enrichment would store them."""
    now = datetime.now(UTC)
    b1, b2, t1 = (data.by_path(p).id for p in ("business/001", "business/002", "tech/001"))
    with session_scope(engine) as s:
        media = models_ai.Story(
            title="Time Warner profits & <AOL> woes",
            title_article_id=b1,
            first_seen=now - timedelta(hours=5),
            last_seen=now - timedelta(hours=2),
            article_count=2,
            outlet_count=1,
            score=9.5,
            summary=["Time Warner's profits rose 76%.", "AOL lost subscribers."],
        )
        tech = models_ai.Story(title="Net cafes", article_count=1, outlet_count=1, score=1.0)
        s.add_all([media, tech])
        s.flush()
        tw = models_ai.Tag(
            slug="TimeWarner", label="Time Warner", kind="organization", article_count=2
        )
        aol = models_ai.Tag(slug="AOL", label="AOL", kind="organization", article_count=1)
        topic = models_ai.Tag(
            slug="MediaProfits", label="media profits", kind="topic", article_count=1
        )
        s.add_all([tw, aol, topic])
        s.flush()
        for article_id, story in ((b1, media), (b2, media), (t1, tech)):
            s.add(
                models_ai.Enrichment(article_id=article_id, model_version="test", story_id=story.id)
            )
        s.add_all(
            [
                models_ai.ArticleTag(article_id=b1, tag_id=tw.id, score=1.0, is_hashtag=True),
                models_ai.ArticleTag(article_id=b2, tag_id=tw.id, score=0.5, is_hashtag=False),
                models_ai.ArticleTag(article_id=b1, tag_id=aol.id, score=0.4, is_hashtag=False),
                models_ai.ArticleTag(article_id=t1, tag_id=topic.id, score=0.9, is_hashtag=True),
            ]
        )
        return {"media": media.id, "tech": tech.id, "tw": tw.id, "aol": aol.id}


def test_stories(client: TestClient, data: Dataset, ai: dict[str, int]) -> None:
    page = client.get(f"{API}/stories").json()
    assert [s["id"] for s in page["items"]] == [ai["media"], ai["tech"]]
    top = page["items"][0]
    assert top["summary"] == ["Time Warner's profits rose 76%.", "AOL lost subscribers."]
    assert top["link"] == f"http://localhost/stories/{ai['media']}"
    assert client.get(f"{API}/stories?limit=1").json()["next_cursor"] == "o.1"
    assert [s["id"] for s in client.get(f"{API}/stories?limit=1&cursor=o.1").json()["items"]] == [
        ai["tech"]
    ]
    detail = client.get(f"{API}/stories/{ai['media']}").json()
    assert [a["title"] for a in detail["articles"]] == [
        data.by_path("business/001").title,
        data.by_path("business/002").title,
    ]
    assert client.get(f"{API}/stories/999999").status_code == 404

    feed = feedparser.parse(client.get("/feeds/stories.atom").content)
    assert feed.bozo == 0
    assert [e.title for e in feed.entries] == ["Time Warner profits & <AOL> woes", "Net cafes"]
    assert feed.entries[0].summary.startswith("Time Warner's profits rose 76%. AOL lost")
    one = feedparser.parse(client.get(f"/feeds/stories/{ai['media']}.atom").content)
    assert one.bozo == 0 and len(one.entries) == 2
    assert client.get("/feeds/stories/999999.atom").status_code == 404


def test_hashtags_entities_and_follows(
    client: TestClient, data: Dataset, accounts: Accounts, ai: dict[str, int]
) -> None:
    hashtags = client.get(f"{API}/hashtags").json()["items"]
    assert [(t["slug"], t["kind"], t["type"]) for t in hashtags] == [
        ("TimeWarner", "hashtag", "organization"),
        ("MediaProfits", "hashtag", "topic"),
    ]
    entities = client.get(f"{API}/entities").json()["items"]
    assert [t["slug"] for t in entities] == ["TimeWarner", "AOL"]
    assert entities[0]["following"] is None
    tag = client.get(f"{API}/hashtags/timewarner").json()
    assert tag["name"] == "Time Warner" and tag["key"] == "timewarner"
    assert [a["id"] for a in tag["articles"]["items"]] == [
        data.by_path("business/001").id,
        data.by_path("business/002").id,
    ]
    assert client.get(f"{API}/hashtags/AOL").status_code == 404  # never shown as a hashtag
    assert client.get(f"{API}/entities/AOL").json()["article_count"] == 1
    assert client.get(f"{API}/entities/MediaProfits").status_code == 404  # a topic

    # follow an entity by its name and a hashtag by its #tag: My feed has their articles
    alice = accounts.auth("alice")
    r = client.post(
        f"{API}/me/follows", json={"kind": "entity", "key": "Time Warner"}, headers=alice
    )
    assert r.json()["key"] == "timewarner" and r.json()["name"] == "Time Warner"
    client.post(
        f"{API}/me/follows", json={"kind": "hashtag", "key": "#MediaProfits"}, headers=alice
    )
    feed = client.get(f"{API}/me/feed?order=newest", headers=alice).json()["items"]
    assert [a["id"] for a in feed] == [
        data.by_path(p).id for p in ("business/001", "business/002", "tech/001")
    ]
    assert client.get(f"{API}/entities", headers=alice).json()["items"][0]["following"] is True

    atom = feedparser.parse(client.get("/feeds/hashtags/TimeWarner.atom").content)
    assert atom.bozo == 0 and atom.feed.title == "newsdesk: #TimeWarner" and len(atom.entries) == 2
    assert client.get("/feeds/hashtags/Nobody.atom").status_code == 404

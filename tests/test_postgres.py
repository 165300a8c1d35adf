"""The same code on a real PostgreSQL server (`make test` and `make test-pg` start one on loopback).

Skipped unless NEWSDESK_TEST_PG_URL names a server where the user may create databases, e.g.
postgresql+psycopg://postgres@127.0.0.1:55432/postgres. Each test gets a fresh database.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from newsdesk.ask import ask
from newsdesk.config import Settings
from newsdesk.enrich import enrich, pending_count
from newsdesk.ingest import refresh
from newsdesk.store import Article, connect, session_scope
from newsdesk.store.models_ai import ArticleTag, Enrichment, Story, Tag
from newsdesk.store.search import search
from newsdesk.stories.index import forget_open_indexes
from newsdesk.web.app import create_app

from .conftest import LoopbackServer, shared_data
from .stories_support import bbc_business_records, import_records
from .test_pipeline import add_feeds, real_pages, rss, serve_site

PG_URL = os.environ.get("NEWSDESK_TEST_PG_URL", "")
pytestmark = [
    pytest.mark.pg,
    pytest.mark.skipif(
        not PG_URL,
        reason="no PostgreSQL server: `make test-pg` starts one (or set NEWSDESK_TEST_PG_URL)",
    ),
]


@pytest.fixture
def pg(tmp_path: Path) -> Iterator[Settings]:
    """Settings on a fresh PostgreSQL database (dropped afterwards)."""
    name = f"newsdesk_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    forget_open_indexes()
    try:
        yield Settings(
            data_dir=tmp_path,
            database_url=url,
            allowed_networks=("127.0.0.0/8",),
            timeout=5.0,
            extract_workers=1,
            enrich_workers=1,
            secret_key="test-secret",
        )
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_refresh_is_transactional_and_idempotent_and_searchable(
    pg: Settings, http_server: LoopbackServer
) -> None:
    pages = real_pages(4)
    feed_url = http_server.route(
        "/feed.xml",
        rss("Loopback Gazette", serve_site(http_server, pages)),
        content_type="application/rss+xml",
    )
    add_feeds(pg, [feed_url])
    engine = connect(pg.db_url)
    assert engine.dialect.name == "postgresql"
    assert asyncio.run(refresh(engine, pg)).new_articles == 4
    assert asyncio.run(refresh(engine, pg)).new_articles == 0
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(Article)) == 4
        article = session.scalars(select(Article).order_by(Article.id)).first()
        assert article is not None and article.word_count > 50
        word = max(article.text.split()[:40], key=len).strip(".,;:")
        hits = search(session, word)
        assert any(h.article.id == article.id for h in hits)
        assert all("\x02" in h.snippet for h in hits)


def test_enrich_stories_tags_and_ask(pg: Settings) -> None:
    outlets = ("BBC News", "Wire", "Post")
    records = bbc_business_records(shared_data("bbc-news"), range(270, 290), outlets)
    import_records(pg, records)
    engine = connect(pg.db_url)
    assert enrich(engine, pg, batch_size=8) == 20
    assert pending_count(engine) == 0 and enrich(engine, pg) == 0
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(Enrichment)) == 20
        assert session.scalar(select(func.count()).select_from(Story)) >= 1
        assert session.scalar(select(func.count()).select_from(ArticleTag)) > 20
        counted = session.execute(select(Tag.article_count)).scalars().all()
        assert counted and all(c >= 1 for c in counted)
    answer = ask(engine, pg, "How much did Amex stock rise?")
    assert answer.answered
    assert "American Express surged more than 8%" in answer.citations[0]["sentence"]


def test_web_pages(pg: Settings) -> None:
    import_records(
        pg,
        [
            {
                "url": "https://news.example/a",
                "title": "Harbour bridge reopens after repairs",
                "text": "The harbour bridge reopened on Monday after two years of repairs. " * 5,
                "source": "City Herald",
            }
        ],
    )
    client = TestClient(create_app(pg))
    assert "Harbour bridge reopens" in client.get("/").text
    assert "Harbour bridge reopens" in client.get("/search", params={"q": "harbour"}).text
    with session_scope(connect(pg.db_url)) as session:
        article_id = session.scalars(select(Article.id)).one()
    page = client.get(f"/articles/{article_id}")
    assert page.status_code == 200 and "City Herald" in page.text


def test_listings_are_planned_for_their_values_without_parallel_query(pg: Settings) -> None:
    """A tag listing is planned for its tag, not with the generic plan PostgreSQL may keep for
    a prepared statement (which walked every article to list a small tag), and newsdesk's
    connections use no parallel query; neither setting outlives its scope."""
    from newsdesk.web.reading import Listing, list_entries

    engine = connect(pg.db_url)
    try:
        with session_scope(engine) as session:
            tag = Tag(slug="Syria", label="Syria", kind="place")
            session.add(tag)
            session.flush()
            show = "SHOW max_parallel_workers_per_gather"
            assert session.execute(text(show)).scalar() == "0"
            assert session.execute(text("SHOW plan_cache_mode")).scalar() == "auto"
            for _ in range(7):  # past psycopg's prepare threshold (5)
                list_entries(session, Listing(source="tag", tag_id=tag.id, by_story=True))
            assert session.execute(text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"
        with session_scope(engine) as session:  # a new transaction: back to the default
            assert session.execute(text("SHOW plan_cache_mode")).scalar() == "auto"
    finally:
        engine.dispose()

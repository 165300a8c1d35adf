"""The backup and restore of docs/deploy.md on a real PostgreSQL server: pg_dump (custom format)
of a live database, pg_restore into a fresh one, and the restored site works: the same
articles, search, article pages, and the schema at the head revision."""

from __future__ import annotations

import glob
import html
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from newsdesk.store import Article, connect, session_scope
from newsdesk.store.db import at_head

try:
    from .conftest import shared_data
    from .stories_support import bbc_business_records, import_records
    from .test_workers import settings_for
    from .test_workers_pg import PG_URL, fresh_database
except ImportError:
    from conftest import shared_data  # type: ignore[no-redef]
    from stories_support import bbc_business_records, import_records  # type: ignore[no-redef]
    from test_workers import settings_for  # type: ignore[no-redef]
    from test_workers_pg import PG_URL, fresh_database  # type: ignore[no-redef]

pytestmark = [
    pytest.mark.pg,
    pytest.mark.skipif(
        not PG_URL,
        reason="no PostgreSQL server: `make test-pg` starts one (or set NEWSDESK_TEST_PG_URL)",
    ),
]


def pg_tool(name: str) -> str:
    """The newest installed PostgreSQL client program `name`."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name) or ""]
    if not found[-1]:
        pytest.skip(f"{name} is not installed")
    return found[-1]


def libpq(url: str) -> str:
    """The SQLAlchemy URL as pg_dump/pg_restore take it (no +psycopg)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def test_pg_dump_and_restore_give_a_working_site(tmp_path: Path) -> None:
    from newsdesk.web.app import create_app

    records = bbc_business_records(shared_data("bbc-news"), range(1, 41), ("BBC News", "Wire"))
    dump = tmp_path / "newsdesk.dump"
    with fresh_database() as live_url, fresh_database() as restored_url:
        import_records(settings_for(tmp_path / "live", live_url), records)
        subprocess.run(
            [pg_tool("pg_dump"), "--format=custom", f"--file={dump}", libpq(live_url)],
            check=True,
            env={**os.environ, "PGCONNECT_TIMEOUT": "10"},
        )
        subprocess.run(
            [pg_tool("pg_restore"), "--no-owner", f"--dbname={libpq(restored_url)}", str(dump)],
            check=True,
        )
        engine = connect(restored_url, migrate=False)
        assert at_head(engine)  # the restored schema needs no migration
        with session_scope(engine) as session:
            assert session.scalar(select(func.count()).select_from(Article)) == len(records)
            article = session.scalars(select(Article).order_by(Article.id)).first()
            assert article is not None
        word = max(article.title.split(), key=len).strip(".,;:'\"")
        settings = settings_for(tmp_path / "restored", restored_url)
        client = TestClient(create_app(settings, engine))
        home = client.get("/")
        assert home.status_code == 200
        assert any(html.escape(r["title"]) in home.text for r in records)
        page = client.get(f"/articles/{article.id}")
        assert page.status_code == 200 and article.outlet in page.text
        found = client.get("/search", params={"q": word})
        assert found.status_code == 200 and f"/articles/{article.id}" in found.text
        engine.dispose()

"""session_scope is one transaction on SQLite too: savepoints, rollbacks, concurrent writers."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from newsdesk.store import Feed, connect, session_scope

try:
    from .conftest import database_url
except ImportError:
    from conftest import database_url  # type: ignore[no-redef]


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return connect(database_url(tmp_path))  # SQLite, or PostgreSQL on its pass


def _feeds(engine: Engine) -> list[str]:
    with session_scope(engine) as session:
        return list(session.scalars(select(Feed.url).order_by(Feed.url)))


def test_a_write_inside_the_first_savepoint_is_rolled_back_with_the_scope(engine: Engine) -> None:
    # The probe's case: a read, then the first write of the scope inside begin_nested(), then
    # an exception. Before the fix the SAVEPOINT opened the transaction and its RELEASE
    # committed it, so the feed stayed.
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        session.scalar(select(func.count()).select_from(Feed))
        with session.begin_nested():
            session.add(Feed(url="https://a.example/feed"))
            session.flush()
        raise RuntimeError("after the savepoint")
    assert _feeds(engine) == []


def test_writes_before_and_after_savepoints_commit_or_roll_back_together(engine: Engine) -> None:
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        session.add(Feed(url="https://a.example/feed"))
        session.flush()
        with session.begin_nested():
            session.add(Feed(url="https://b.example/feed"))
        session.add(Feed(url="https://c.example/feed"))
        session.flush()
        raise RuntimeError
    assert _feeds(engine) == []

    with session_scope(engine) as session:
        with session.begin_nested():
            session.add(Feed(url="https://a.example/feed"))
        with pytest.raises(ValueError), session.begin_nested():  # only this one is undone
            session.add(Feed(url="https://b.example/feed"))
            session.flush()
            raise ValueError
        session.add(Feed(url="https://c.example/feed"))
    assert _feeds(engine) == ["https://a.example/feed", "https://c.example/feed"]


@pytest.mark.sqlite_only("SQLite's write lock (BEGIN IMMEDIATE, a second sqlite3 connection)")
def test_a_savepoint_waits_for_another_writer_instead_of_failing(
    engine: Engine, tmp_path: Path
) -> None:
    # The savepoint's transaction takes the write lock first: a writer that commits while the
    # savepoint reads cannot make its later INSERT fail with "database is locked"
    # (SQLITE_BUSY_SNAPSHOT, which SQLite never retries).
    other = sqlite3.connect(
        tmp_path / "newsdesk.db", timeout=30, isolation_level=None, check_same_thread=False
    )
    errors: list[BaseException] = []
    started = threading.Event()

    def write_meanwhile() -> None:
        started.set()
        try:
            other.execute(
                "INSERT INTO feeds (url, added_at, error_count) VALUES ('https://o.example/', '2026', 0)"
            )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    with session_scope(engine) as session, session.begin_nested():
        session.scalar(select(func.count()).select_from(Feed))  # a read snapshot
        thread = threading.Thread(target=write_meanwhile)
        thread.start()
        started.wait()
        thread.join(0.3)  # the other writer is now waiting for the lock (or done, if broken)
        session.add(Feed(url="https://a.example/feed"))
        session.flush()
    thread.join()
    other.close()
    assert errors == []
    assert _feeds(engine) == ["https://a.example/feed", "https://o.example/"]


def test_head_revision_is_the_migrations_head(tmp_path: Path) -> None:
    # connect() skips Alembic when the database records HEAD_REVISION: it must be the real head.
    from alembic.script import ScriptDirectory

    from newsdesk.store.db import HEAD_REVISION, alembic_config

    script = ScriptDirectory.from_config(alembic_config(f"sqlite:///{tmp_path / 'x.sqlite'}"))
    assert script.get_heads() == [HEAD_REVISION]


def test_connect_migrates_a_new_database_and_then_skips_alembic(tmp_path: Path) -> None:
    from sqlalchemy import text

    from newsdesk.store.db import HEAD_REVISION, at_head

    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    engine = connect(url, migrate=False)
    assert not at_head(engine)  # no alembic_version table yet
    engine = connect(url)
    assert at_head(engine)
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) == HEAD_REVISION
    connect(url)  # at head: no upgrade, nothing changes
    assert at_head(engine)
    with engine.begin() as conn:  # an older schema version is not taken for the head
        conn.execute(text("UPDATE alembic_version SET version_num = '0004'"))
    assert not at_head(engine)


def test_sqlite_connections_read_through_a_memory_map(tmp_path: Path) -> None:
    """Every pooled SQLite connection reads the database through a memory map (pages where the
    operating system caches them, not copied into each connection's small cache), with WAL
    and foreign keys as before."""
    from newsdesk.store.db import MMAP_SIZE

    engine = connect(f"sqlite:///{tmp_path / 'newsdesk.db'}")
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        assert raw.execute("PRAGMA mmap_size").fetchone()[0] == MMAP_SIZE
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    engine.dispose()

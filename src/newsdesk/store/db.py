"""Engine, migrations and transactional sessions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def _head_revision() -> str:
    """The newest migration's revision, from the file names (``NNNN_name.py``, revision NNNN)."""
    return max(p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("[0-9]*_*.py"))


# `connect` skips Alembic (~0.1 s of imports, a large part of a CLI command's start) when the
# database already records this revision; tests/test_store_db.py checks it is Alembic's head.
HEAD_REVISION = _head_revision()


BUSY_TIMEOUT = 30.0  # seconds a SQLite write waits for another writer's lock
# SQLite reads the first MMAP_SIZE bytes of the database through a memory map: a page is read
# where the operating system caches it instead of being copied into each connection's own
# small cache (2 MB; a web process keeps 40 connections). See BENCHMARKS.md.
MMAP_SIZE = 2**30


def _sqlite_pragmas(busy_timeout: float) -> Any:
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cur.execute(f"PRAGMA mmap_size={MMAP_SIZE}")
        cur.close()

    return on_connect


def _pg_settings(dbapi_conn: Any, _record: Any) -> None:
    """Each PostgreSQL connection runs without parallel query: newsdesk's queries are small,
    and on a busy server the workers only take CPU from other requests (given two, the planner
    sorted a seq scan of every article to list a tag's 34: 28 ms against 1 without)."""
    with dbapi_conn.cursor() as cur:
        cur.execute("SET max_parallel_workers_per_gather = 0")
    dbapi_conn.commit()


def plan_for_values(session: Session) -> None:
    """On PostgreSQL, plan the statements of the rest of this transaction for their values.

    psycopg prepares a statement run five times on a connection, and PostgreSQL may then keep
    one generic plan for any values. For a statement whose best plan depends on the values (a
    listing of a small tag or a large one), that plan can be far off: listing a tag's 34
    articles, it walked every article newest first (169 ms against 3 planned for the tag).
    Not for every statement: planning each time cost an article page 1.9 ms more of the
    server's CPU (about 4 -> 6)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def _begin_before_savepoint(conn: Any, _name: str | None) -> None:
    """Open the transaction before a SAVEPOINT on SQLite, with the write lock taken.

    Python 3.11's sqlite3 (legacy transaction mode) emits BEGIN only before INSERT, UPDATE,
    DELETE or REPLACE. A SAVEPOINT sent outside a transaction starts one of its own, and its
    RELEASE commits it: the writes of ``begin_nested()`` would then survive a rollback of the
    enclosing session. BEGIN IMMEDIATE also takes the write lock up front (waiting on the busy
    timeout), so the reads inside the savepoint cannot leave it stale (SQLITE_BUSY_SNAPSHOT).
    """
    dbapi_conn = conn.connection.dbapi_connection
    if not dbapi_conn.in_transaction:
        dbapi_conn.execute("BEGIN IMMEDIATE")


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


PG_POOL_SIZE = 10  # connections a process keeps open to PostgreSQL (see docs/deploy.md)
PG_MAX_OVERFLOW = 10  # and opens beyond them at busy moments (the rest wait for one)


def connect(url: str, migrate: bool = True, busy_timeout: float = BUSY_TIMEOUT) -> Engine:
    """Open the database at `url`, creating and migrating it to the latest schema.

    `busy_timeout`: on SQLite, how long a write waits for another process's write lock.
    """
    parsed = make_url(url)
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": busy_timeout}
        if parsed.database and parsed.database != ":memory:":
            # As many kept connections as the web server's worker threads (anyio's 40): a
            # reader never waits for a pooled connection that a waiting writer holds, and none
            # is opened and closed per request (a new one costs its pragmas and a schema read).
            # With 8 kept, 20 readers back to back opened connections all the time (hits
            # 391-447 -> 490-496/s); with 20 still now and then, as a request's session ends
            # after its answer is sent, when its reader may already have asked again.
            kwargs.update(pool_size=40, max_overflow=20)
    else:
        # A busy web process runs about ten requests at once: with SQLAlchemy's default of 5
        # kept connections, each one beyond the fifth opened a PostgreSQL connection of its own
        # (a server process forked and authenticated) and closed it after.
        kwargs.update(pool_size=PG_POOL_SIZE, max_overflow=PG_MAX_OVERFLOW)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas(busy_timeout))
        event.listen(engine, "savepoint", _begin_before_savepoint)
    elif engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _pg_settings)
    if migrate and not at_head(engine):
        from alembic import command

        with engine.begin() as conn:
            cfg = alembic_config(url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    return engine


def at_head(engine: Engine) -> bool:
    """Whether the database's schema is already at HEAD_REVISION (a single cheap query)."""
    try:
        with engine.connect() as conn:
            versions = {
                row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))
            }
    except DBAPIError:  # a new database: no alembic_version table yet
        return False
    return versions == {HEAD_REVISION}


_factories: dict[int, sessionmaker[Session]] = {}


def session_factory(engine: Engine) -> sessionmaker[Session]:
    key = id(engine)
    if key not in _factories:
        _factories[key] = sessionmaker(engine, expire_on_commit=False)
    return _factories[key]


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: committed on success, rolled back on any exception."""
    session = session_factory(engine)()
    try:
        yield session
    except BaseException:
        close_session(session, commit=False)
        raise
    close_session(session, commit=True)


def close_session(session: Session, commit: bool) -> None:
    """Commit (or roll back) the session's transaction, then close it (session_scope's end)."""
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()

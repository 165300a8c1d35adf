"""Claiming work: leases on feeds and articles, so that N workers on N machines share them with
no leader and no double work, and a worker killed mid-job loses its claim when the lease expires.

- A claim is ONE statement: ``INSERT INTO leases SELECT <due items, unleased or lease expired>
  ... ON CONFLICT DO UPDATE ... WHERE leases.until < now RETURNING item_id``. On PostgreSQL the
  SELECT locks its rows ``FOR NO KEY UPDATE SKIP LOCKED`` (concurrent claimers skip each
  other's rows; NO KEY so that foreign-key checks of other writers never wait on it), and the
  conflict clause settles the rest: a lease committed after the statement's snapshot is seen by
  ON CONFLICT and, not expired, is not taken. On SQLite the statement runs under the database's
  write lock, which gives the same result. ``_dialect`` is the one place the backends differ.
- A worker renews its leases while it runs (``keep_alive``, every third of the lease) and
  deletes each one in the transaction that stores the item's result, so a result and the end of
  its claim commit together. A process that dies keeps its leases until they expire; then any
  worker takes the items again. Clocks are the workers' (NTP-synchronised machines: leases last
  minutes, seconds of skew do not matter).
- Serialised sections: ``exclusive`` (PostgreSQL ``pg_try_advisory_xact_lock``: one story
  clustering owner at a time; the others skip, the owner places their articles too) and
  ``serialize`` (``pg_advisory_xact_lock``: enrichment writes, whose tag counts and
  near-duplicate checks read what the previous writer wrote). On SQLite both take the write
  lock at the start of the transaction (BEGIN IMMEDIATE).

Why not a PostgreSQL job library (procrastinate, pgqueuer, ...): they keep their own queue
tables and run on PostgreSQL only (LISTEN/NOTIFY, advisory locks), while newsdesk's default is
one SQLite file, and the work is already described by our own rows (feeds due by
``next_fetch_at``, articles without a current enrichment): a queue would be a second copy of
that state to keep in step. Leases on our own rows are one table and one statement on both.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, String, and_, delete, literal, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, aliased

from newsdesk.store.bulk import in_chunks
from newsdesk.store.db import session_scope
from newsdesk.store.models import Article, Feed, Lease, UTCDateTime
from newsdesk.store.models_ai import Enrichment

FEED = "feed"
ARTICLE = "article"

_owner: tuple[int, str] | None = None


def worker_id() -> str:
    """This process's lease owner: host:pid:nonce (a fresh nonce in a forked child)."""
    global _owner
    pid = os.getpid()
    if _owner is None or _owner[0] != pid:
        _owner = (pid, f"{socket.gethostname()[:80]}:{pid}:{secrets.token_hex(4)}")
    return _owner[1]


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _dialect(session: Session, query: Select[Any], of: Any) -> tuple[Select[Any], Any]:
    """The one place where the backends differ: PostgreSQL locks the candidate rows (skipping
    those another claim holds); SQLite's single writer needs no lock. Returns the query and
    the dialect's INSERT (both have ON CONFLICT ... RETURNING)."""
    if _postgres(session):
        return query.with_for_update(skip_locked=True, key_share=True, of=of), postgresql.insert
    return query, sqlite.insert


def _claim(
    session: Session,
    kind: str,
    candidates: Select[Any],
    item: Any,
    of: Any,
    owner: str,
    seconds: float,
    now: datetime,
) -> list[int]:
    """Lease the items `candidates` selects (their id column is `item`) that are unleased,
    leased by `owner`, or whose lease expired; returns their ids."""
    held = aliased(Lease)
    query = candidates.outerjoin(held, and_(held.kind == kind, held.item_id == item)).where(
        or_(held.item_id.is_(None), held.until < now, held.owner == owner)
    )
    query, insert = _dialect(session, query, of)
    until = now + timedelta(seconds=seconds)
    rows = query.with_only_columns(
        literal(kind, String),
        item,
        literal(owner, String),
        literal(until, UTCDateTime()),
        maintain_column_froms=True,
    )
    stmt = insert(Lease).from_select(["kind", "item_id", "owner", "until"], rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=["kind", "item_id"],
        set_={"owner": stmt.excluded.owner, "until": stmt.excluded.until},
        where=or_(Lease.until < now, Lease.owner == owner),
    ).returning(Lease.item_id)
    return sorted(int(i) for i in session.scalars(stmt))


def claim_feeds(
    engine: Engine, owner: str, limit: int, seconds: float, now: datetime | None = None
) -> list[tuple[int, str]]:
    """Lease up to `limit` feeds that are due (earliest first); returns (id, url) pairs."""
    now = now or datetime.now(UTC)
    due = (
        select(Feed.id)
        .where(or_(Feed.next_fetch_at.is_(None), Feed.next_fetch_at <= now))
        .order_by(Feed.next_fetch_at.is_not(None), Feed.next_fetch_at, Feed.id)
        .limit(limit)
    )
    with session_scope(engine) as session:
        ids = _claim(session, FEED, due, Feed.id, Feed, owner, seconds, now)
        if not ids:
            return []
        rows = session.execute(select(Feed.id, Feed.url).where(Feed.id.in_(ids)).order_by(Feed.id))
        return [(int(r.id), r.url) for r in rows]


def claim_articles(
    session: Session,
    owner: str,
    version: str,
    limit: int,
    seconds: float,
    after: int = 0,
    now: datetime | None = None,
) -> list[int]:
    """Lease up to `limit` articles (id > `after`, lowest first) that have no enrichment of
    `version`; returns their ids. Commit soon: on PostgreSQL the rows stay locked until then."""
    now = now or datetime.now(UTC)
    todo = (
        select(Article.id)
        .outerjoin(Enrichment, Enrichment.article_id == Article.id)
        .where(
            or_(Enrichment.article_id.is_(None), Enrichment.model_version != version),
            Article.id > after,
        )
        .order_by(Article.id)
        .limit(limit)
    )
    return _claim(session, ARTICLE, todo, Article.id, Article, owner, seconds, now)


def release(session: Session, kind: str, ids: Sequence[int], owner: str) -> None:
    """End `owner`'s leases on these items (in the transaction that stores their results)."""
    for chunk in in_chunks(ids):
        session.execute(
            delete(Lease).where(Lease.kind == kind, Lease.item_id.in_(chunk), Lease.owner == owner)
        )


def release_all(engine: Engine, owner: str) -> None:
    """End every lease `owner` holds (a worker that stops cleanly)."""
    with session_scope(engine) as session:
        session.execute(delete(Lease).where(Lease.owner == owner))


def renew(engine: Engine, owner: str, seconds: float) -> int:
    """Extend every lease `owner` holds to now + `seconds`; returns how many."""
    until = datetime.now(UTC) + timedelta(seconds=seconds)
    with session_scope(engine) as session:
        result = session.execute(update(Lease).where(Lease.owner == owner).values(until=until))
        return int(getattr(result, "rowcount", 0) or 0)


def purge_expired(engine: Engine, older_than: float = 24 * 3600.0) -> int:
    """Delete leases expired for `older_than` seconds (items deleted while leased)."""
    before = datetime.now(UTC) - timedelta(seconds=older_than)
    with session_scope(engine) as session:
        result = session.execute(delete(Lease).where(Lease.until < before))
        return int(getattr(result, "rowcount", 0) or 0)


class _Renewer:
    """One thread per (engine, owner) renewing its leases every third of the lease time."""

    def __init__(self, engine: Engine, owner: str, seconds: float) -> None:
        self.engine, self.owner, self.seconds = engine, owner, seconds
        self.users = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="lease-renewer", daemon=True)

    def _run(self) -> None:
        import logging

        from sqlalchemy.exc import OperationalError

        log = logging.getLogger("newsdesk.worker")
        while not self.stop.wait(self.seconds / 3):
            try:
                renew(self.engine, self.owner, self.seconds)
            except OperationalError as exc:  # SQLite: a long write (this process's own) holds
                # the lock; the next tick tries again, and a lease lost is only work redone
                log.warning("lease renewal deferred: %s", str(exc.orig).splitlines()[0])
            except Exception:
                log.exception("lease renewal failed")


_renewers: dict[tuple[int, str], _Renewer] = {}
_renewers_lock = threading.Lock()


@contextmanager
def keep_alive(engine: Engine, owner: str, seconds: float) -> Iterator[None]:
    """Renew `owner`'s leases in a background thread while the block runs (re-entrant)."""
    key = (id(engine), owner)
    with _renewers_lock:
        renewer = _renewers.get(key)
        if renewer is None:
            renewer = _renewers[key] = _Renewer(engine, owner, seconds)
            renewer.thread.start()
        renewer.users += 1
    try:
        yield
    finally:
        with _renewers_lock:
            renewer.users -= 1
            if renewer.users == 0:
                renewer.stop.set()
                del _renewers[key]


def _key(name: str) -> int:
    return zlib.crc32(f"newsdesk:{name}".encode())


def _write_lock(session: Session) -> None:
    """SQLite: take the write lock now, before the transaction reads (BEGIN IMMEDIATE)."""
    dbapi = session.connection().connection.dbapi_connection
    if dbapi is not None and not dbapi.in_transaction:
        dbapi.execute("BEGIN IMMEDIATE")


def serialize(session: Session, name: str) -> None:
    """Wait until this transaction is the only one in section `name`, for its duration."""
    if _postgres(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _key(name)})
    else:
        _write_lock(session)


def exclusive(session: Session, name: str) -> bool:
    """Whether this transaction now owns section `name` (False: another transaction does)."""
    if _postgres(session):
        return bool(
            session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": _key(name)})
        )
    _write_lock(session)
    return True
